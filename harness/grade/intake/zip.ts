/**
 * A minimal zip reader: the central directory, stored and deflated entries, nothing else.
 * Chosen over shelling out to `unzip` (not on every teacher's machine, and it extracts
 * before anything can be checked: it strips `../` and makes symlinks as it goes) and over
 * a new dependency (none that reads zips is installed). Each entry's name, type and size
 * are checked before its bytes are inflated, and inflating stops at the declared size.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import type { ExtractTree } from './extract-tree.ts';
import { refuse } from './refusal.ts';

const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const HOST_UNIX = 3;

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const DOS_DIR = 0x10;

interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Unix mode bits when the archive was made on Unix, else 0. */
  mode: number;
  dosDir: boolean;
  localOffset: number;
}

export async function readZip(buf: Buffer, tree: ExtractTree): Promise<void> {
  for (const entry of centralDirectory(buf, tree)) {
    const rel = tree.entry(entry.name);
    if (entry.flags & 0x1) refuse('archive-unsupported', `The archive's entry ${entry.name} is encrypted: make the zip without a password.`);
    const kind = entry.mode & S_IFMT;
    const isDir = kind === S_IFDIR || (kind === 0 && (entry.dosDir || entry.name.endsWith('/')));
    if (isDir) {
      await tree.dir(rel);
    } else if (kind === S_IFLNK) {
      tree.reserve(rel, entry.size);
      tree.symlink(rel, entryData(buf, entry).toString('utf8'));
    } else if (kind === 0 || kind === S_IFREG) {
      tree.reserve(rel, entry.size);
      await tree.file(rel, entryData(buf, entry), entry.mode);
    } else {
      refuse('archive-unsafe', `The archive's entry ${entry.name} is a device file, pipe or socket: archive only files and folders.`);
    }
  }
}

function centralDirectory(buf: Buffer, tree: ExtractTree): ZipEntry[] {
  const eocd = findEocd(buf);
  const disk = buf.readUInt16LE(eocd + 4);
  const cdDisk = buf.readUInt16LE(eocd + 6);
  const total = buf.readUInt16LE(eocd + 10);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (disk !== 0 || cdDisk !== 0) refuse('archive-unsupported', 'The zip archive is split over several files: make a single .zip.');
  // ZIP64 marks: a lab is far below 4 GiB and 65535 entries, so such a zip is refused, not read.
  if (total === 0xffff || cdOffset === 0xffffffff) refuse('archive-unsupported', 'The zip archive uses ZIP64, which a lab never needs: zip the lab folder alone.');
  tree.expectEntries(total);

  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < total; i++) {
    need(buf, p, 46);
    if (buf.readUInt32LE(p) !== CENTRAL_SIG) corrupt();
    const madeBy = buf.readUInt16LE(p + 4);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const external = buf.readUInt32LE(p + 38);
    need(buf, p + 46, nameLen);
    entries.push({
      name: buf.toString('utf8', p + 46, p + 46 + nameLen),
      flags: buf.readUInt16LE(p + 8),
      method: buf.readUInt16LE(p + 10),
      crc: buf.readUInt32LE(p + 16),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      mode: madeBy >> 8 === HOST_UNIX ? external >>> 16 : 0,
      dosDir: (external & DOS_DIR) !== 0,
      localOffset: buf.readUInt32LE(p + 42),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The end-of-central-directory record, searched for backwards past a possible comment. */
function findEocd(buf: Buffer): number {
  const last = Math.max(0, buf.length - EOCD_SIZE - MAX_COMMENT);
  for (let i = buf.length - EOCD_SIZE; i >= last; i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG) return i;
  }
  return refuse('archive-unsupported', 'The file is not a zip archive (it has no zip directory): make it with zip, or as a .tar.gz.');
}

function entryData(buf: Buffer, entry: ZipEntry): Buffer {
  const p = entry.localOffset;
  need(buf, p, 30);
  if (buf.readUInt32LE(p) !== LOCAL_SIG) corrupt();
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  need(buf, start, entry.compressedSize);
  const raw = buf.subarray(start, start + entry.compressedSize);

  let data: Buffer;
  if (entry.method === 0) {
    data = raw;
  } else if (entry.method === 8) {
    try {
      // Stops at the declared size: a zip bomb cannot make it allocate more.
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch {
      return refuse('archive-unsafe', `The archive's entry ${entry.name} does not inflate to its declared size: the zip is damaged or crafted.`);
    }
  } else {
    return refuse('archive-unsupported', `The archive's entry ${entry.name} uses compression method ${entry.method}; only stored and deflated entries are read. Make the zip with default settings.`);
  }
  if (data.length !== entry.size || crc32(data) !== entry.crc) {
    refuse('archive-unsafe', `The archive's entry ${entry.name} does not match its recorded size or checksum: the zip is damaged.`);
  }
  return data;
}

function need(buf: Buffer, offset: number, length: number): void {
  if (offset < 0 || offset + length > buf.length) corrupt();
}

function corrupt(): never {
  return refuse('archive-unsupported', 'The zip archive is damaged (its directory points past the end of the file).');
}
