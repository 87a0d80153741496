import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { docker } from '../engine/docker.ts';
import { answersFor, readBlobDiffId, readCachedLayer, writeBlobDiffId, writeCachedLayer, type FreshNeedles } from './layer-cache.ts';
import { readLayer, type LayerContents } from './layer-contents.ts';

export interface ExportedImage {
  /** Layer contents by diffID, for every layer of every platform in the export. */
  layers: Map<string, LayerContents>;
  /** Compressed blob size by diffID. */
  compressedSizes: Map<string, number>;
  /** Image configs (the JSON blobs with a rootfs), by blob digest. */
  configs: Map<string, ImageConfigBlob>;
}

export interface ImageConfigBlob {
  architecture?: string;
  os?: string;
  variant?: string;
  rootfs: { diff_ids: string[] };
  history?: { created_by?: string; empty_layer?: boolean; comment?: string }[];
}

const MAX_JSON_BLOB = 4 * 1024 * 1024;

export interface ExportOptions {
  /**
   * The layers (diffIDs) the caller needs: the export stops as soon as each has been read,
   * and the rest of the stream is never sent (the engine writes blobs in digest order, so a
   * new top layer is often met before the base image's large ones). Without it, everything.
   */
  until?: string[];
}

/**
 * Streams `docker save` of an image and reads the layers not already known (see
 * layer-cache.ts). Known blobs are skipped unread; JSON blobs (configs, manifests) are kept.
 */
export async function exportImage(ref: string, needles: string[] = [], fresh?: FreshNeedles, opts: ExportOptions = {}): Promise<ExportedImage> {
  const layers = new Map<string, LayerContents>();
  const compressedSizes = new Map<string, number>();
  const configs = new Map<string, ImageConfigBlob>();
  const stream = (await docker().getImage(ref).get()) as Readable;
  const extract = tar.extract();
  const until = opts.until?.length ? opts.until : undefined;
  let stopEarly: (() => void) | undefined;

  extract.on('entry', (header, entry, next) => {
    const blob = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(header.name)?.[1];
    if (!blob || header.type !== 'file') { entry.resume(); entry.on('end', next); return; }
    const digest = `sha256:${blob}`;
    const size = header.size ?? 0;
    void handleBlob(digest, size, entry as unknown as Readable)
      .then(() => (until && stopEarly && until.every((d) => layers.has(d)) ? stopEarly() : next()))
      .catch((e: unknown) => next(e instanceof Error ? e : new Error(String(e))));
  });

  async function handleBlob(digest: string, size: number, entry: Readable): Promise<void> {
    const knownDiffId = await readBlobDiffId(digest);
    if (knownDiffId) {
      const cached = await readCachedLayer(knownDiffId);
      if (cached && answersFor(cached, needles, fresh)) {
        layers.set(knownDiffId, cached);
        compressedSizes.set(knownDiffId, size);
        entry.resume();
        await new Promise((r) => entry.on('end', r));
        return;
      }
    }
    if (size <= MAX_JSON_BLOB) {
      const bytes = await collect(entry);
      if (bytes[0] === 0x7b /* { */) {
        const json = JSON.parse(bytes.toString('utf8')) as Partial<ImageConfigBlob>;
        if (json.rootfs?.diff_ids) configs.set(digest, json as ImageConfigBlob);
        return;
      }
      await readAndStore(digest, size, Readable.from([bytes]));
      return;
    }
    await readAndStore(digest, size, entry);
  }

  async function readAndStore(digest: string, size: number, entry: Readable): Promise<void> {
    const contents = await readLayer(entry, needles);
    layers.set(contents.diffId, contents);
    compressedSizes.set(contents.diffId, size);
    await writeCachedLayer(contents);
    await writeBlobDiffId(digest, contents.diffId);
  }

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (e?: unknown): void => {
      if (settled) return;
      settled = true;
      if (e === undefined) resolve(); else reject(e instanceof Error ? e : new Error(String(e)));
    };
    stopEarly = (): void => {
      settle();
      // Closing the connection ends the engine's export too.
      stream.unpipe(extract);
      stream.destroy();
      extract.destroy();
    };
    extract.on('finish', () => settle());
    extract.on('error', settle);
    stream.on('error', settle);
    stream.pipe(extract);
  });
  return { layers, compressedSizes, configs };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
