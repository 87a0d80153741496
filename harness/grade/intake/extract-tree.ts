/**
 * Writes an archive's entries under a root folder, enforcing the limits and keeping every
 * write inside the root. Links are made last: while files are written the tree holds no
 * symlinks, so no write can be redirected through one (the classic `a -> /etc`, then
 * `a/passwd` attack); each symlink is then made only in a real folder of the tree, and
 * checked once made, since a chain of inside-looking links can still lead out.
 */
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { safeEntryPath } from './entry-path.ts';
import { refuse, RefusalError } from './refusal.ts';

export interface UnpackLimits {
  /** Bytes of all files together, once unpacked. */
  maxTotalBytes: number;
  /** Entries of any kind (files, folders, links). */
  maxEntries: number;
  /** Bytes of any one file. */
  maxFileBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_UNPACK_LIMITS: UnpackLimits = { maxTotalBytes: 50 * MiB, maxEntries: 5000, maxFileBytes: 16 * MiB };

const mib = (n: number): string => `${Math.round((n / MiB) * 10) / 10} MiB`;

/** Everything else a folder could be is refused: no entry may be written through a symlink. */
export class ExtractTree {
  private entries = 0;
  private bytes = 0;
  private readonly files = new Set<string>();
  private readonly realDirs = new Set<string>(['']);
  private readonly symlinks: { rel: string; target: string }[] = [];
  private readonly hardlinks: { rel: string; target: string }[] = [];

  constructor(readonly root: string, readonly limits: UnpackLimits) {}

  /** The entry's safe relative path; counts it against the entry limit. */
  entry(name: string): string {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) this.tooManyFiles();
    return safeEntryPath(name);
  }

  /** An archive that says up front how many entries it has (zip) is refused before any work. */
  expectEntries(count: number): void {
    if (count > this.limits.maxEntries) this.tooManyFiles();
  }

  /** Counts a file's size against the limits before its bytes are read or inflated. */
  reserve(rel: string, size: number): void {
    if (size > this.limits.maxFileBytes) {
      refuse('too-large', `The archive's file ${rel} is ${mib(size)}; the limit for one file is ${mib(this.limits.maxFileBytes)}.`);
    }
    this.bytes += size;
    if (this.bytes > this.limits.maxTotalBytes) {
      refuse('too-large', `The archive unpacks to more than ${mib(this.limits.maxTotalBytes)}: leave out node_modules, build output and other large files.`);
    }
  }

  async dir(rel: string): Promise<void> {
    await this.realDir(rel);
  }

  async file(rel: string, data: Buffer, mode = 0o644): Promise<void> {
    if (!rel) refuse('archive-unsafe', 'The archive has a file entry with an empty name.');
    await this.realDir(path.posix.dirname(rel));
    // 'wx': a second entry of the same name is refused, never written over the first.
    await this.fsStep(rel, () => writeFile(this.abs(rel), data, { flag: 'wx', mode: mode & 0o111 ? 0o755 : 0o644 }));
    this.files.add(rel);
  }

  symlink(rel: string, target: string): void {
    this.symlinks.push({ rel, target });
  }

  /** A tar hard link names another entry of the archive by its path. */
  hardlink(rel: string, target: string): void {
    this.hardlinks.push({ rel, target });
  }

  /** Makes the links, after every file and folder is in place. */
  async finish(): Promise<void> {
    for (const { rel, target } of this.hardlinks) {
      let from: string;
      try {
        from = safeEntryPath(target);
      } catch (e) {
        if (e instanceof RefusalError) refuse('archive-unsafe', `The archive's hard link ${rel} points outside the archive (${target}).`);
        throw e;
      }
      if (!this.files.has(from)) refuse('archive-unsafe', `The archive's hard link ${rel} points to ${target}, which is not a file of the archive.`);
      this.reserve(rel, (await lstat(this.abs(from))).size);
      await this.realDir(path.posix.dirname(rel));
      // A copy, not a link: the unpacked tree then has no two names for one file.
      await this.fsStep(rel, () => copyFile(this.abs(from), this.abs(rel), constants.COPYFILE_EXCL));
      this.files.add(rel);
    }

    for (const { rel, target } of this.symlinks) {
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(rel), target.replace(/\\/g, '/')));
      if (!target || target.includes('\u0000')) refuse('archive-unsafe', `The archive's symlink ${rel} has an empty or invalid target.`);
      if (path.posix.isAbsolute(target) || /^[A-Za-z]:/.test(target) || resolved === '..' || resolved.startsWith('../')) {
        refuse('symlink-outside', `The archive's symlink ${rel} points outside the submission (to ${target}); replace it with the file itself.`);
      }
      await this.realDir(path.posix.dirname(rel));
      await this.fsStep(rel, () => symlink(target, this.abs(rel)));
    }

    const realRoot = await realpath(this.root);
    for (const { rel, target } of this.symlinks) {
      const real = await realpath(this.abs(rel)).catch(() => undefined); // dangling or looping: leads nowhere
      if (real !== undefined && real !== realRoot && !real.startsWith(realRoot + path.sep)) {
        refuse('symlink-outside', `The archive's symlink ${rel} (to ${target}) leads outside the submission through other links; replace it with the file itself.`);
      }
    }
  }

  private abs(rel: string): string {
    return path.join(this.root, ...rel.split('/'));
  }

  /** Makes `rel` a folder one level at a time, refusing any level that is a link or a file. */
  private async realDir(rel: string): Promise<void> {
    if (rel === '.' || this.realDirs.has(rel)) return;
    await this.realDir(path.posix.dirname(rel));
    const abs = this.abs(rel);
    const stat = await lstat(abs).catch(() => undefined);
    if (!stat) await this.fsStep(rel, () => mkdir(abs, { mode: 0o755 }));
    else if (!stat.isDirectory()) refuse('archive-unsafe', `The archive uses ${rel} both as a folder and as a file or link.`);
    this.realDirs.add(rel);
  }

  private async fsStep(rel: string, step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') refuse('archive-unsafe', `The archive has two entries named ${rel}.`);
      if (code === 'ENOTDIR') refuse('archive-unsafe', `The archive uses a file as a folder on the way to ${rel}.`);
      throw e;
    }
  }

  private tooManyFiles(): never {
    return refuse('too-many-files', `The archive has more than ${this.limits.maxEntries} entries: leave out node_modules, .git and build output.`);
  }
}
