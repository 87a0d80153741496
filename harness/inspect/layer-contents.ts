import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

export type FileType = 'file' | 'dir' | 'symlink' | 'link' | 'other';

/** One entry of a layer's tar: a file, a directory, or a whiteout deleting a lower path. */
export interface LayerFile {
  /** Absolute path in the image, e.g. `/app/server.js`. */
  path: string;
  type: FileType;
  size: number;
  mode: number;
  /** Symlink or hardlink target. */
  target?: string;
  /** A whiteout (`.wh.name`): this layer deletes `path`. */
  whiteout?: boolean;
  /** An opaque whiteout: this layer hides everything below `path` from lower layers. */
  opaque?: boolean;
}

export interface LayerContents {
  diffId: string;
  /** Uncompressed size of the layer tar: what it adds to the image on disk. */
  size: number;
  files: LayerFile[];
  /** Which of the searched-for strings occur in which files (see `readLayer`). */
  found: Record<string, string[]>;
  searched: string[];
  /** When the harness first read this layer (ms since the epoch); kept when it is read again. */
  firstSeen?: number;
}

const GZIP_MAGIC = 0x1f8b;

/**
 * Reads one layer blob (gzip or plain tar): its diffID, uncompressed size, file list, and
 * the files whose bytes contain any of `needles` (for "the secret is in no layer").
 */
export async function readLayer(blob: Readable, needles: string[]): Promise<LayerContents> {
  const first = await peek(blob, 2);
  const compressed = first.length === 2 && first.readUInt16BE(0) === GZIP_MAGIC;
  const raw = compressed ? blob.pipe(createGunzip()) : blob;

  const hash = createHash('sha256');
  let size = 0;
  const counter = new PassThrough();
  counter.on('data', (chunk: Buffer) => { hash.update(chunk); size += chunk.length; });

  const files: LayerFile[] = [];
  const found: Record<string, string[]> = {};
  const needleBufs = needles.map((n) => Buffer.from(n));
  const longest = Math.max(0, ...needleBufs.map((b) => b.length));
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const file = toLayerFile(header);
    files.push(file);
    if (needleBufs.length && header.type === 'file') {
      let tail = Buffer.alloc(0);
      stream.on('data', (data: unknown) => {
        const chunk = data as Buffer;
        const window = Buffer.concat([tail, chunk]);
        needleBufs.forEach((needle, i) => {
          const key = needles[i] ?? '';
          if (window.includes(needle) && !(found[key] ?? []).includes(file.path)) (found[key] ??= []).push(file.path);
        });
        tail = window.subarray(Math.max(0, window.length - longest + 1));
      });
    } else {
      stream.resume();
    }
    stream.on('end', next);
  });
  await pipeline(raw, counter, extract);
  return { diffId: `sha256:${hash.digest('hex')}`, size, files, found, searched: needles };
}

function toLayerFile(header: tar.Header): LayerFile {
  const name = `/${header.name.replace(/^\.?\/+/, '').replace(/\/+$/, '')}`;
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dir = name.slice(0, name.lastIndexOf('/'));
  const type: FileType = header.type === 'file' || header.type === 'contiguous-file' ? 'file'
    : header.type === 'directory' ? 'dir'
      : header.type === 'symlink' ? 'symlink'
        : header.type === 'link' ? 'link' : 'other';
  const entry: LayerFile = { path: name, type, size: header.size ?? 0, mode: header.mode ?? 0 };
  if (header.linkname) entry.target = header.linkname;
  if (base === '.wh..wh..opq') return { ...entry, path: dir || '/', opaque: true };
  if (base.startsWith('.wh.')) return { ...entry, path: `${dir}/${base.slice(4)}`, whiteout: true };
  return entry;
}

/** Reads the first bytes of a stream and puts them back. */
async function peek(stream: Readable, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const onReadable = (): void => {
      const chunk = stream.read() as Buffer | null;
      if (chunk === null) return;
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.unshift(chunk);
      resolve(chunk.subarray(0, n));
    };
    const onEnd = (): void => { stream.off('readable', onReadable); resolve(Buffer.alloc(0)); };
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', reject);
  });
}
