/**
 * Reads a .tar.gz with tar-stream, one entry at a time: each header (name, type, size) is
 * checked before its bytes are read, and the decompressed stream itself is capped, so a
 * gzip bomb stops at the limit instead of filling the disk or memory.
 */
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import type { ExtractTree } from './extract-tree.ts';
import { isRefusalError, RefusalError, refuse } from './refusal.ts';

/** Tar headers and padding around the file bytes: at most ~1.5 KiB per entry, plus the end blocks. */
const TAR_OVERHEAD_PER_ENTRY = 1536;
const TAR_OVERHEAD = 1024 * 1024;

export async function readTarGz(file: string, tree: ExtractTree): Promise<void> {
  const { maxTotalBytes, maxEntries } = tree.limits;
  const extract = tar.extract();
  const source = pipeline(createReadStream(file), createGunzip(), capped(maxTotalBytes + maxEntries * TAR_OVERHEAD_PER_ENTRY + TAR_OVERHEAD), extract);
  // Settles with the pipeline's error, if any: the loop below sees it only second-hand.
  const sourceError = source.then(() => undefined, (e: unknown) => e);
  try {
    for await (const entry of extract) {
      const { header } = entry;
      const rel = tree.entry(header.name);
      switch (header.type) {
        case 'directory':
          entry.resume();
          await tree.dir(rel);
          break;
        case 'file':
        case 'contiguous-file': {
          const size = header.size;
          tree.reserve(rel, size);
          await tree.file(rel, await readAll(entry, size, rel), header.mode);
          break;
        }
        case 'symlink':
          entry.resume();
          tree.symlink(rel, header.linkname);
          break;
        case 'link':
          entry.resume();
          tree.hardlink(rel, header.linkname);
          break;
        case 'character-device':
        case 'block-device':
        case 'fifo':
          refuse('archive-unsafe', `The archive's entry ${header.name} is a device file or pipe: archive only files and folders.`);
          break;
        default:
          // tar-stream gives null for a type flag it does not know.
          refuse('archive-unsupported', `The archive's entry ${header.name} has an unsupported tar entry type (${String(header.type)}).`);
      }
    }
    const failed = await sourceError;
    if (failed !== undefined) throw failed;
  } catch (e) {
    extract.destroy();
    if (isRefusalError(e)) throw e;
    // A limit hit upstream (the cap) surfaces in the loop as a premature close: report the cap.
    const upstream = await sourceError;
    if (isRefusalError(upstream)) throw upstream;
    throw new RefusalError({ code: 'archive-unsupported', message: `The file is not a readable .tar.gz (${e instanceof Error ? e.message : String(e)}): make it with \`tar -czf\`.` });
  }
}

/** An entry's bytes; never more than its header declared, whatever the stream delivers. */
async function readAll(entry: AsyncIterable<unknown>, size: number, rel: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of entry) {
    if (!Buffer.isBuffer(chunk)) throw new TypeError('tar-stream gave a non-Buffer chunk');
    got += chunk.length;
    if (got > size) refuse('archive-unsafe', `The archive's entry ${rel} is longer than its header says.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, got);
}

/** Passes bytes through until `limit`, then fails with a too-large refusal. */
function capped(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) {
        done(new RefusalError({ code: 'too-large', message: `The archive unpacks to more than ${Math.round(limit / (1024 * 1024))} MiB: leave out node_modules, build output and other large files.` }));
      } else {
        done(null, chunk);
      }
    },
  });
}
