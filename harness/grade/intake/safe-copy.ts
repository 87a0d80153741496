/**
 * Takes the files a lab owns (`lesson.owns`: Dockerfile, .dockerignore, ...) out of a
 * student's lab folder into a fresh folder, and nothing else: the app around them is the
 * course's. Every owned path is checked first. A symlink may point within the lab folder
 * (its target is copied as a plain file); one that leads outside (to /etc/passwd, to the
 * teacher's home) is refused, as are devices and pipes (reading a FIFO would hang the
 * grader), oversized files and a Dockerfile that is not text. The folder made here holds
 * only regular files and folders, ready for `assembleContext(lesson, dir, context, 'owned')`.
 */
import { lstat, mkdir, readdir, readFile, readlink, realpath, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Lesson } from '../../course/lesson.ts';
import { refuse } from './refusal.ts';

export type OwningLesson = Pick<Lesson, 'slug' | 'owns'>;

export interface OwnedFileLimits {
  dockerfileBytes: number;
  /** Any other owned file (.dockerignore, compose.yaml, a workflow). */
  fileBytes: number;
  /** Files under an owned folder (`.github/workflows`), all together. */
  folderFiles: number;
}

const KiB = 1024;
export const DEFAULT_OWNED_LIMITS: OwnedFileLimits = { dockerfileBytes: 256 * KiB, fileBytes: 1024 * KiB, folderFiles: 200 };

export interface TakenFiles {
  dir: string;
  /** The files copied, relative to `dir`, in `/` form. */
  files: string[];
}

/** Throws a RefusalError naming the first file that is not acceptable. */
export async function takeOwnedFiles(lesson: OwningLesson, labFolder: string, dest: string, limits: OwnedFileLimits = DEFAULT_OWNED_LIMITS): Promise<TakenFiles> {
  const realLab = await realpath(labFolder);
  const files: string[] = [];
  await mkdir(dest, { recursive: true });
  for (const owned of lesson.owns) {
    const real = await resolveOwned(labFolder, realLab, owned);
    if (real === undefined) {
      if (owned === 'Dockerfile') {
        refuse('missing-dockerfile', `There is no Dockerfile in the lab folder (${path.basename(labFolder)}): the lab's Dockerfile is what is graded.`);
      }
      continue; // The course's copy of the lab provides it (assembleContext copies that first).
    }
    const info = await stat(real);
    if (info.isDirectory() && owned === 'Dockerfile') refuse('not-a-regular-file', 'Dockerfile is a folder in the lab folder: it must be a file.');
    if (info.isDirectory()) await copyFolder(realLab, real, owned, dest, files, limits);
    else await copyFile(real, owned, info, dest, files, limits);
  }
  return { dir: dest, files };
}

/**
 * The owned path's real location, checked one component at a time so that a link anywhere
 * on the way (`.github -> /etc`) is caught, not only at the end; undefined when it is absent.
 */
async function resolveOwned(labFolder: string, realLab: string, owned: string): Promise<string | undefined> {
  let current = labFolder;
  for (const part of owned.split('/')) {
    current = path.join(current, part);
    const info = await lstat(current).catch(() => undefined);
    if (!info) return undefined;
    if (!info.isSymbolicLink()) continue;
    const target = await readlink(current);
    const real = await realpath(current).then((p) => ({ path: p }), (e: NodeJS.ErrnoException) => ({ error: e.code ?? 'unknown error' }));
    const outside = 'path' in real ? !inside(realLab, real.path) : leavesFolder(labFolder, current, target);
    if (outside) {
      refuse('symlink-outside', `${owned} is a symbolic link that leads outside the lab folder (${path.relative(labFolder, current)} -> ${target}): put the file itself in the lab folder.`);
    }
    if ('error' in real) {
      if (real.error === 'ENOENT') return undefined; // a dangling link within the lab: as good as absent
      refuse('not-a-regular-file', `${owned} is a symbolic link that cannot be followed (${real.error}, e.g. a loop): put the file itself in the lab folder.`);
    }
  }
  return realpath(current);
}

async function copyFile(real: string, rel: string, info: { size: number; isFile(): boolean }, dest: string, files: string[], limits: OwnedFileLimits): Promise<void> {
  if (!info.isFile()) refuse('not-a-regular-file', `${rel} is not a regular file (a device, pipe or socket): put a plain file there.`);
  const isDockerfile = rel === 'Dockerfile';
  const max = isDockerfile ? limits.dockerfileBytes : limits.fileBytes;
  if (info.size > max) refuse('too-large', `${rel} is ${Math.ceil(info.size / KiB)} KiB; at most ${max / KiB} KiB is accepted.`);
  const bytes = await readFile(real);
  if (isDockerfile) checkText(bytes, rel);
  const to = path.join(dest, ...rel.split('/'));
  await mkdir(path.dirname(to), { recursive: true });
  await writeFile(to, bytes, { mode: 0o644 });
  files.push(rel);
}

/** An owned folder, e.g. `.github/workflows`: the same checks for every file in it. */
async function copyFolder(realLab: string, realDir: string, rel: string, dest: string, files: string[], limits: OwnedFileLimits, budget = { files: limits.folderFiles }): Promise<void> {
  await mkdir(path.join(dest, ...rel.split('/')), { recursive: true });
  for (const entry of await readdir(realDir, { withFileTypes: true })) {
    const childRel = `${rel}/${entry.name}`;
    let real = path.join(realDir, entry.name);
    if (entry.isSymbolicLink()) {
      const resolved = await realpath(real).catch(() => undefined);
      if (resolved === undefined || !inside(realLab, resolved)) {
        refuse('symlink-outside', `${childRel} is a symbolic link that leads outside the lab folder (to ${await readlink(real)}): put the file itself there.`);
      }
      real = resolved;
    }
    const info = await stat(real);
    if (info.isDirectory()) {
      // Only real sub-folders: a linked folder could make a cycle.
      if (entry.isSymbolicLink()) refuse('not-a-regular-file', `${childRel} is a symbolic link to a folder: put the folder itself there.`);
      await copyFolder(realLab, real, childRel, dest, files, limits, budget);
      continue;
    }
    budget.files -= 1;
    if (budget.files < 0) refuse('too-many-files', `${rel} holds more than ${limits.folderFiles} files.`);
    await copyFile(real, childRel, info, dest, files, limits);
  }
}

/** BuildKit reads a Dockerfile as UTF-8 text; anything else is junk to it, and to us. */
function checkText(bytes: Buffer, rel: string): void {
  if (bytes.includes(0)) refuse('binary-dockerfile', `${rel} is not a text file (it contains NUL bytes): write it as plain UTF-8 text.`);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    refuse('binary-dockerfile', `${rel} is not a text file (it is not valid UTF-8): save it as plain UTF-8 text.`);
  }
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + path.sep);
}

/** For a link that cannot be resolved: does its target, read as a path, leave the folder? */
function leavesFolder(labFolder: string, link: string, target: string): boolean {
  if (path.isAbsolute(target)) return true;
  const rel = path.relative(labFolder, path.resolve(path.dirname(link), target));
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
}
