/**
 * The entries of a submissions folder, one per student: a folder (a clone of the course, or
 * just its lab folders) or an archive of the same. Everything else is listed as skipped,
 * with the reason, so the teacher sees what was not graded and why.
 */
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

export type SubmissionKind = 'folder' | 'zip' | 'tar.gz';

export interface Submission {
  /** Safe for file names, image tags and cache ids: `[A-Za-z0-9._-]`, unique in the class. */
  id: string;
  /** The entry's name as found (e.g. `José Núñez.zip`). */
  name: string;
  path: string;
  kind: SubmissionKind;
}

export interface SkippedEntry {
  name: string;
  reason: string;
}

export interface SubmissionList {
  submissions: Submission[];
  skipped: SkippedEntry[];
}

const ARCHIVE_SUFFIXES: [string, SubmissionKind][] = [['.tar.gz', 'tar.gz'], ['.tgz', 'tar.gz'], ['.zip', 'zip']];

/** The archive kind of a file name, and the name without its suffix. */
export function archiveKind(name: string): { kind: SubmissionKind; stem: string } | undefined {
  const lower = name.toLowerCase();
  for (const [suffix, kind] of ARCHIVE_SUFFIXES) {
    if (lower.endsWith(suffix) && lower.length > suffix.length) return { kind, stem: name.slice(0, -suffix.length) };
  }
  return undefined;
}

const MAX_ID_LENGTH = 64;

/**
 * A name as an id: accents dropped (José -> Jose), anything outside `[A-Za-z0-9._-]` as `_`,
 * no leading dot or dash (hidden files, option-like arguments), at most 64 characters.
 */
export function safeId(name: string): string {
  const id = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, MAX_ID_LENGTH)
    .replace(/[._-]+$/, '');
  return id || 'student';
}

/** Sorted by name, so ids (and their `-2` suffixes) do not depend on the file system's order. */
export async function listSubmissions(dir: string): Promise<SubmissionList> {
  const names = (await readdir(dir)).sort((a, b) => a.localeCompare(b, 'en'));
  const submissions: Submission[] = [];
  const skipped: SkippedEntry[] = [];
  // Compared case-insensitively: ids become folder names, and macOS folders ignore case.
  const taken = new Set<string>();
  const unique = (base: string): string => {
    let id = base;
    for (let n = 2; taken.has(id.toLowerCase()); n++) id = `${base}-${n}`;
    taken.add(id.toLowerCase());
    return id;
  };

  for (const name of names) {
    if (name.startsWith('.')) {
      skipped.push({ name, reason: 'hidden entry' });
      continue;
    }
    if (name === '__MACOSX') {
      skipped.push({ name, reason: 'macOS archive metadata, not a student' });
      continue;
    }
    const full = path.join(dir, name);
    const stat = await lstat(full);
    if (stat.isSymbolicLink()) {
      // A link could lead anywhere on the teacher's disk; graded input is what is really here.
      skipped.push({ name, reason: 'a symbolic link (not followed): put the folder or archive itself here' });
    } else if (stat.isDirectory()) {
      submissions.push({ id: unique(safeId(name)), name, path: full, kind: 'folder' });
    } else if (stat.isFile()) {
      const archive = archiveKind(name);
      if (archive) submissions.push({ id: unique(safeId(archive.stem)), name, path: full, kind: archive.kind });
      else skipped.push({ name, reason: 'neither a folder nor a .zip, .tar.gz or .tgz archive' });
    } else {
      skipped.push({ name, reason: 'not a regular file or folder (a device, socket or pipe)' });
    }
  }
  return { submissions, skipped };
}
