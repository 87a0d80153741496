/**
 * The course as the learner's loop sees it: every lesson folder, loaded when it can be (a
 * lesson being written may not load yet: it is listed with the reason, never a crash), and
 * each lab's status from the progress file and its files as they are now.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { labsDir } from '../paths.ts';
import { lessonSlugs, loadLesson } from '../course/registry.ts';
import type { Lesson } from '../course/lesson.ts';
import { labFingerprint } from './fingerprint.ts';
import { labDone, loadProgress, type LabProgress, type Progress } from './state.ts';

export interface CourseEntry {
  slug: string;
  /** "02" */
  number: string;
  lesson: Lesson | undefined;
  /** Why the lesson could not be loaded, or what is missing from its lab (a reset restores that). */
  problem: string | undefined;
}

export type LabState =
  /** The last check met every goal and the files are unchanged since. */
  | 'done'
  /** The last check failed a goal. */
  | 'failing'
  /** It passed, but the files changed since: check again. */
  | 'changed'
  | 'unchecked'
  /** The lesson does not load (it is being written, or broken). */
  | 'broken';

export interface LabStatus extends CourseEntry {
  state: LabState;
  progress: LabProgress | undefined;
}

export async function courseEntries(): Promise<CourseEntry[]> {
  return Promise.all(lessonSlugs().map(courseEntry));
}

/** One lab of the course, its lesson loaded (only that one: watch mode opens it at once). */
export async function courseEntry(slug: string): Promise<CourseEntry> {
  const number = slug.slice(0, 2);
  try {
    const lesson = await loadLesson(slug);
    const problem = existsSync(path.join(labsDir, slug, 'Dockerfile')) ? undefined
      : `labs/${slug}/Dockerfile is missing: \`npx stagecraft reset ${number}\` restores the starter`;
    return { slug, number, lesson, problem };
  } catch (e) {
    // loadLesson says "Lesson NN cannot be loaded: ..." (first line only: a list has no room for more).
    return { slug, number, lesson: undefined, problem: (e instanceof Error ? e.message : String(e)).split('\n')[0] };
  }
}

export async function labStatus(entry: CourseEntry, progress: Progress): Promise<LabStatus> {
  const record = progress.labs[entry.slug];
  if (!entry.lesson) return { ...entry, state: 'broken', progress: record };
  if (!record?.last) return { ...entry, state: 'unchecked', progress: record };
  const fingerprint = await labFingerprint(entry.lesson.labDir);
  if (labDone(record, fingerprint)) return { ...entry, state: 'done', progress: record };
  return { ...entry, state: record.last.passed ? 'changed' : 'failing', progress: record };
}

export async function courseStatus(progress = loadProgress()): Promise<LabStatus[]> {
  return Promise.all((await courseEntries()).map((e) => labStatus(e, progress)));
}

/** The first lab that is not done and can be worked on (the first lab when every one is done). */
export function firstUnfinished(labs: LabStatus[]): LabStatus | undefined {
  return labs.find((l) => l.state !== 'done' && l.state !== 'broken') ?? labs.find((l) => l.state !== 'broken');
}

/** The lab after `slug` in course order that can be worked on. */
export function labAfter(labs: LabStatus[], slug: string): LabStatus | undefined {
  const i = labs.findIndex((l) => l.slug === slug);
  return labs.slice(i + 1).find((l) => l.state !== 'broken');
}
