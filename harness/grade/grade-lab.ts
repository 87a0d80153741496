/**
 * One student's one lab, graded: the submitted files through the policy, then the same
 * check a learner gets, but isolated and under limits, turned into a LabGrade. Whatever
 * the submission does, the result is a grade (an `error` one with a reason when the lab
 * could not be graded); only a broken grader throws.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkLab, type LabReport } from '../checks/check-lab.ts';
import type { Lesson } from '../course/lesson.ts';
import { isStagecraftError } from '../errors.ts';
import type { Isolation } from '../sandbox/isolation.ts';
import { checkPolicy } from './policy/dockerfile-policy.ts';
import { namespaceCacheMounts } from './policy/cache-mount-namespace.ts';
import type { GoalGrade, LabGrade } from './types.ts';

export interface LabSubmission {
  student: string;
  /** A folder holding only the lab's owned files, or why there is none. */
  source: { dir: string } | { refused: string };
}

export interface GradeLabOptions {
  isolation: Isolation;
  /** For the grade's `engine` field. */
  engine: string;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

const maxPoints = (lesson: Lesson): number => lesson.goals.reduce((n, g) => n + g.weight, 0);

function errorGrade(lesson: Lesson, student: string, reason: string, opts: GradeLabOptions, startedAt: number): LabGrade {
  return {
    student, lesson: lesson.number, slug: lesson.slug, title: lesson.title, status: 'error', reason, points: 0, maxPoints: maxPoints(lesson),
    goals: [], durationMs: performance.now() - startedAt, gradedAt: new Date().toISOString(), engine: opts.engine,
  };
}

function fromReport(lesson: Lesson, student: string, report: LabReport, opts: GradeLabOptions): LabGrade {
  const goals: GoalGrade[] = report.verdicts.map((v) => ({
    id: v.id, title: v.title, status: v.status, maxPoints: v.weight, points: v.status === 'pass' ? v.weight : 0,
    expected: v.expected, measured: v.measured, ...(v.message ? { message: v.message } : {}), durationMs: v.durationMs,
  }));
  const built = report.build.outcome === 'built';
  // A build that produced no image is the submission's error, not a set of failed goals.
  const status = !built ? 'error' : goals.every((g) => g.status === 'pass') ? 'pass' : 'fail';
  return {
    student, lesson: lesson.number, slug: lesson.slug, title: lesson.title, status,
    ...(built ? {} : { reason: `the image did not build: ${report.build.reason ?? 'unknown reason'}` }),
    points: built ? goals.reduce((n, g) => n + g.points, 0) : 0, maxPoints: maxPoints(lesson), goals: built ? goals : goals.map((g) => ({ ...g, points: 0 })),
    ...(report.image?.size !== undefined ? { imageBytes: report.image.size } : {}),
    durationMs: report.durationMs, gradedAt: new Date().toISOString(), engine: opts.engine,
  };
}

export async function gradeLab(lesson: Lesson, sub: LabSubmission, opts: GradeLabOptions): Promise<LabGrade> {
  const startedAt = performance.now();
  if ('refused' in sub.source) return errorGrade(lesson, sub.student, sub.source.refused, opts, startedAt);
  const dir = sub.source.dir;
  const dockerfile = path.join(dir, 'Dockerfile');
  const text = await readFile(dockerfile, 'utf8');
  const refusals = checkPolicy(text);
  if (refusals.length) return errorGrade(lesson, sub.student, `refused: ${refusals.map((r) => r.message).join(' ')}`, opts, startedAt);
  // Cache mounts are per student: nothing one student's build leaves in a cache is seen by another's.
  await writeFile(dockerfile, namespaceCacheMounts(text, `stagecraft-${sub.student}`));

  const limit = opts.isolation.limits.labTimeoutMs;
  const timeout = AbortSignal.timeout(limit);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const report = await checkLab(lesson, { dir, take: 'owned', isolation: opts.isolation, signal, onProgress: opts.onProgress });
    if (report.build.outcome === 'timeout') return errorGrade(lesson, sub.student, report.build.reason ?? 'the build took too long', opts, startedAt);
    return fromReport(lesson, sub.student, report, opts);
  } catch (e) {
    if (opts.signal?.aborted) throw e; // the grader was stopped: no grade is written for this lab
    if (timeout.aborted) return errorGrade(lesson, sub.student, `the lab took longer than the limit of ${Math.round(limit / 1000)} s and was stopped`, opts, startedAt);
    if (isStagecraftError(e)) return errorGrade(lesson, sub.student, e.message, opts, startedAt);
    return errorGrade(lesson, sub.student, `the grader could not check this lab: ${e instanceof Error ? e.message : String(e)}`, opts, startedAt);
  }
}
