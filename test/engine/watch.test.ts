/**
 * Watch mode on the real engine: a save re-checks the lab and the verdict is drawn; a save
 * during a running check cancels the stale one (whose verdict is never shown) and every
 * check cleans up after itself.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLesson } from '../../harness/course/registry.ts';
import type { Lesson } from '../../harness/course/lesson.ts';
import { watchLab, type LabLoop, type VerdictShown } from '../../harness/learn/lab-loop.ts';
import { docker } from '../../harness/engine/docker.ts';
import { MANAGED_LABEL } from '../../harness/engine/labels.ts';

/** Containers and images the harness left for one lesson's checks. */
async function leftoversOf(slug: string): Promise<{ containers: string[]; images: string[] }> {
  const label = [`${MANAGED_LABEL}=true`];
  const repo = `stagecraft-check/${slug}:`;
  const containers = (await docker().listContainers({ all: true, filters: { label } })).filter((c) => c.Image.startsWith(repo));
  const images = (await docker().listImages({ filters: { label } })).flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith(repo));
  return { containers: containers.map((c) => c.Names.join(',')), images };
}

const passing = (e: VerdictShown): boolean => e.report.verdicts.every((v) => v.status === 'pass');

describe('watch mode', () => {
  let lesson: Lesson;
  let dir: string;
  let loop: LabLoop;
  const shown: VerdictShown[] = [];
  let screen = '';
  let waiters: ((e: VerdictShown) => void)[] = [];
  const nextVerdict = (): Promise<VerdictShown> => new Promise((resolve) => { waiters.push(resolve); });

  beforeAll(async () => {
    process.env.STAGECRAFT_PROGRESS_FILE = path.join(os.tmpdir(), `stagecraft-watch-test-${process.pid}.json`);
    lesson = await loadLesson('02');
    dir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-watch-test-'));
    await cp(lesson.labDir, dir, { recursive: true });
    await cp(lesson.solutionDir, dir, { recursive: true });
    const first = nextVerdict();
    loop = watchLab(lesson, {
      dir,
      debounceMs: 100,
      sink: { tty: false, write: (t) => { screen = t; } },
      onVerdictShown: (e) => { shown.push(e); const w = waiters; waiters = []; for (const r of w) r(e); },
    });
    expect(passing(await first)).toBe(true);
  });

  afterAll(async () => {
    await loop?.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(process.env.STAGECRAFT_PROGRESS_FILE ?? '', { force: true });
    delete process.env.STAGECRAFT_PROGRESS_FILE;
    // Only this lesson's: other checks may run beside this test on a shared engine.
    expect(await leftoversOf(lesson.slug)).toEqual({ containers: [], images: [] });
  });

  it('checks again when a file is saved, and draws the verdict', async () => {
    await loop.settled();
    const next = nextVerdict();
    await writeFile(path.join(dir, 'server.js'), `${await readFile(path.join(dir, 'server.js'), 'utf8')}\n// saved by the watch test\n`);
    const e = await next;
    expect(e.cause).toBe('server.js saved');
    expect(e.savedAt).toBeDefined();
    expect(passing(e)).toBe(true);
    expect(screen).toMatch(/Checked after: server\.js saved\./);
    expect(screen).toMatch(/4\/4 goals met/);
    expect(screen).toMatch(/Lab 02 is done/);
  });

  it('a save during a check cancels the stale check; only the new verdict is shown', async () => {
    await loop.settled();
    const before = shown.length;
    const next = nextVerdict();
    await writeFile(path.join(dir, 'server.js'), `${await readFile(path.join(dir, 'server.js'), 'utf8')}\n// first save\n`);
    // Wait until that check is running, then save the starter's Dockerfile over the solution.
    for (let i = 0; i < 100 && !loop.checking; i++) await new Promise((r) => setTimeout(r, 20));
    expect(loop.checking).toBe(true);
    await cp(path.join(lesson.labDir, 'Dockerfile'), path.join(dir, 'Dockerfile'));
    const e = await next;
    expect(e.cause).toBe('Dockerfile saved');
    expect(e.report.verdicts.filter((v) => v.status !== 'pass').map((v) => v.id).sort()).toEqual([...lesson.starterFails].sort());
    expect(shown.length).toBe(before + 1);
    expect(screen).toMatch(/First failed goal:/);
    // The cancelled check cleans up too.
    await loop.settled();
  });

  it('a save that changes nothing starts no check', async () => {
    await loop.settled();
    const before = shown.length;
    await writeFile(path.join(dir, 'Dockerfile'), await readFile(path.join(dir, 'Dockerfile'), 'utf8'));
    await writeFile(path.join(dir, '.Dockerfile.swp'), 'vim swap');
    await new Promise((r) => setTimeout(r, 600));
    expect(loop.checking).toBe(false);
    expect(shown.length).toBe(before);
  });
});
