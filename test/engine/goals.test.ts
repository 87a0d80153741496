/**
 * The goal library on the real engine: each goal passes on an image that meets it and
 * fails on one that does not, so no goal is a check that cannot fail.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLab, type LabReport } from '../../harness/checks/check-lab.ts';
import * as g from '../../harness/checks/goals/index.ts';
import type { Lesson } from '../../harness/course/lesson.ts';
import { repoRoot } from '../../harness/paths.ts';
import { docker } from '../../harness/engine/docker.ts';

const fixture = path.join(repoRoot, 'test/fixtures/goal-lab');

// The good image adds two layers (WORKDIR, COPY) to its base; the bad one four.
const baseLayers = (await docker().getImage('node:24-trixie-slim').inspect()).RootFS.Layers?.length ?? 0;

const lesson: Lesson = {
  number: '99', slug: '99-goal-fixture', title: 'goal fixture', summary: '',
  lessonDir: fixture, labDir: path.join(fixture, 'good'), solutionDir: path.join(fixture, 'good'),
  owns: ['Dockerfile'],
  run: { port: 3000, waitFor: { http: '/' }, startupTimeoutMs: 20_000 },
  hints: ['-'], starterFails: [],
  goals: [
    g.sizeAtMost(260_000_000),
    g.layerCountAtMost(baseLayers + 3), // + the package mirror's config layer, when it applies
    g.userNotRoot(),
    g.execFormStart(),
    g.pathsAbsent({ what: 'scratch file', paths: ['/app/scratch.bin'], where: 'any-layer' }),
    g.pathsPresent({ what: 'the server', paths: ['/app/server.js'], where: 'final' }),
    g.pathsAbsent({ id: 'no-dockerfile-final', what: 'Dockerfile', paths: ['/app/Dockerfile'], where: 'final' }),
    g.execPrints(['id', '-u'], (out) => out !== '0', 'a uid other than 0', { id: 'id-u-not-root' }),
    g.becomesHealthy(10_000),
    g.httpAnswers({ path: '/hello', status: 200, bodyIncludes: 'fixture says hello to /hello' }),
  ],
};

const statusById = (r: LabReport): Record<string, string> => Object.fromEntries(r.verdicts.map((v) => [v.id, v.status]));

describe('the goal library', () => {
  it('every goal passes on an image that meets it', async () => {
    const r = await checkLab(lesson, { dir: path.join(fixture, 'good') });
    expect(r.verdicts.filter((v) => v.status !== 'pass').map((v) => `${v.id}: ${v.measured} ${v.message ?? ''}`)).toEqual([]);
  });

  it('each goal fails on an image that does not meet it, saying what it measured', async () => {
    const r = await checkLab(lesson, { dir: path.join(fixture, 'bad') });
    expect(statusById(r)).toEqual({
      'size-budget': 'fail',            // 30 MB written in a layer and "deleted" in the next
      'layer-count': 'fail',
      'non-root-user': 'fail',
      'exec-form': 'fail',
      'no-scratch-file': 'fail',
      'has-the-server': 'pass',
      'no-dockerfile-final': 'fail',
      'id-u-not-root': 'fail',
      'becomes-healthy': 'fail',        // curl is not in the image
      'serves-http': 'pass',
    });
    const byId = Object.fromEntries(r.verdicts.map((v) => [v.id, v]));
    expect(byId['no-scratch-file']?.message).toMatch(/\/app\/scratch\.bin \(layer \d+, made by `RUN head -c 30000000/);
    expect(byId['exec-form']?.measured).toMatch(/\/bin\/sh","-c"/);
    expect(byId['id-u-not-root']?.measured).toBe('0');
    expect(r.image?.size).toBeGreaterThan(260_000_000);
  });
});
