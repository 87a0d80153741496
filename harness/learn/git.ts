/** The few git questions the learner's loop asks about a lab folder, answered with zx. */
import { $ } from 'zx';
import { repoRoot } from '../paths.ts';

/** git in `root` (the course repository unless a test says otherwise). */
const gitIn = (root: string) => $({ cwd: root, quiet: true, nothrow: true });

export interface TrackedFile {
  /** Repository-relative path, forward slashes. */
  path: string;
  /** git's mode: 100644, 100755, 120000 (symlink). */
  mode: string;
}

/** Files under `relDir` in the committed tree (HEAD); empty outside a git checkout. */
export async function committedFiles(relDir: string, root = repoRoot): Promise<TrackedFile[]> {
  const r = await gitIn(root)`git ls-tree -r -z HEAD -- ${relDir}/`;
  if (r.exitCode !== 0) return [];
  return r.stdout.split('\0').filter(Boolean).flatMap((entry) => {
    const m = /^(\d+) blob [0-9a-f]+\t(.+)$/s.exec(entry);
    return m ? [{ mode: m[1] ?? '100644', path: m[2] ?? '' }] : [];
  });
}

/** A committed file's bytes. */
export async function committedContent(relPath: string, root = repoRoot): Promise<Buffer> {
  const r = await gitIn(root)`git show ${`HEAD:${relPath}`}`;
  if (r.exitCode !== 0) throw new Error(`git show HEAD:${relPath} failed: ${r.stderr.trim()}`);
  return r.buffer();
}

/** Files under `relDir` git does not track and does not ignore (what a learner added). */
export async function untrackedFiles(relDir: string, root = repoRoot): Promise<string[]> {
  const r = await gitIn(root)`git ls-files --others --exclude-standard -z -- ${relDir}/`;
  if (r.exitCode !== 0) return [];
  return r.stdout.split('\0').filter(Boolean);
}

/**
 * Whether the folder holds exactly what HEAD has (nothing edited, nothing added): then a
 * check of it measures the starter. Undefined when git cannot tell (not a checkout).
 */
export async function folderMatchesCommit(relDir: string, root = repoRoot): Promise<boolean | undefined> {
  const tracked = await committedFiles(relDir, root);
  if (!tracked.length) return undefined;
  const r = await gitIn(root)`git status --porcelain --untracked-files=all -- ${relDir}/`;
  if (r.exitCode !== 0) return undefined;
  return r.stdout.trim() === '';
}
