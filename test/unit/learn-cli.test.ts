/** The learner's shell verbs, end to end through the CLI, on a progress file of their own (no engine needed). */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $ } from 'zx';
import { repoRoot } from '../../harness/paths.ts';
import { lessonSlugs } from '../../harness/course/registry.ts';

let scratch: string;
const run = (...args: string[]) => $({ nothrow: true, quiet: true, cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', STAGECRAFT_PROGRESS_FILE: path.join(scratch, 'progress.json') } })`node bin/stagecraft.js ${args}`;

beforeAll(async () => { scratch = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-learn-cli-')); });
afterAll(async () => { await rm(scratch, { recursive: true, force: true }); });

describe('learner verbs', () => {
  it('list: every lab, none done yet, and what is next', async () => {
    const r = await run('list');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`0 of ${lessonSlugs().length} labs done`));
    expect(r.stdout).toMatch(/01 {2}The build context/);
    expect(r.stdout).toMatch(/Next: lab 01 · The build context/);
  });

  it('hint: one more each time, in order', async () => {
    const first = await run('hint', '01');
    expect(first.stdout).toMatch(/^Hint 1 of \d+:/);
    expect(first.stdout).not.toMatch(/Hint 2/);
    const second = await run('hint', '1');
    expect(second.stdout).toMatch(/Hint 1 of \d+:[\s\S]*\nHint 2 of \d+:/);
  });

  it('solution: hidden until the lab passes, shown with --force with a diff', async () => {
    const hidden = await run('solution', '01');
    expect(hidden.exitCode).toBe(2);
    expect(hidden.stderr).toMatch(/^error: You have not passed lab 01 yet/m);
    expect(hidden.stderr).toMatch(/--force/);
    expect(hidden.stderr).not.toMatch(/\n\s+at /);
    const forced = await run('solution', '01', '--force');
    expect(forced.exitCode).toBe(0);
    expect(forced.stdout).toMatch(/solutions\/01-build-context\/Dockerfile/);
    expect(forced.stdout).toMatch(/^\+\+\+ solutions\/01-build-context\/\.dockerignore\treference$/m);
  });

  it('reset and next: a clear message for a lab that does not exist', async () => {
    const r = await run('reset', '42');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no lesson "42"/);
    expect((await run('next')).stdout).toMatch(/^Next: lab 01/);
  });

  it('help names the learner verbs', async () => {
    const r = await run('help');
    for (const verb of ['list', 'next', 'hint <lesson>', 'solution <lesson>', 'reset <lesson>', 'check --all', 'site']) expect(r.stdout).toContain(verb);
  });
});
