import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { labFiles } from './ignored-files.ts';

/**
 * A hash of a lab folder's files (paths and contents, editor temp files and backups left
 * out). A verdict recorded with one fingerprint no longer holds once the files differ,
 * and a save that leaves it unchanged needs no new check. Undefined when the folder is gone.
 */
export async function labFingerprint(dir: string): Promise<string | undefined> {
  let files: string[];
  try {
    files = await labFiles(dir);
  } catch {
    return undefined;
  }
  const hash = createHash('sha256');
  for (const rel of files) {
    hash.update(`${rel}\0`);
    hash.update(await readFile(path.join(dir, rel)).catch(() => Buffer.from('\0unreadable\0')));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}
