/**
 * Where a lesson's lab is in a student's submission: `labs/<slug>` (a clone of the course),
 * `<slug>` (just the lab folders) or `labs/<number>...` (a renamed lab folder). Archives
 * often wrap everything in one folder (`alice/labs/...`), so a single top folder is looked
 * into as well. Symlinked folders are not followed: they could lead anywhere.
 */
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Lesson } from '../../course/lesson.ts';

export type LabLesson = Pick<Lesson, 'number' | 'slug'>;

/** macOS Finder adds `__MACOSX/` to zips; it is never a student's folder. */
const JUNK = new Set(['__MACOSX']);

export function findLabFolder(studentRoot: string, lesson: LabLesson): string | undefined {
  const direct = labIn(studentRoot, lesson);
  if (direct) return direct;
  const wrapper = singleFolder(studentRoot);
  return wrapper ? labIn(wrapper, lesson) : undefined;
}

function labIn(root: string, lesson: LabLesson): string | undefined {
  // `labs` itself is checked too: `labs -> /somewhere` would make everything under it outside.
  const labs = isRealDir(path.join(root, 'labs')) ? [path.join(root, 'labs', lesson.slug)] : [];
  const exact = [...labs, path.join(root, lesson.slug)].find(isRealDir);
  if (exact) return exact;
  // `labs/02`, `labs/02-mine`: one folder with the lesson's number, and not `labs/021`.
  const numbered = realDirs(path.join(root, 'labs')).filter((name) => new RegExp(`^${lesson.number}(?![0-9])`).test(name));
  // Two candidates (`02-old`, `02-new`): which one the student meant is not ours to guess.
  return numbered.length === 1 && numbered[0] ? path.join(root, 'labs', numbered[0]) : undefined;
}

function singleFolder(root: string): string | undefined {
  const dirs = realDirs(root).filter((name) => !name.startsWith('.') && !JUNK.has(name));
  return dirs.length === 1 && dirs[0] ? path.join(root, dirs[0]) : undefined;
}

function isRealDir(p: string): boolean {
  return lstatSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function realDirs(dir: string): string[] {
  if (!isRealDir(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}
