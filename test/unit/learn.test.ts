/** The learner's loop without an engine: progress state, ignored files, the screen, hints, diffs, watching, reset. */
import { mkdtemp, mkdir, readFile, rm, writeFile, chmod, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $ } from 'zx';
import { BuildLog } from '../../harness/build/build-log.ts';
import type { LabReport } from '../../harness/checks/check-lab.ts';
import type { Verdict } from '../../harness/checks/goal.ts';
import type { Lesson } from '../../harness/course/lesson.ts';
import { StagecraftError } from '../../harness/errors.ts';
import type { LabStatus } from '../../harness/learn/course.ts';
import { firstUnfinished, labAfter } from '../../harness/learn/course.ts';
import { labFingerprint } from '../../harness/learn/fingerprint.ts';
import { hintLines, hintsSoFar, nextHint } from '../../harness/learn/hints.ts';
import { isEditorTempFile, isIgnoredLabPath, labFiles } from '../../harness/learn/ignored-files.ts';
import { doneCount, renderCourseList } from '../../harness/learn/list-view.ts';
import { recordVerdict } from '../../harness/learn/record.ts';
import { resetLab } from '../../harness/learn/reset.ts';
import { buildSummary, renderScreen, Screen, stepViews, visibleLength, type ScreenModel } from '../../harness/learn/screen.ts';
import { fileDiff } from '../../harness/learn/solution.ts';
import { labDone, loadProgress, saveProgress, updateLab } from '../../harness/learn/state.ts';
import { watchFolder } from '../../harness/learn/watcher.ts';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-learn-test-'));
  process.env.STAGECRAFT_PROGRESS_FILE = path.join(scratch, 'progress.json');
});
afterAll(async () => {
  delete process.env.STAGECRAFT_PROGRESS_FILE;
  await rm(scratch, { recursive: true, force: true });
});

const strip = (s: string): string => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');

function verdict(id: string, status: Verdict['status'], extra: Partial<Verdict> = {}): Verdict {
  return { id, title: `Goal ${id}`, status, expected: 'at most 1 MB', measured: status === 'pass' ? '0.5 MB' : '3.0 MB', message: status === 'pass' ? undefined : `Goal ${id} failed because of reasons.`, hint: `hint for ${id}`, weight: 1, durationMs: 1, ...extra };
}

const lesson = { number: '01', slug: '01-demo', title: 'The demo', summary: '', owns: ['Dockerfile'], goals: [], hints: ['first hint', 'second hint', 'third hint'], starterFails: [], lessonDir: '', labDir: '', solutionDir: '' } as Lesson;

function report(verdicts: Verdict[], size?: number): LabReport {
  return { lesson, dir: '/tmp/x', verdicts, build: { outcome: 'built', reason: undefined, durationMs: 900, failedStepOutput: [] }, image: size === undefined ? undefined : { size, compressedSize: undefined }, durationMs: 1500 };
}

describe('ignored files', () => {
  it('leaves out editor temp files, backups and tool folders', () => {
    for (const name of ['.Dockerfile.swp', '.server.js.swo', '4913', 'Dockerfile~', '.#Dockerfile', '#Dockerfile#', 'Dockerfile___jb_tmp___', 'x.tmp', '.DS_Store']) {
      expect(isEditorTempFile(name), name).toBe(true);
    }
    for (const name of ['Dockerfile', '.dockerignore', 'server.js', 'package-lock.json', 'swap.js']) expect(isEditorTempFile(name), name).toBe(false);
    expect(isIgnoredLabPath('node_modules/express/index.js')).toBe(true);
    expect(isIgnoredLabPath('sub/.git/HEAD')).toBe(true);
    expect(isIgnoredLabPath('Dockerfile.stagecraft-backup')).toBe(true);
    expect(isIgnoredLabPath('src/app.js')).toBe(false);
  });

  it('lists and fingerprints only the learner\'s files', async () => {
    const dir = path.join(scratch, 'fp');
    await mkdir(path.join(dir, 'node_modules/x'), { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(path.join(dir, 'node_modules/x/index.js'), '1');
    expect(await labFiles(dir)).toEqual(['Dockerfile']);
    const before = await labFingerprint(dir);
    await writeFile(path.join(dir, '.Dockerfile.swp'), 'swap');
    await writeFile(path.join(dir, 'node_modules/x/index.js'), '2');
    expect(await labFingerprint(dir)).toBe(before);
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . .\n');
    expect(await labFingerprint(dir)).not.toBe(before);
    expect(await labFingerprint(path.join(scratch, 'no-such-dir'))).toBeUndefined();
  });
});

describe('progress state', () => {
  it('is written atomically and read back; a broken file reads as empty', async () => {
    const file = path.join(scratch, 'state-a.json');
    saveProgress({ version: 1, labs: { '01-demo': { hintsShown: 2 } } }, file);
    expect(loadProgress(file).labs['01-demo']?.hintsShown).toBe(2);
    expect((await import('node:fs')).readdirSync(scratch).filter((f) => f.includes('.tmp'))).toEqual([]);
    await writeFile(file, '{ not json');
    expect(loadProgress(file)).toEqual({ version: 1, labs: {} });
    expect(loadProgress(path.join(scratch, 'missing.json'))).toEqual({ version: 1, labs: {} });
  });

  it('records a verdict: when it first passed, the last verdict, the starter size', () => {
    const failing = recordVerdict('01-demo', report([verdict('a', 'pass'), verdict('b', 'fail')], 300e6), 'fp-starter', true);
    expect(failing.last).toMatchObject({ passed: false, goalsMet: 1, goalsTotal: 2, failed: ['b'], imageSize: 300e6, fingerprint: 'fp-starter' });
    expect(failing.starterSize).toBe(300e6);
    expect(failing.firstPassedAt).toBeUndefined();
    const passing = recordVerdict('01-demo', report([verdict('a', 'pass'), verdict('b', 'pass')], 120e6), 'fp-solved', false);
    expect(passing.firstPassedAt).toBeDefined();
    expect(passing.starterSize).toBe(300e6);
    expect(passing.last?.imageSize).toBe(120e6);
  });

  it('counts a lab done only while it still passes with the same files', () => {
    const lab = loadProgress().labs['01-demo'];
    expect(labDone(lab, 'fp-solved')).toBe(true);
    expect(labDone(lab, 'fp-edited-since')).toBe(false);
    expect(labDone(lab)).toBe(true);
    expect(labDone(undefined)).toBe(false);
    updateLab('01-demo', (l) => { delete l.last; });
    expect(labDone(loadProgress().labs['01-demo'])).toBe(false);
  });
});

describe('hints', () => {
  it('reveals one more hint per request, in order, and stops at the last', () => {
    const l = { ...lesson, slug: '01-hints' };
    expect(hintsSoFar(l).shown).toEqual([]);
    expect(nextHint(l)).toMatchObject({ shown: ['first hint'], revealed: true });
    expect(nextHint(l).shown).toEqual(['first hint', 'second hint']);
    expect(nextHint(l).shown).toEqual(['first hint', 'second hint', 'third hint']);
    const after = nextHint(l);
    expect(after.revealed).toBe(false);
    expect(hintLines(after)).toEqual(['Hint 1 of 3: first hint', 'Hint 2 of 3: second hint', 'Hint 3 of 3: third hint']);
  });
});

describe('the course list', () => {
  const status = (number: string, state: LabStatus['state']): LabStatus => ({ slug: `${number}-x`, number, lesson: { ...lesson, number, slug: `${number}-x`, title: `Lab ${number}` }, problem: state === 'broken' ? 'its lesson.ts does not load' : undefined, state, progress: undefined });
  const labs = [status('01', 'done'), status('02', 'failing'), status('03', 'broken'), status('04', 'unchecked')];

  it('says how many labs are done and marks each', () => {
    expect(doneCount(labs)).toEqual({ done: 1, total: 4 });
    const text = strip(renderCourseList(labs, '02-x').join('\n'));
    expect(text).toMatch(/^1 of 4 labs done/);
    expect(text).toMatch(/✓ 01 {2}Lab 01/);
    expect(text).toMatch(/› ✗ 02/);
    expect(text).toMatch(/! 03 .*cannot be worked on yet: its lesson.ts does not load/);
  });

  it('finds the first unfinished lab and the next one, skipping labs that cannot be worked on', () => {
    expect(firstUnfinished(labs)?.number).toBe('02');
    expect(labAfter(labs, '02-x')?.number).toBe('04');
    expect(labAfter(labs, '04-x')).toBeUndefined();
  });
});

describe('the watch screen', () => {
  const base = (check: ScreenModel['check']): ScreenModel => ({ lab: { number: '01', slug: '01-demo', title: 'The demo' }, dir: 'labs/01-demo', watchFailure: undefined, check, hints: undefined, next: { number: '02', title: 'Next one' }, panel: [], prompt: undefined });

  it('shows the build\'s steps while it runs: cached, built, running', () => {
    const log = new BuildLog(1e6, () => 1000);
    log.push('#1 [internal] load build definition from Dockerfile\n#1 DONE 0.0s\n#5 [1/3] WORKDIR /app\n#5 CACHED\n#6 [2/3] COPY package.json ./\n#6 DONE 0.2s\n#7 [3/3] RUN npm ci\n#7 0.5 added 60 packages\n');
    const steps = stepViews(log, 3500);
    expect(steps.map((s) => s.state)).toEqual(['cached', 'done', 'running']);
    expect(steps[2]?.seconds).toBeCloseTo(2.5);
    expect(buildSummary(steps)).toBe('3 steps, 1 from the cache');
    const text = strip(renderScreen(base({ phase: 'running', cause: 'Dockerfile saved', startedAt: 0, steps, activity: 'building main', verdicts: [] }), 4000));
    expect(text).toMatch(/Checking \(Dockerfile saved, 4\.0 s\)/);
    expect(text).toMatch(/✓ \[1\/3\] WORKDIR \/app cached/);
    expect(text).toMatch(/✓ \[2\/3\] COPY package.json \.\/ built 0\.2s/);
    expect(text).toMatch(/\[3\/3\] RUN npm ci running 2\.5s/);
    expect(text).toMatch(/Watching labs\/01-demo\/: every save checks the lab again/);
    expect(text).toMatch(/keys: Enter check · h hint · n next lab · l list · a check all · r reset · q quit/);
  });

  it('shows each goal with measured against expected, and the first failure\'s message', () => {
    const text = strip(renderScreen(base({ phase: 'done', cause: 'Dockerfile saved', report: report([verdict('a', 'pass'), verdict('b', 'fail'), verdict('c', 'fail')], 243e6) })));
    expect(text).toMatch(/✓ Goal a \(0\.5 MB\)/);
    expect(text).toMatch(/✗ Goal b \(3\.0 MB; expected at most 1 MB\)/);
    expect(text).toMatch(/First failed goal: Goal b\n {2}Goal b failed because of reasons\./);
    expect(text).not.toMatch(/Goal c failed because/);
    expect(text).toMatch(/1\/3 goals met, image 243\.0 MB/);
    expect(text).not.toMatch(/is done/);
  });

  it('says a passed lab is done and names the next, and shows hints in order', () => {
    const m = base({ phase: 'done', cause: 'x', report: report([verdict('a', 'pass')]) });
    m.hints = { shown: ['first hint', 'second hint'], total: 3, revealed: true };
    const text = strip(renderScreen(m));
    expect(text).toMatch(/Lab 01 is done\. Press n for lab 02 · Next one/);
    expect(text.indexOf('Hint 1 of 3: first hint')).toBeLessThan(text.indexOf('Hint 2 of 3: second hint'));
  });

  it('shows an expected failure with its fix, and the key to check when watching fails', () => {
    const m = base({ phase: 'error', cause: 'the first check', error: new StagecraftError('engine-missing', 'No Docker engine answers.', 'Start Docker.') });
    m.watchFailure = 'ENOSPC: System limit for number of file watchers reached';
    const text = strip(renderScreen(m));
    expect(text).toMatch(/error: No Docker engine answers\.\nfix: Start Docker\./);
    expect(text).toMatch(/Cannot watch labs\/01-demo\/ \(ENOSPC.*\): save your files, then press Enter to check/);
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('draws in place on a terminal and prints only verdicts elsewhere', () => {
    const writes: string[] = [];
    let model = base({ phase: 'running', cause: 'x', startedAt: 0, steps: [], activity: 'building', verdicts: [] });
    const plain = new Screen({ tty: false, write: (t) => writes.push(t) }, () => model);
    plain.draw();
    expect(writes).toEqual([]);
    model = base({ phase: 'done', cause: 'x', report: report([verdict('a', 'pass')]) });
    plain.draw();
    plain.draw();
    expect(writes.length).toBe(1);
    const tty: string[] = [];
    new Screen({ tty: true, write: (t) => tty.push(t), rows: () => 200, columns: () => 100 }, () => model).draw();
    expect(tty[0]?.startsWith('\u001b[H')).toBe(true);
    expect(visibleLength('\u001b[32m✓\u001b[0m ok')).toBe(4);
  });
});

describe('solution diff', () => {
  it('is a unified diff from the learner\'s file to the reference', () => {
    const lines = fileDiff('labs/02/Dockerfile', 'solutions/02/Dockerfile', 'FROM node\nCOPY . .\nRUN npm install\n', 'FROM node\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\n');
    expect(lines[0]).toBe('--- labs/02/Dockerfile\tyours');
    expect(lines[1]).toBe('+++ solutions/02/Dockerfile\treference');
    expect(lines).toContain('-RUN npm install');
    expect(lines).toContain('+RUN npm ci --omit=dev');
    expect(lines.some((l) => l.startsWith('@@'))).toBe(true);
  });
});

describe('watching a folder', () => {
  it('reports a save once (debounced) and ignores editor temp files', async () => {
    const dir = path.join(scratch, 'watched');
    await mkdir(dir, { recursive: true });
    const saves: string[][] = [];
    const w = watchFolder(dir, (files) => saves.push(files), { debounceMs: 80 });
    expect(w.failure).toBeUndefined();
    await writeFile(path.join(dir, '.Dockerfile.swp'), 'swap');
    await writeFile(path.join(dir, '4913'), '');
    await new Promise((r) => setTimeout(r, 250));
    expect(saves).toEqual([]);
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . .\n');
    await new Promise((r) => setTimeout(r, 300));
    w.close();
    expect(saves).toEqual([['Dockerfile']]);
  });

  it('says why when a folder cannot be watched', () => {
    const w = watchFolder(path.join(scratch, 'not-there'), () => undefined);
    expect(w.failure).toMatch(/ENOENT|no such file/i);
    w.close();
  });
});

describe('reset', () => {
  let root: string;
  const lab = 'labs/01-demo';
  beforeAll(async () => {
    root = path.join(scratch, 'repo');
    await mkdir(path.join(root, lab, 'src'), { recursive: true });
    await writeFile(path.join(root, '.gitignore'), '*.stagecraft-backup\n');
    await writeFile(path.join(root, lab, 'Dockerfile'), 'FROM node\nCOPY . .\n');
    await writeFile(path.join(root, lab, 'src/app.js'), 'console.log(1)\n');
    await writeFile(path.join(root, lab, 'run.sh'), '#!/bin/sh\n');
    await chmod(path.join(root, lab, 'run.sh'), 0o755);
    const git = $({ cwd: root, quiet: true });
    await git`git init -q`;
    await git`git add -A`;
    await git`git -c user.name=t -c user.email=t@example.invalid commit -q -m starter`;
  });

  it('restores the starter exactly and keeps the learner\'s files as backups', async () => {
    await writeFile(path.join(root, lab, 'Dockerfile'), 'FROM node\nCOPY package.json ./\n');
    await rm(path.join(root, lab, 'src/app.js'));
    await chmod(path.join(root, lab, 'run.sh'), 0o644);
    await writeFile(path.join(root, lab, '.dockerignore'), 'node_modules\n');
    const r = await resetLab('01-demo', root);
    expect(r.restored.sort()).toEqual([`${lab}/Dockerfile`, `${lab}/run.sh`, `${lab}/src/app.js`]);
    expect(r.backups.sort()).toEqual([`${lab}/.dockerignore.stagecraft-backup`, `${lab}/Dockerfile.stagecraft-backup`, `${lab}/run.sh.stagecraft-backup`]);
    expect(await readFile(path.join(root, lab, 'Dockerfile'), 'utf8')).toBe('FROM node\nCOPY . .\n');
    expect(await readFile(path.join(root, lab, 'Dockerfile.stagecraft-backup'), 'utf8')).toBe('FROM node\nCOPY package.json ./\n');
    expect(existsSync(path.join(root, lab, '.dockerignore'))).toBe(false);
    expect((await stat(path.join(root, lab, 'run.sh'))).mode & 0o111).not.toBe(0);
    expect((await $({ cwd: root, quiet: true })`git status --porcelain`).stdout.trim()).toBe('');
  });

  it('keeps earlier backups, touches nothing when the lab is the starter, and explains a lab git does not know', async () => {
    await writeFile(path.join(root, lab, 'Dockerfile'), 'FROM node\n# second try\n');
    const r = await resetLab('01-demo', root);
    expect(r.backups).toEqual([`${lab}/Dockerfile.2.stagecraft-backup`]);
    expect(await resetLab('01-demo', root)).toEqual({ restored: [], backups: [] });
    await expect(resetLab('02-unknown', root)).rejects.toThrow(/not in this repository's git history/);
  });
});
