import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { mkdirSync } from 'node:fs';

/** The course repository's root: two levels above this file. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const lessonsDir = path.join(repoRoot, 'lessons');
export const labsDir = path.join(repoRoot, 'labs');
export const solutionsDir = path.join(repoRoot, 'solutions');

/** Harness state (caches, mirror storage); git-ignored. STAGECRAFT_HOME overrides it. */
export const stateDir = process.env.STAGECRAFT_HOME ?? path.join(repoRoot, '.stagecraft');

export function stateSubdir(...parts: string[]): string {
  const dir = path.join(stateDir, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
