/**
 * Files in a lab folder that are not the learner's work: editor swap and backup files,
 * the harness's own backups, and folders tools fill (node_modules, .git). Saving one of
 * them does not start a check, and they do not count in a lab's fingerprint.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

const IGNORED_DIRS = new Set(['node_modules', '.git']);

/** `rel` is a path relative to the lab folder, with either separator. */
export function isIgnoredLabPath(rel: string): boolean {
  const parts = rel.split(/[\\/]+/).filter(Boolean);
  if (parts.some((p) => IGNORED_DIRS.has(p))) return true;
  const base = path.basename(rel);
  return isEditorTempFile(base) || base.endsWith('.stagecraft-backup');
}

/** Names editors write beside a file while saving it (vim, emacs, JetBrains, macOS, VS Code). */
export function isEditorTempFile(base: string): boolean {
  return (
    /\.sw[a-px]$/.test(base) || // vim swap: .swp, .swo, ... and its probe .swx
    base === '4913' || // vim's "can I write here" probe
    base.endsWith('~') || // vim/emacs backups
    base.startsWith('.#') || // emacs lock files
    /^#.*#$/.test(base) || // emacs autosave
    /___jb_(tmp|old|bak)___$/.test(base) || // JetBrains safe write
    /\.(tmp|temp|bak|orig|crswap)$/i.test(base) ||
    /^\.goutputstream-/.test(base) || // GNOME
    base === '.DS_Store'
  );
}

/** The learner's files in a lab folder, relative paths sorted; ignored folders are not entered. */
export async function labFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? path.join(rel, e.name) : e.name;
    if (isIgnoredLabPath(child)) continue;
    if (e.isDirectory()) out.push(...(await labFiles(dir, child)));
    else out.push(child);
  }
  return rel ? out : out.sort();
}
