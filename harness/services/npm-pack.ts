/**
 * Packs a package folder into an npm tarball whose bytes never change: a lab's lockfile pins
 * the package's integrity, so the tarball the harness publishes at every check must hash the
 * same on every machine and Node.js version. `npm pack` and zlib's deflate do not promise
 * that (zlib's output depends on its build and the CPU), so the tar is written with fixed
 * headers and wrapped in gzip with stored (uncompressed) deflate blocks.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import tar from 'tar-stream';

/** The time npm itself stamps on every tarball entry, for reproducible packs. */
const NPM_EPOCH = new Date('1985-10-26T08:15:00.000Z');
/** The largest payload of one stored deflate block. */
const STORED_BLOCK = 0xffff;

export interface PackedPackage {
  name: string;
  version: string;
  /** The folder's package.json. */
  manifest: Record<string, unknown>;
  tarball: Buffer;
  /** `sha512-...`, as lockfiles and registries record it. */
  integrity: string;
  /** Hex SHA-1, which registries still report as `dist.shasum`. */
  shasum: string;
  /** `greeting-1.0.0.tgz` for `@stagecraft/greeting@1.0.0`. */
  filename: string;
}

export async function packPackage(dir: string): Promise<PackedPackage> {
  const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  const { name, version } = manifest;
  if (typeof name !== 'string' || typeof version !== 'string') throw new Error(`${dir}/package.json has no name or version`);

  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => { chunks.push(c as Buffer); });
  const ended = new Promise<void>((resolve, reject) => { pack.on('end', resolve); pack.on('error', reject); });
  for (const rel of files) {
    const body = await readFile(path.join(dir, rel));
    pack.entry({ name: `package/${rel}`, size: body.length, mode: 0o644, mtime: NPM_EPOCH, uid: 0, gid: 0, uname: '', gname: '', type: 'file' }, body);
  }
  pack.finalize();
  await ended;

  const tarball = gzipStored(Buffer.concat(chunks));
  return {
    name, version, manifest, tarball,
    integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
    shasum: createHash('sha1').update(tarball).digest('hex'),
    filename: `${name.split('/').pop() ?? name}-${version}.tgz`,
  };
}

/** RFC 1952 gzip around RFC 1951 stored blocks: byte-for-byte the same everywhere. */
export function gzipStored(data: Buffer): Buffer {
  // Magic, deflate, no flags, no mtime, no extra flags, OS unknown.
  const parts: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])];
  let offset = 0;
  do {
    const block = data.subarray(offset, offset + STORED_BLOCK);
    offset += block.length;
    const head = Buffer.alloc(5);
    head[0] = offset >= data.length ? 1 : 0; // BFINAL, BTYPE=00 (stored)
    head.writeUInt16LE(block.length, 1);
    head.writeUInt16LE(~block.length & 0xffff, 3);
    parts.push(head, block);
  } while (offset < data.length);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data) >>> 0, 0);
  trailer.writeUInt32LE(data.length >>> 0, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}
