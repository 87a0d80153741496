/**
 * The lintClean goal through a real check: it fails on Dockerfiles that break Docker's build
 * checks, passes on ones that do not, and knows the base image's variables from the engine.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLab, type LabReport } from '../../harness/checks/check-lab.ts';
import { lintClean } from '../../harness/checks/goals/index.ts';
import type { Lesson } from '../../harness/course/lesson.ts';
import { repoRoot } from '../../harness/paths.ts';
import { renderReport } from '../../harness/report/terminal.ts';

const fixture = path.join(repoRoot, 'test/fixtures/goal-lab');

const lesson: Lesson = {
  number: '98', slug: '98-lint-fixture', title: 'lint fixture', summary: '',
  lessonDir: fixture, labDir: path.join(fixture, 'good'), solutionDir: path.join(fixture, 'good'),
  owns: ['Dockerfile'], hints: ['-'], starterFails: [],
  goals: [
    lintClean(),
    lintClean({ id: 'exec-form-lint', rules: ['JSONArgsRecommended'] }),
    lintClean({ id: 'variables-defined', rules: ['UndefinedVar'] }),
  ],
};

const status = (r: LabReport): Record<string, string> => Object.fromEntries(r.verdicts.map((v) => [v.id, v.status]));

let scratch: string;
beforeAll(async () => { scratch = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-lint-goal-')); });
afterAll(async () => { await rm(scratch, { recursive: true, force: true }); });

describe('lintClean', () => {
  it('passes on a Dockerfile Docker\'s build checks find nothing in', async () => {
    const r = await checkLab(lesson, { dir: path.join(fixture, 'good') });
    expect(status(r)).toEqual({ 'lint-clean': 'pass', 'exec-form-lint': 'pass', 'variables-defined': 'pass' });
    expect(r.lint).toEqual([]);
    expect(renderReport(r)).toMatch(/Lint \(Docker's build checks\): no findings\./);
  });

  it('fails on a shell-form CMD, naming the rule and line; other rules stay green', async () => {
    const r = await checkLab(lesson, { dir: path.join(fixture, 'bad') });
    expect(status(r)).toEqual({ 'lint-clean': 'fail', 'exec-form-lint': 'fail', 'variables-defined': 'pass' });
    const v = r.verdicts.find((x) => x.id === 'exec-form-lint');
    expect(v?.measured).toBe('1 finding: JSONArgsRecommended (line 8)');
    expect(v?.message).toMatch(/^Dockerfile line 8, JSONArgsRecommended: /);
    expect(renderReport(r)).toMatch(/Lint \(Docker's build checks\): 1 finding\n {2}Dockerfile:8 {2}JSONArgsRecommended/);
  });

  it('knows the base image\'s variables from the engine: $NODE_VERSION is defined, $PAHT is a typo', async () => {
    const dir = path.join(scratch, 'vars');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM node:24-trixie-slim\nENV BUILT_WITH=$NODE_VERSION\nENV PATH=/app/bin:$PAHT\nCMD ["node", "-v"]\n');
    const r = await checkLab(lesson, { dir });
    expect(status(r)).toMatchObject({ 'exec-form-lint': 'pass', 'variables-defined': 'fail' });
    const v = r.verdicts.find((x) => x.id === 'variables-defined');
    expect(v?.measured).toBe('1 finding: UndefinedVar (line 3)');
    expect(v?.message).toMatch(/\$PAHT .*did you mean \$PATH\?/);
  });
});
