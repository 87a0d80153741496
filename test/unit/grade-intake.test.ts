import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { crc32, createGzip, deflateRawSync } from 'node:zlib';
import tar, { type Header } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleContext } from '../../harness/course/lab-files.ts';
import { loadLesson } from '../../harness/course/registry.ts';
import { findLabFolder } from '../../harness/grade/intake/lab-folder.ts';
import { isRefusalError, type Refusal } from '../../harness/grade/intake/refusal.ts';
import { takeOwnedFiles } from '../../harness/grade/intake/safe-copy.ts';
import { listSubmissions, safeId } from '../../harness/grade/intake/students.ts';
import { unpackArchive, type UnpackOptions } from '../../harness/grade/intake/unpack.ts';

const MiB = 1024 * 1024;
const LESSON = { number: '02', slug: '02-layer-cache', owns: ['Dockerfile', '.dockerignore'] };
const DOCKERFILE = 'FROM node:24-trixie-slim\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]\n';

let tmp: string;
beforeAll(async () => { tmp = await mkdtemp(path.join(os.tmpdir(), 'grade-intake-test-')); });
afterAll(async () => { await rm(tmp, { recursive: true, force: true }); });

let counter = 0;
/** A fresh folder under the test's temp folder. */
async function fresh(name = 'dir'): Promise<string> {
  const dir = path.join(tmp, `${name}-${++counter}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** The refusal a promise rejects with (fails the test if it resolves or throws something else). */
async function refusalOf(p: Promise<unknown>): Promise<Refusal> {
  try {
    await p;
  } catch (e) {
    if (isRefusalError(e)) return e.refusal;
    throw e;
  }
  throw new Error('expected a refusal, but it succeeded');
}

// --- archives written the way real tools write them ---------------------------------------

interface TarItem { header: Partial<Header> & { name: string }; data?: Buffer }

async function writeTarGz(file: string, items: TarItem[]): Promise<string> {
  const pack = tar.pack();
  const written = pipeline(pack, createGzip(), createWriteStream(file));
  for (const { header, data } of items) {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (data) pack.entry({ ...header, size: data.length }, data, done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await written;
  return file;
}

const tfile = (name: string, text: string | Buffer, mode = 0o644): TarItem => ({ header: { name, type: 'file', mode }, data: Buffer.from(text) });
const tdir = (name: string): TarItem => ({ header: { name, type: 'directory', mode: 0o755 } });
const tlink = (name: string, linkname: string, type: 'symlink' | 'link' = 'symlink'): TarItem => ({ header: { name, type, linkname } });

interface ZipItem {
  name: string;
  data?: Buffer;
  /** Unix mode with file type bits; default a regular file. */
  mode?: number;
  deflate?: boolean;
  /** Lie about the uncompressed size (zip bombs). */
  declaredSize?: number;
  flags?: number;
}

/** A minimal zip writer (local headers, central directory, end record), as zip(1) lays them out. */
function zipBuffer(items: ZipItem[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const item of items) {
    const name = Buffer.from(item.name);
    const data = item.data ?? Buffer.alloc(0);
    const body = item.deflate ? deflateRawSync(data) : data;
    const method = item.deflate ? 8 : 0;
    const size = item.declaredSize ?? data.length;
    const flags = item.flags ?? 0x800;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((item.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(items.length, 8);
  end.writeUInt16LE(items.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

async function writeZip(file: string, items: ZipItem[]): Promise<string> {
  await writeFile(file, zipBuffer(items));
  return file;
}

const zfile = (name: string, text: string | Buffer, deflate = true): ZipItem => ({ name, data: Buffer.from(text), deflate });
const zlink = (name: string, target: string): ZipItem => ({ name, data: Buffer.from(target), mode: 0o120777 });

async function unpack(archive: string, limits?: UnpackOptions['limits']): Promise<string> {
  return unpackArchive(archive, { dest: await fresh('unpacked'), ...(limits ? { limits } : {}) });
}

// -------------------------------------------------------------------------------------------

describe('listSubmissions', () => {
  it('lists one entry per student, with safe unique ids, and says what it skipped and why', async () => {
    const dir = await fresh('class');
    await mkdir(path.join(dir, 'alice'));
    await writeFile(path.join(dir, 'alice.zip'), zipBuffer([zfile('x', 'y')]));
    await writeFile(path.join(dir, 'Bob Smith.TAR.GZ'), '');
    await writeFile(path.join(dir, 'carol.tgz'), '');
    await writeFile(path.join(dir, 'José Núñez.zip'), '');
    await mkdir(path.join(dir, '-rf'));
    await mkdir(path.join(dir, '.git'));
    await mkdir(path.join(dir, '__MACOSX'));
    await writeFile(path.join(dir, '.DS_Store'), '');
    await writeFile(path.join(dir, 'notes.txt'), 'grades so far');
    await writeFile(path.join(dir, 'archive.rar'), '');
    await symlink('/etc', path.join(dir, 'linked'));

    const { submissions, skipped } = await listSubmissions(dir);
    // In the locale's order (punctuation ignored first), so `-rf` comes first.
    expect(submissions.map((s) => [s.id, s.name, s.kind])).toEqual([
      ['rf', '-rf', 'folder'],
      ['alice', 'alice', 'folder'],
      ['alice-2', 'alice.zip', 'zip'],
      ['Bob_Smith', 'Bob Smith.TAR.GZ', 'tar.gz'],
      ['carol', 'carol.tgz', 'tar.gz'],
      ['Jose_Nunez', 'José Núñez.zip', 'zip'],
    ]);
    expect(submissions.every((s) => /^[A-Za-z0-9._-]+$/.test(s.id))).toBe(true);
    expect(Object.fromEntries(skipped.map((s) => [s.name, s.reason]))).toEqual({
      '.DS_Store': 'hidden entry',
      '.git': 'hidden entry',
      __MACOSX: 'macOS archive metadata, not a student',
      'archive.rar': 'neither a folder nor a .zip, .tar.gz or .tgz archive',
      linked: 'a symbolic link (not followed): put the folder or archive itself here',
      'notes.txt': 'neither a folder nor a .zip, .tar.gz or .tgz archive',
    });
  });

  it('turns any name into an id that cannot be hidden, climb or look like an option', () => {
    expect(safeId('..')).toBe('student');
    expect(safeId('../../etc/passwd')).toBe('etc_passwd');
    expect(safeId('-rf')).toBe('rf');
    expect(safeId('名前')).toBe('student');
    expect(safeId('a'.repeat(100))).toHaveLength(64);
  });
});

describe('unpackArchive: tar.gz', () => {
  it('unpacks folders, files, exec bits and links that stay inside', async () => {
    const archive = await writeTarGz(path.join(tmp, 'ok.tar.gz'), [
      tdir('alice/'),
      tdir('alice/labs/'),
      tfile('alice/labs/02-layer-cache/Dockerfile', DOCKERFILE),
      tfile('./alice/labs/02-layer-cache/run.sh', '#!/bin/sh\n', 0o4755),
      tlink('alice/labs/02-layer-cache/Dockerfile.link', 'Dockerfile'),
      tlink('alice/labs/02-layer-cache/copy', 'alice/labs/02-layer-cache/Dockerfile', 'link'),
    ]);
    const root = await unpack(archive);
    const lab = path.join(root, 'alice/labs/02-layer-cache');
    expect(await readFile(path.join(lab, 'Dockerfile'), 'utf8')).toBe(DOCKERFILE);
    expect(await readFile(path.join(lab, 'Dockerfile.link'), 'utf8')).toBe(DOCKERFILE);
    expect(await readFile(path.join(lab, 'copy'), 'utf8')).toBe(DOCKERFILE);
    // Executable kept, setuid dropped.
    expect((await lstat(path.join(lab, 'run.sh'))).mode & 0o7777).toBe(0o755);
  });

  it('refuses an entry that climbs out with ..', async () => {
    const out = await fresh('outside');
    const archive = await writeTarGz(path.join(tmp, 'climb.tar.gz'), [tfile(`labs/../../${path.basename(out)}/pwned`, 'x')]);
    const r = await refusalOf(unpack(archive));
    expect(r.code).toBe('archive-unsafe');
    expect(r.message).toContain('..');
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses an entry with an absolute path', async () => {
    const archive = await writeTarGz(path.join(tmp, 'abs.tar.gz'), [tfile('/etc/cron.d/pwned', 'x')]);
    const r = await refusalOf(unpack(archive));
    expect(r).toMatchObject({ code: 'archive-unsafe' });
    expect(r.message).toContain('absolute path (/etc/cron.d/pwned)');
  });

  it('refuses a symlink to /etc, and never writes through it', async () => {
    const archive = await writeTarGz(path.join(tmp, 'etc.tar.gz'), [
      tfile('labs/02-layer-cache/Dockerfile', DOCKERFILE),
      tlink('labs/02-layer-cache/etc', '/etc'),
    ]);
    const r = await refusalOf(unpack(archive));
    expect(r.code).toBe('symlink-outside');
    expect(r.message).toContain('labs/02-layer-cache/etc');
    expect(r.message).toContain('/etc');
  });

  it('refuses the link-then-write attack (a -> outside, then a/file) without writing outside', async () => {
    const out = await fresh('outside');
    const archive = await writeTarGz(path.join(tmp, 'linkwrite.tar.gz'), [tlink('a', out), tfile('a/pwned', 'x')]);
    const r = await refusalOf(unpack(archive));
    expect(['symlink-outside', 'archive-unsafe']).toContain(r.code);
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses a chain of inside-looking links that leads out', async () => {
    // x/b -> .. is the root; a -> x/b/.. reads as "x" but is the root's parent.
    const archive = await writeTarGz(path.join(tmp, 'chain.tar.gz'), [tdir('x/'), tlink('x/b', '..'), tlink('a', 'x/b/..')]);
    const r = await refusalOf(unpack(archive));
    expect(r.code).toBe('symlink-outside');
    expect(r.message).toContain('a (to x/b/..)');
  });

  it('refuses relative symlinks and hard links that point outside', async () => {
    const rel = await writeTarGz(path.join(tmp, 'rel.tar.gz'), [tlink('labs/up', '../../../etc/passwd')]);
    expect((await refusalOf(unpack(rel))).code).toBe('symlink-outside');
    const hard = await writeTarGz(path.join(tmp, 'hard.tar.gz'), [tlink('passwd', '../../etc/passwd', 'link')]);
    const r = await refusalOf(unpack(hard));
    expect(r.code).toBe('archive-unsafe');
    expect(r.message).toContain('hard link passwd points outside');
  });

  it('refuses device files and pipes', async () => {
    const dev = await writeTarGz(path.join(tmp, 'dev.tar.gz'), [{ header: { name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 } }]);
    expect(await refusalOf(unpack(dev))).toMatchObject({ code: 'archive-unsafe' });
    const chr = await writeTarGz(path.join(tmp, 'chr.tar.gz'), [{ header: { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 } }]);
    expect((await refusalOf(unpack(chr))).message).toContain('device file');
    const fifo = await writeTarGz(path.join(tmp, 'fifo.tar.gz'), [{ header: { name: 'Dockerfile', type: 'fifo' } }]);
    expect(await refusalOf(unpack(fifo))).toMatchObject({ code: 'archive-unsafe' });
  });

  // Slow only where the disk is (it writes 5000 files before the 5001st entry is refused).
  it('refuses thousands of files (the default limit is 5000 entries)', { timeout: 60_000 }, async () => {
    const items = Array.from({ length: 5001 }, (_, i) => tfile(`node_modules/p${i}.js`, ''));
    const archive = await writeTarGz(path.join(tmp, 'many.tar.gz'), items);
    const r = await refusalOf(unpack(archive));
    expect(r.code).toBe('too-many-files');
    expect(r.message).toContain('more than 5000 entries');
  });

  it('refuses a file over the single-file limit before reading it', async () => {
    const archive = await writeTarGz(path.join(tmp, 'big.tar.gz'), [tfile('image.iso', Buffer.alloc(2 * MiB))]);
    const r = await refusalOf(unpack(archive, { maxFileBytes: MiB }));
    expect(r.code).toBe('too-large');
    expect(r.message).toContain('image.iso is 2 MiB');
  });

  it('refuses more than 50 MiB in all (a gzip bomb compresses to almost nothing)', async () => {
    const zeros = Buffer.alloc(13 * MiB);
    const archive = await writeTarGz(path.join(tmp, 'bomb.tar.gz'), [0, 1, 2, 3].map((i) => tfile(`zeros${i}`, zeros)));
    expect((await lstat(archive)).size).toBeLessThan(MiB);
    const r = await refusalOf(unpack(archive));
    expect(r.code).toBe('too-large');
    expect(r.message).toContain('more than 50 MiB');
  });

  it('removes its own temp folder when it refuses', async () => {
    const archive = await writeTarGz(path.join(tmp, 'climb2.tar.gz'), [tfile('ok', 'x'), tfile('../bad', 'x')]);
    const before = new Set(await readdir(os.tmpdir()));
    await refusalOf(unpackArchive(archive));
    const added = (await readdir(os.tmpdir())).filter((n) => !before.has(n) && n.startsWith('stagecraft-submission-'));
    expect(added).toEqual([]);
  });

  it('refuses a file that is no archive at all, whatever its name', async () => {
    const fake = path.join(tmp, 'homework.tar.gz');
    await writeFile(fake, 'my Dockerfile is in the email');
    const r = await refusalOf(unpack(fake));
    expect(r.code).toBe('archive-unsupported');
    const gzNotTar = path.join(tmp, 'notar.tgz');
    await pipeline(async function* () { yield Buffer.from('just text, gzipped\n'.repeat(100)); }, createGzip(), createWriteStream(gzNotTar));
    expect((await refusalOf(unpack(gzNotTar))).code).toBe('archive-unsupported');
  });
});

describe('unpackArchive: zip', () => {
  it('unpacks stored and deflated entries, folders, backslash names and inside links', async () => {
    const archive = await writeZip(path.join(tmp, 'ok.zip'), [
      { name: 'labs/', mode: 0o040755 },
      zfile('labs/02-layer-cache/Dockerfile', DOCKERFILE, true),
      zfile('labs/02-layer-cache/.dockerignore', 'node_modules\n', false),
      zfile('labs\\02-layer-cache\\server.js', 'console.log(1)\n'),
      zlink('labs/02-layer-cache/Dockerfile.link', 'Dockerfile'),
      zfile('empty', ''),
    ]);
    const root = await unpack(archive);
    const lab = path.join(root, 'labs/02-layer-cache');
    expect(await readFile(path.join(lab, 'Dockerfile'), 'utf8')).toBe(DOCKERFILE);
    expect(await readFile(path.join(lab, '.dockerignore'), 'utf8')).toBe('node_modules\n');
    expect(await readFile(path.join(lab, 'server.js'), 'utf8')).toBe('console.log(1)\n');
    expect((await lstat(path.join(lab, 'Dockerfile.link'))).isSymbolicLink()).toBe(true);
    expect(await readFile(path.join(root, 'empty'), 'utf8')).toBe('');
  });

  it('refuses path traversal and absolute paths', async () => {
    const climb = await writeZip(path.join(tmp, 'climb.zip'), [zfile('../../pwned', 'x')]);
    expect(await refusalOf(unpack(climb))).toMatchObject({ code: 'archive-unsafe' });
    const backslash = await writeZip(path.join(tmp, 'climb2.zip'), [zfile('labs\\..\\..\\pwned', 'x')]);
    expect(await refusalOf(unpack(backslash))).toMatchObject({ code: 'archive-unsafe' });
    const abs = await writeZip(path.join(tmp, 'abs.zip'), [zfile('/etc/passwd', 'x')]);
    expect((await refusalOf(unpack(abs))).message).toContain('absolute path');
    const drive = await writeZip(path.join(tmp, 'drive.zip'), [zfile('C:\\Windows\\x', 'x')]);
    expect((await refusalOf(unpack(drive))).message).toContain('absolute path');
  });

  it('refuses a symlink to /etc', async () => {
    const archive = await writeZip(path.join(tmp, 'etc.zip'), [zfile('labs/02-layer-cache/x', 'x'), zlink('labs/02-layer-cache/Dockerfile', '/etc/passwd')]);
    const r = await refusalOf(unpack(archive));
    expect(r.code).toBe('symlink-outside');
    expect(r.message).toContain('labs/02-layer-cache/Dockerfile');
  });

  it('refuses device entries', async () => {
    const archive = await writeZip(path.join(tmp, 'dev.zip'), [{ name: 'null', mode: 0o020666 }]);
    expect((await refusalOf(unpack(archive))).message).toContain('device file');
  });

  it('refuses thousands of entries from the directory count alone', async () => {
    const archive = await writeZip(path.join(tmp, 'many.zip'), Array.from({ length: 5001 }, (_, i) => zfile(`f${i}`, '', false)));
    expect((await refusalOf(unpack(archive))).code).toBe('too-many-files');
  });

  it('refuses a declared size over the limits before inflating', async () => {
    const archive = await writeZip(path.join(tmp, 'big.zip'), [{ ...zfile('zeros', Buffer.alloc(1024)), declaredSize: 60 * MiB }]);
    const r = await refusalOf(unpack(archive));
    expect(r.code).toBe('too-large');
  });

  it('refuses an entry that inflates past its declared size (a zip bomb lying about its size)', async () => {
    const archive = await writeZip(path.join(tmp, 'bomb.zip'), [{ ...zfile('zeros', Buffer.alloc(4 * MiB)), declaredSize: 100 }]);
    const r = await refusalOf(unpack(archive));
    expect(r.code).toBe('archive-unsafe');
    expect(r.message).toContain('does not inflate to its declared size');
  });

  it('refuses encrypted entries and damaged archives', async () => {
    const enc = await writeZip(path.join(tmp, 'enc.zip'), [{ ...zfile('Dockerfile', DOCKERFILE), flags: 0x1 }]);
    expect((await refusalOf(unpack(enc))).message).toContain('encrypted');
    const full = zipBuffer([zfile('Dockerfile', DOCKERFILE)]);
    const cut = path.join(tmp, 'cut.zip');
    await writeFile(cut, full.subarray(0, full.length - 30));
    expect((await refusalOf(unpack(cut))).code).toBe('archive-unsupported');
  });

  const hasZip = (() => { try { execFileSync('zip', ['-v'], { stdio: 'ignore' }); return true; } catch { return false; } })();
  it.skipIf(!hasZip)('reads a zip made by zip(1), with its extra fields and links', async () => {
    const src = await fresh('zipsrc');
    await mkdir(path.join(src, 'labs/02-layer-cache'), { recursive: true });
    await writeFile(path.join(src, 'labs/02-layer-cache/Dockerfile'), DOCKERFILE);
    await writeFile(path.join(src, 'labs/02-layer-cache/big.txt'), 'la '.repeat(100_000));
    await symlink('Dockerfile', path.join(src, 'labs/02-layer-cache/Dockerfile.link'));
    const archive = path.join(tmp, 'real.zip');
    execFileSync('zip', ['-qry', archive, 'labs'], { cwd: src });
    const root = await unpack(archive);
    expect(await readFile(path.join(root, 'labs/02-layer-cache/Dockerfile'), 'utf8')).toBe(DOCKERFILE);
    expect(await readFile(path.join(root, 'labs/02-layer-cache/big.txt'), 'utf8')).toBe('la '.repeat(100_000));
    expect((await lstat(path.join(root, 'labs/02-layer-cache/Dockerfile.link'))).isSymbolicLink()).toBe(true);
  });
});

describe('findLabFolder', () => {
  it('finds labs/<slug>, <slug>, labs/<number>..., and looks inside one wrapping folder', async () => {
    const clone = await fresh('clone');
    await mkdir(path.join(clone, 'labs/02-layer-cache'), { recursive: true });
    expect(findLabFolder(clone, LESSON)).toBe(path.join(clone, 'labs/02-layer-cache'));

    const bare = await fresh('bare');
    await mkdir(path.join(bare, '02-layer-cache'));
    expect(findLabFolder(bare, LESSON)).toBe(path.join(bare, '02-layer-cache'));

    const renamed = await fresh('renamed');
    await mkdir(path.join(renamed, 'labs/02-mine'), { recursive: true });
    await mkdir(path.join(renamed, 'labs/021-other'), { recursive: true });
    expect(findLabFolder(renamed, LESSON)).toBe(path.join(renamed, 'labs/02-mine'));

    const wrapped = await fresh('wrapped');
    await mkdir(path.join(wrapped, '__MACOSX'));
    await mkdir(path.join(wrapped, 'alice-main/labs/02-layer-cache'), { recursive: true });
    expect(findLabFolder(wrapped, LESSON)).toBe(path.join(wrapped, 'alice-main/labs/02-layer-cache'));
  });

  it('does not guess between two numbered folders, and does not follow symlinked folders', async () => {
    const two = await fresh('two');
    await mkdir(path.join(two, 'labs/02-old'), { recursive: true });
    await mkdir(path.join(two, 'labs/02-new'), { recursive: true });
    expect(findLabFolder(two, LESSON)).toBeUndefined();

    const linked = await fresh('linked');
    const elsewhere = await fresh('elsewhere');
    await mkdir(path.join(elsewhere, '02-layer-cache'));
    await symlink(elsewhere, path.join(linked, 'labs'));
    await symlink(path.join(elsewhere, '02-layer-cache'), path.join(linked, '02-layer-cache'));
    expect(findLabFolder(linked, LESSON)).toBeUndefined();
  });
});

describe('takeOwnedFiles', () => {
  async function lab(files: Record<string, string | Buffer>): Promise<string> {
    const dir = await fresh('lab');
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), content);
    }
    return dir;
  }

  it('copies the owned files only, and the course lab supplies the rest of the context', async () => {
    const source = await lab({ Dockerfile: DOCKERFILE, '.dockerignore': 'node_modules\n', 'server.js': 'evil()', 'extra.txt': 'x' });
    const taken = await takeOwnedFiles(LESSON, source, await fresh('taken'));
    expect(taken.files).toEqual(['Dockerfile', '.dockerignore']);
    expect((await readdir(taken.dir)).sort()).toEqual(['.dockerignore', 'Dockerfile']);

    const lesson = await loadLesson('02');
    const context = await fresh('context');
    await assembleContext(lesson, taken.dir, context, 'owned');
    expect(await readFile(path.join(context, 'Dockerfile'), 'utf8')).toBe(DOCKERFILE);
    expect(await readFile(path.join(context, 'server.js'), 'utf8')).toBe(await readFile(path.join(lesson.labDir, 'server.js'), 'utf8'));
    expect(existsSync(path.join(context, 'extra.txt'))).toBe(false);
  });

  it('copies a symlink that stays inside the lab folder as a plain file', async () => {
    const source = await lab({ 'Dockerfile.real': DOCKERFILE });
    await symlink('Dockerfile.real', path.join(source, 'Dockerfile'));
    const taken = await takeOwnedFiles(LESSON, source, await fresh('taken'));
    expect((await lstat(path.join(taken.dir, 'Dockerfile'))).isFile()).toBe(true);
    expect(await readFile(path.join(taken.dir, 'Dockerfile'), 'utf8')).toBe(DOCKERFILE);
  });

  it('refuses a Dockerfile that is a symlink to /etc/passwd, naming it', async () => {
    const source = await lab({ '.dockerignore': '' });
    await symlink('/etc/passwd', path.join(source, 'Dockerfile'));
    const r = await refusalOf(takeOwnedFiles(LESSON, source, await fresh('taken')));
    expect(r.code).toBe('symlink-outside');
    expect(r.message).toContain('Dockerfile is a symbolic link that leads outside the lab folder');
    expect(r.message).toContain('/etc/passwd');
  });

  it('refuses a link outside anywhere on an owned path (.github -> /etc), and inside an owned folder', async () => {
    const bake = { slug: '09-ci-pipeline', owns: ['Dockerfile', '.github/workflows'] };
    const source = await lab({ Dockerfile: DOCKERFILE });
    await symlink('/etc', path.join(source, '.github'));
    const r = await refusalOf(takeOwnedFiles(bake, source, await fresh('taken')));
    expect(r.code).toBe('symlink-outside');
    expect(r.message).toContain('.github/workflows');

    const inner = await lab({ Dockerfile: DOCKERFILE, '.github/workflows/ci.yml': 'on: push\n' });
    await symlink('/etc/hostname', path.join(inner, '.github/workflows/leak.yml'));
    const r2 = await refusalOf(takeOwnedFiles(bake, inner, await fresh('taken')));
    expect(r2.code).toBe('symlink-outside');
    expect(r2.message).toContain('.github/workflows/leak.yml');
  });

  it('copies an owned folder file by file', async () => {
    const bake = { slug: '09-ci-pipeline', owns: ['Dockerfile', 'docker-bake.hcl', '.github/workflows'] };
    const source = await lab({ Dockerfile: DOCKERFILE, '.github/workflows/ci.yml': 'on: push\n', '.github/workflows/sub/x.yml': 'x', '.github/other.txt': 'no' });
    const taken = await takeOwnedFiles(bake, source, await fresh('taken'));
    expect(taken.files.sort()).toEqual(['.github/workflows/ci.yml', '.github/workflows/sub/x.yml', 'Dockerfile']);
    expect(existsSync(path.join(taken.dir, '.github/other.txt'))).toBe(false);
  });

  it('refuses a missing Dockerfile', async () => {
    const source = await lab({ '.dockerignore': '' });
    const r = await refusalOf(takeOwnedFiles(LESSON, source, await fresh('taken')));
    expect(r.code).toBe('missing-dockerfile');
  });

  it('refuses a binary Dockerfile: NUL bytes or invalid UTF-8', async () => {
    const nul = await lab({ Dockerfile: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00]) });
    const r = await refusalOf(takeOwnedFiles(LESSON, nul, await fresh('taken')));
    expect(r.code).toBe('binary-dockerfile');
    expect(r.message).toContain('NUL bytes');
    const latin1 = await lab({ Dockerfile: Buffer.from('FROM alpine\n# caf\xe9\n', 'latin1') });
    const r2 = await refusalOf(takeOwnedFiles(LESSON, latin1, await fresh('taken')));
    expect(r2.code).toBe('binary-dockerfile');
    expect(r2.message).toContain('not valid UTF-8');
  });

  it('refuses a Dockerfile over 256 KiB', async () => {
    const source = await lab({ Dockerfile: `FROM alpine\n${'# padding\n'.repeat(30_000)}` });
    const r = await refusalOf(takeOwnedFiles(LESSON, source, await fresh('taken')));
    expect(r.code).toBe('too-large');
    expect(r.message).toContain('at most 256 KiB');
  });

  it('refuses a Dockerfile that is a folder, and one that is a named pipe (without hanging)', async () => {
    const folder = await lab({ 'Dockerfile/x': '' });
    expect((await refusalOf(takeOwnedFiles(LESSON, folder, await fresh('taken')))).code).toBe('not-a-regular-file');
    const piped = await fresh('pipe');
    try {
      execFileSync('mkfifo', [path.join(piped, 'Dockerfile')]);
    } catch {
      return; // no mkfifo here
    }
    expect((await refusalOf(takeOwnedFiles(LESSON, piped, await fresh('taken')))).code).toBe('not-a-regular-file');
  });

  it('takes a lab out of an unpacked archive end to end', async () => {
    const archive = await writeTarGz(path.join(tmp, 'alice.tar.gz'), [
      tfile('alice-main/labs/02-layer-cache/Dockerfile', DOCKERFILE),
      tfile('alice-main/labs/02-layer-cache/node_modules/x.js', 'x'),
    ]);
    const root = await unpack(archive);
    const folder = findLabFolder(root, LESSON);
    expect(folder).toBe(path.join(root, 'alice-main/labs/02-layer-cache'));
    const taken = await takeOwnedFiles(LESSON, folder ?? '', await fresh('taken'));
    expect(taken.files).toEqual(['Dockerfile']);
  });
});
