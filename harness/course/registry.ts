import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { StagecraftError } from '../errors.ts';
import { labsDir, lessonsDir, solutionsDir } from '../paths.ts';
import type { Lesson, LessonDefinition } from './lesson.ts';

const LESSON_DIR = /^(\d{2})-[a-z0-9-]+$/;

/** Lesson folders in course order. */
export function lessonSlugs(): string[] {
  return readdirSync(lessonsDir).filter((d) => LESSON_DIR.test(d) && existsSync(path.join(lessonsDir, d, 'lesson.ts'))).sort();
}

/** `02`, `2` or `02-layer-cache` to the lesson's folder name. */
export function resolveSlug(query: string): string {
  const slugs = lessonSlugs();
  const q = query.trim().replace(/\/+$/, '').split('/').pop() ?? '';
  const byNumber = /^\d{1,2}$/.test(q) ? slugs.find((s) => s.startsWith(`${q.padStart(2, '0')}-`)) : undefined;
  const found = byNumber ?? slugs.find((s) => s === q);
  if (!found) {
    throw new StagecraftError('lesson-unknown', `There is no lesson "${query}".`,
      `Lessons: ${slugs.join(', ')}. Use the number (02) or the folder name.`);
  }
  return found;
}

export async function loadLesson(query: string): Promise<Lesson> {
  const slug = resolveSlug(query);
  let mod: { default: LessonDefinition };
  try {
    mod = (await import(pathToFileURL(path.join(lessonsDir, slug, 'lesson.ts')).href)) as { default: LessonDefinition };
  } catch (e) {
    // A lesson being written may not load yet: say which and why, without a stack trace.
    throw new StagecraftError('lesson-unknown', `Lesson ${slug} cannot be loaded: its lesson.ts fails (${e instanceof Error ? e.message : String(e)}).`,
      `If you are writing it, fix lessons/${slug}/lesson.ts; otherwise take a fresh copy of the course (git pull).`);
  }
  return {
    ...mod.default,
    number: slug.slice(0, 2),
    slug,
    lessonDir: path.join(lessonsDir, slug),
    labDir: path.join(labsDir, slug),
    solutionDir: path.join(solutionsDir, slug),
  };
}

export async function loadAllLessons(): Promise<Lesson[]> {
  return Promise.all(lessonSlugs().map((s) => loadLesson(s)));
}
