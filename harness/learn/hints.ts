/** Hints, one more each time the learner asks, in the lesson's order; the count is kept in progress. */
import type { Lesson } from '../course/lesson.ts';
import { loadProgress, updateLab } from './state.ts';

export interface HintState {
  /** The hints shown so far, in order. */
  shown: string[];
  total: number;
  /** Whether this request revealed a new hint (false once all are shown). */
  revealed: boolean;
}

export function hintsSoFar(lesson: Lesson): HintState {
  const n = Math.min(loadProgress().labs[lesson.slug]?.hintsShown ?? 0, lesson.hints.length);
  return { shown: lesson.hints.slice(0, n), total: lesson.hints.length, revealed: false };
}

/** Reveals the next hint (if any is left) and returns every hint shown so far. */
export function nextHint(lesson: Lesson): HintState {
  const before = hintsSoFar(lesson).shown.length;
  if (before >= lesson.hints.length) return { ...hintsSoFar(lesson), revealed: false };
  updateLab(lesson.slug, (lab) => { lab.hintsShown = before + 1; });
  return { shown: lesson.hints.slice(0, before + 1), total: lesson.hints.length, revealed: true };
}

/** "Hint 2 of 3: ..." lines. */
export function hintLines(h: HintState): string[] {
  return h.shown.map((text, i) => `Hint ${i + 1} of ${h.total}: ${text}`);
}
