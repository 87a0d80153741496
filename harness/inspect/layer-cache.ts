import { readFile, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { stateSubdir } from '../paths.ts';
import type { LayerContents } from './layer-contents.ts';

/**
 * Layer contents never change for a given diffID, so what was read from a layer once is
 * kept on disk and a warm check needs no export at all.
 */
const dir = (): string => stateSubdir('cache', 'layers');
const hex = (digest: string): string => digest.replace(/^sha256:/, '');

export async function readCachedLayer(diffId: string): Promise<LayerContents | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir(), `${hex(diffId)}.json`), 'utf8')) as LayerContents;
  } catch {
    return undefined;
  }
}

export async function writeCachedLayer(layer: LayerContents): Promise<void> {
  const file = path.join(dir(), `${hex(layer.diffId)}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(layer));
  await rename(tmp, file);
}

/** Which layer a compressed blob holds, so a known blob is skipped without unpacking. */
export async function readBlobDiffId(blobDigest: string): Promise<string | undefined> {
  try {
    return (await readFile(path.join(stateSubdir('cache', 'blobs'), hex(blobDigest)), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

export async function writeBlobDiffId(blobDigest: string, diffId: string): Promise<void> {
  await writeFile(path.join(stateSubdir('cache', 'blobs'), hex(blobDigest)), diffId);
}
