/**
 * Two students who hand in the same bytes (an untouched starter, a shared solution) get
 * the same grade: the check depends on nothing else a student controls. The key is the
 * lesson and the exact bytes of every file taken from the submission.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export async function submissionKey(lesson: string, dir: string, files: string[]): Promise<string> {
  const hash = createHash('sha256').update(`${lesson}\0`);
  for (const f of [...files].sort()) {
    hash.update(`${f}\0`);
    hash.update(await readFile(path.join(dir, f)));
    hash.update('\0');
  }
  return hash.digest('hex');
}
