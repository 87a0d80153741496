/**
 * The multi-platform goals fail on the mistakes they exist for, beyond lesson 08's starter
 * (which the course proof covers): a final stage pinned to the build platform, and a
 * TARGETARCH declared before the first FROM (empty in the stage, so every variant gets the
 * build machine's binary). Both reuse lesson 08's cached build stage.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLab, type LabReport } from '../../harness/checks/check-lab.ts';
import { loadLesson } from '../../harness/course/registry.ts';

const statusById = (r: LabReport): Record<string, string> => Object.fromEntries(r.verdicts.map((v) => [v.id, v.status]));

let scratch: string;
beforeAll(async () => { scratch = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-platform-goals-')); });
afterAll(async () => { await rm(scratch, { recursive: true, force: true }); });

/** Lesson 08's solution with its Dockerfile edited, checked. */
async function checkEdited(name: string, edit: (dockerfile: string) => string): Promise<LabReport> {
  const lesson = await loadLesson('08-multi-platform');
  const dir = path.join(scratch, name);
  await cp(lesson.solutionDir, dir, { recursive: true });
  const file = path.join(dir, 'Dockerfile');
  await writeFile(file, edit(await readFile(file, 'utf8')));
  return checkLab(lesson, { dir });
}

describe('multi-platform goals', () => {
  it('a final stage pinned to $BUILDPLATFORM puts the arm64 variant on the amd64 base', async () => {
    const r = await checkEdited('pinned-final', (d) => d.replace(/^FROM gcr\.io/m, 'FROM --platform=$BUILDPLATFORM gcr.io'));
    expect(statusById(r)).toMatchObject({ 'multi-platform-image': 'fail', 'binary-per-platform': 'pass', 'compiles-on-build-platform': 'pass' });
    expect(r.verdicts.find((v) => v.id === 'multi-platform-image')?.message).toMatch(/linux\/arm64 variant is built on the linux\/amd64 variant/);
  });

  it('a global ARG TARGETARCH empties it in the stage: every variant gets the build machine\'s binary', async () => {
    const r = await checkEdited('global-arg', (d) => `ARG TARGETARCH\n${d}`);
    expect(statusById(r)).toMatchObject({ 'multi-platform-image': 'pass', 'binary-per-platform': 'fail', 'arm64-runs-as-arm64': 'fail', 'compiles-on-build-platform': 'pass' });
  });
});
