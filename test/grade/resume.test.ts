/**
 * The grading acceptance: a class of five with mixed submissions, graded through the CLI,
 * killed with SIGKILL halfway and run again with the same command, writes every format and
 * the same gradebook as a run that was never stopped, and leaves nothing in the engine.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../harness/engine/docker.ts';
import { GRADE_LABEL } from '../../harness/engine/labels.ts';
import { repoRoot } from '../../harness/paths.ts';

const LESSONS = ['01-build-context', '02-layer-cache'];
const CLI = path.join(repoRoot, 'bin/stagecraft.js');
let classDir: string;
let work: string;

/** Five students: solved, the starters, one lab each, a refused Dockerfile, and a zip. */
async function makeClass(dir: string): Promise<void> {
  const put = async (student: string, slug: string, from: 'solutions' | 'labs', edit?: (t: string) => string): Promise<void> => {
    const lab = path.join(dir, student, 'labs', slug);
    await mkdir(lab, { recursive: true });
    await cp(path.join(repoRoot, 'labs', slug), lab, { recursive: true });
    if (from === 'solutions') await cp(path.join(repoRoot, 'solutions', slug), lab, { recursive: true });
    if (edit) await writeFile(path.join(lab, 'Dockerfile'), edit(await readFile(path.join(lab, 'Dockerfile'), 'utf8')));
  };
  for (const slug of LESSONS) {
    await put('ada', slug, 'solutions');
    await put('brian', slug, 'labs');
    await put('dana', slug, 'solutions', (t) => t.replace('RUN ', 'RUN --network=host '));
    await put('eve-zip', slug, 'solutions');
  }
  await put('carla', LESSONS[0] ?? '', 'solutions');
  await $({ cwd: path.join(dir, 'eve-zip'), quiet: true })`zip -qr ${path.join(dir, 'eve.zip')} labs`;
  await rm(path.join(dir, 'eve-zip'), { recursive: true, force: true });
}

function grade(out: string, onLine?: (line: string) => void): { done: Promise<number>; kill: () => void } {
  const child = spawn(process.execPath, [CLI, 'grade', classDir, '--out', out, '--lessons', '01,02', '--jobs', '2'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let buffer = '';
  child.stderr.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const l of lines) onLine?.(l);
  });
  child.stdout.resume();
  return {
    done: new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 137 : 1)))),
    kill: () => child.kill('SIGKILL'),
  };
}

beforeAll(async () => {
  classDir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-class-'));
  work = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-class-out-'));
  await makeClass(classDir);
});

afterAll(async () => {
  await rm(classDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('grading a class', () => {
  it('killed halfway and run again, gives the gradebook of an uninterrupted run', async () => {
    const whole = path.join(work, 'whole');
    expect(await grade(whole).done).toBe(0);

    const stopped = path.join(work, 'stopped');
    let graded = 0;
    const first = grade(stopped, (line) => { if (/^\[\d+\/\d+\]/.test(line) && ++graded === 3) first.kill(); });
    expect(await first.done).toBe(137);
    const saved = (await readdir(path.join(stopped, 'results'), { recursive: true })).filter((f) => String(f).endsWith('.json'));
    expect(saved.length).toBeGreaterThanOrEqual(3);
    expect(saved.length).toBeLessThan(9);

    const lines: string[] = [];
    expect(await grade(stopped, (l) => lines.push(l)).done).toBe(0);
    expect(lines.join('\n')).toMatch(/already graded/);

    const a = await readFile(path.join(whole, 'gradebook.csv'), 'utf8');
    const b = await readFile(path.join(stopped, 'gradebook.csv'), 'utf8');
    expect(b).toBe(a);
    expect(a.split('\r\n').filter(Boolean)).toHaveLength(6); // header + 5 students
    expect(a).toMatch(/^student,01-build-context,02-layer-cache,total,max/);
    for (const f of ['goals.csv', 'junit.xml', 'report.html', 'students/ada/classroom.b64', 'students/ada/02-layer-cache/results.json', 'students/eve/01-build-context/results.json']) {
      expect((await readFile(path.join(stopped, f), 'utf8')).length, f).toBeGreaterThan(0);
    }
    // eve handed in exactly ada's files: checked once, the grade copied.
    const eve = JSON.parse(await readFile(path.join(whole, 'results/eve/02.json'), 'utf8')) as { sameAs?: string; student: string };
    expect(eve).toMatchObject({ student: 'eve', sameAs: 'ada' });
    const results = (await readdir(path.join(stopped, 'results'), { recursive: true })).filter((f) => String(f).endsWith('.json'));
    expect(results.sort()).toEqual((await readdir(path.join(whole, 'results'), { recursive: true })).filter((f) => String(f).endsWith('.json')).sort());
  });

  it('leaves nothing of the grader in the engine', async () => {
    const label = [GRADE_LABEL];
    expect((await docker().listContainers({ all: true, filters: { label } })).length).toBe(0);
    expect((await docker().listImages({ filters: { label } })).length).toBe(0);
    expect((await docker().listNetworks({ filters: { label } })).length).toBe(0);
    expect((await $({ nothrow: true, quiet: true })`pgrep -f scge-`).stdout.trim()).toBe('');
    expect((await $({ nothrow: true, quiet: true })`iptables -S INPUT`).stdout).not.toMatch(/stagecraft-grade/);
  });
});
