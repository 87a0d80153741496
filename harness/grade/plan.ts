/** Which labs of which students this run grades: the whole class, or one shard of it. */
import { StagecraftError } from '../errors.ts';

export interface Shard {
  /** 1-based, as in `--shard 2/3`. */
  index: number;
  count: number;
}

export function parseShard(text: string | undefined): Shard | undefined {
  if (!text) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) {
    throw new StagecraftError('usage', `--shard wants i/n with 1 <= i <= n (like 2/3), not "${text}".`);
  }
  return { index, count };
}

/**
 * A shard takes whole students (sorted by id, every n-th): all of a student's labs are
 * graded on one machine, and the shards of a class never overlap or miss anyone.
 */
export function inShard<T extends { id: string }>(students: T[], shard: Shard | undefined): T[] {
  const sorted = [...students].sort((a, b) => a.id.localeCompare(b.id));
  return shard ? sorted.filter((_, i) => i % shard.count === shard.index - 1) : sorted;
}

export interface Job<S> {
  student: S;
  lesson: string;
}

/** Students x lessons, lesson-major: the engines' caches warm up on one lab at a time. */
export function planJobs<S>(students: S[], lessons: string[]): Job<S>[] {
  return lessons.flatMap((lesson) => students.map((student) => ({ student, lesson })));
}
