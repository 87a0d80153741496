/**
 * The course proof: on the real engine, every lab's starter fails exactly the goals it is
 * meant to fail, and every reference solution meets every goal.
 */
import { describe, expect, it, afterAll } from 'vitest';
import { checkLab } from '../../harness/checks/check-lab.ts';
import { lessonSlugs, loadLesson } from '../../harness/course/registry.ts';
import { leftovers } from '../helpers/engine.ts';

const started = performance.now();
const failing = (ids: { id: string; status: string }[]): string[] => ids.filter((v) => v.status !== 'pass').map((v) => v.id).sort();

describe.each(lessonSlugs())('lesson %s', (slug) => {
  it('the starter fails exactly the goals it is meant to fail', async () => {
    const lesson = await loadLesson(slug);
    const report = await checkLab(lesson);
    expect(report.verdicts.filter((v) => v.status === 'error'), 'no goal may error').toEqual([]);
    expect(failing(report.verdicts)).toEqual([...lesson.starterFails].sort());
  });

  it('the solution meets every goal', async () => {
    const lesson = await loadLesson(slug);
    const report = await checkLab(lesson, { dir: lesson.solutionDir });
    const notMet = report.verdicts.filter((v) => v.status !== 'pass').map((v) => `${v.id}: ${v.message ?? v.measured}`);
    expect(notMet).toEqual([]);
    expect(report.verdicts.length).toBe(lesson.goals.length);
  });
});

afterAll(async () => {
  console.log(`course proof: ${lessonSlugs().length} lessons, starters and solutions, in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  expect(await leftovers()).toEqual({ containers: [], images: [] });
});
