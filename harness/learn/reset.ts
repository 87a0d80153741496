/**
 * `reset`: a lab's starter files restored exactly as committed, the learner's versions kept
 * beside them as `*.stagecraft-backup` (git-ignored, and never sent in a build context).
 */
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readlink, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StagecraftError } from '../errors.ts';
import { repoRoot } from '../paths.ts';
import { committedContent, committedFiles, untrackedFiles } from './git.ts';

export interface ResetResult {
  /** Repository-relative paths written back to the starter's content. */
  restored: string[];
  /** Repository-relative paths of the backups made (the learner's versions). */
  backups: string[];
}

/** Resets `labs/<slug>` of the course (or of `root`); throws a StagecraftError when the starter is not in git's history. */
export async function resetLab(slug: string, root = repoRoot): Promise<ResetResult> {
  const relDir = `labs/${slug}`;
  const committed = await committedFiles(relDir, root);
  if (!committed.length) {
    throw new StagecraftError('lab-missing', `The starter of lab ${slug} is not in this repository's git history, so it cannot be restored.`,
      `Restore ${relDir}/ from a fresh copy of the course (git clone), or check that you are in the course's git checkout.`);
  }
  const result: ResetResult = { restored: [], backups: [] };
  for (const file of committed) {
    const abs = path.join(root, file.path);
    const want = await committedContent(file.path, root);
    if (await sameAsCommitted(abs, want, file.mode)) continue;
    if (await exists(abs)) result.backups.push(await backUp(abs, root));
    await mkdir(path.dirname(abs), { recursive: true });
    if (file.mode === '120000') await symlink(want.toString('utf8'), abs);
    else {
      await writeFile(abs, want);
      await chmod(abs, file.mode === '100755' ? 0o755 : 0o644);
    }
    result.restored.push(file.path);
  }
  // Files the learner added (a .dockerignore the starter lacks) go to backups as well.
  for (const rel of await untrackedFiles(relDir, root)) result.backups.push(await backUp(path.join(root, rel), root));
  return result;
}

async function exists(abs: string): Promise<boolean> {
  return lstat(abs).then(() => true, () => false);
}

async function sameAsCommitted(abs: string, want: Buffer, mode: string): Promise<boolean> {
  try {
    const st = await lstat(abs);
    if (mode === '120000') return st.isSymbolicLink() && (await readlink(abs)) === want.toString('utf8');
    if (!st.isFile()) return false;
    if (mode === '100755' && (st.mode & 0o111) === 0) return false;
    return (await readFile(abs)).equals(want);
  } catch {
    return false;
  }
}

/** Moves a file aside to the first free `<name>.stagecraft-backup`, `<name>.2.stagecraft-backup`, ... */
async function backUp(abs: string, root: string): Promise<string> {
  let target = `${abs}.stagecraft-backup`;
  for (let n = 2; existsSync(target); n++) target = `${abs}.${n}.stagecraft-backup`;
  await rename(abs, target);
  return path.relative(root, target);
}
