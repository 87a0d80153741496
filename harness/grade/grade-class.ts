/**
 * Grades a class: every student's labs, on isolated engines, `jobs` at a time, each result
 * saved as soon as it is known. Re-running the same command continues where a stopped run
 * left off; the previous run's leftovers in the engine are removed first, by label.
 */
import { rm } from 'node:fs/promises';
import { loadLesson } from '../course/registry.ts';
import { makeWorkDir } from '../course/lab-files.ts';
import type { Lesson } from '../course/lesson.ts';
import { requireEngine } from '../engine/docker.ts';
import { GRADE_LABEL } from '../engine/labels.ts';
import { ensureMirror } from '../mirror/index.ts';
import { startIsolation, type Limits, type StartedIsolation } from '../sandbox/isolation.ts';
import { newSessionId } from '../checks/build-lab.ts';
import { removeGradeLeftovers, takeGradeLock } from './leftovers.ts';
import { findLabFolder } from './intake/lab-folder.ts';
import { isRefusalError } from './intake/refusal.ts';
import { takeOwnedFiles } from './intake/safe-copy.ts';
import { listSubmissions, type Submission, type SkippedEntry } from './intake/students.ts';
import { unpackArchive } from './intake/unpack.ts';
import { gradeLab, type LabSubmission } from './grade-lab.ts';
import { inShard, planJobs, type Shard } from './plan.ts';
import { hasGrade, saveGrade } from './results-store.ts';
import { submissionKey } from './submission-key.ts';
import type { LabGrade } from './types.ts';

export interface GradeClassOptions {
  submissions: string;
  out: string;
  /** Lesson numbers; default every lesson. */
  lessons: string[];
  jobs: number;
  /** Isolated engines to spread the jobs over (each its own BuildKit). */
  engines: number;
  shard?: Shard;
  limits?: Partial<Limits>;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  onGrade?: (grade: LabGrade, done: number, total: number) => void;
}

export interface GradeClassResult {
  students: Submission[];
  skipped: SkippedEntry[];
  lessons: Lesson[];
  /** Labs graded by this run (the rest were already done). */
  graded: number;
  /** Labs already in `out` from an earlier run of the same command. */
  resumed: number;
  durationMs: number;
}

/** A student's files: a folder as it is, an archive unpacked (once) into a temp folder. */
async function studentRoot(sub: Submission, temps: string[]): Promise<{ root: string } | { refused: string }> {
  if (sub.kind === 'folder') return { root: sub.path };
  try {
    const root = await unpackArchive(sub.path);
    temps.push(root);
    return { root };
  } catch (e) {
    if (isRefusalError(e)) return { refused: e.message };
    throw e;
  }
}

type Source = { dir: string; files: string[] } | { refused: string };

async function labSource(lesson: Lesson, root: { root: string } | { refused: string }, temps: string[]): Promise<Source> {
  if ('refused' in root) return root;
  const folder = findLabFolder(root.root, lesson);
  if (!folder) return { refused: `no lab folder for ${lesson.slug} in the submission (expected labs/${lesson.slug}/ or ${lesson.slug}/)` };
  const dest = await makeWorkDir(`grade-${lesson.number}`);
  temps.push(dest);
  try {
    const { files } = await takeOwnedFiles(lesson, folder, dest);
    return { dir: dest, files };
  } catch (e) {
    if (isRefusalError(e)) return { refused: e.message };
    throw e;
  }
}

export async function gradeClass(opts: GradeClassOptions): Promise<GradeClassResult> {
  const started = performance.now();
  const say = opts.onProgress ?? ((): void => undefined);
  await requireEngine();
  const lessons = await Promise.all(opts.lessons.map((n) => loadLesson(n)));
  const { submissions, skipped } = await listSubmissions(opts.submissions);
  for (const s of skipped) say(`skipped ${s.name}: ${s.reason}`);
  const students = inShard(submissions, opts.shard);

  const release = await takeGradeLock();
  const temps: string[] = [];
  const isolations: StartedIsolation[] = [];
  try {
    const removed = await removeGradeLeftovers();
    if (removed) say(`removed ${removed} leftovers of an earlier grading run`);
    const all = planJobs(students, lessons.map((l) => l.number));
    const todo = all.filter((j) => !hasGrade(opts.out, j.student.id, j.lesson));
    const resumed = all.length - todo.length;
    if (resumed) say(`${resumed} of ${all.length} labs already graded in ${opts.out}: continuing with the other ${todo.length}`);
    if (!todo.length) return { students, skipped, lessons, graded: 0, resumed, durationMs: performance.now() - started };

    const runId = newSessionId();
    const mirror = await ensureMirror({ onProgress: say });
    const mirrorPort = Number(new URL(mirror.url).port);
    const engines = Math.max(1, Math.min(opts.engines, opts.jobs));
    say(`starting ${engines} isolated engine${engines > 1 ? 's' : ''}`);
    for (let slot = 0; slot < engines; slot++) {
      isolations.push(await startIsolation({ sessionId: runId, slot, mirrorPort, labels: { [GRADE_LABEL]: runId }, limits: opts.limits }));
    }

    const roots = new Map<string, Promise<{ root: string } | { refused: string }>>();
    // Identical submissions are checked once; the others get a copy of that grade.
    const bySubmission = new Map<string, Promise<LabGrade | undefined>>();
    const byNumber = new Map(lessons.map((l) => [l.number, l]));
    let next = 0;
    let done = 0;
    const worker = async (w: number): Promise<void> => {
      const isolation = isolations[w % isolations.length];
      if (!isolation) return;
      while (next < todo.length && !opts.signal?.aborted) {
        const job = todo[next++];
        const lesson = job && byNumber.get(job.lesson);
        if (!job || !lesson) continue;
        let root = roots.get(job.student.id);
        if (!root) { root = studentRoot(job.student, temps); roots.set(job.student.id, root); }
        const source = await labSource(lesson, await root, temps);
        const key = 'dir' in source ? await submissionKey(lesson.number, source.dir, source.files) : undefined;
        const same = key ? bySubmission.get(key) : undefined;
        let grade: LabGrade | undefined;
        if (same) {
          const first = await same;
          grade = first && { ...first, student: job.student.id, gradedAt: new Date().toISOString(), sameAs: first.student };
        } else {
          const graded = gradeLab(lesson, { student: job.student.id, source }, {
            isolation, engine: `isolated-${w % isolations.length}`, signal: opts.signal,
          }).catch((e: unknown) => { if (opts.signal?.aborted) return undefined; throw e; });
          if (key) bySubmission.set(key, graded);
          grade = await graded;
        }
        if ('dir' in source) await rm(source.dir, { recursive: true, force: true });
        if (!grade) return;
        await saveGrade(opts.out, grade);
        opts.onGrade?.(grade, ++done, todo.length);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, (_, w) => worker(w)));
    return { students, skipped, lessons, graded: done, resumed, durationMs: performance.now() - started };
  } finally {
    await Promise.all(isolations.map((i) => i.stop().catch(() => undefined)));
    await removeGradeLeftovers().catch(() => undefined);
    await Promise.all(temps.map((t) => rm(t, { recursive: true, force: true })));
    await release();
  }
}
