import { readFile, rename, stat, writeFile } from 'node:fs/promises';
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
  const file = path.join(dir(), `${hex(diffId)}.json`);
  try {
    const layer = JSON.parse(await readFile(file, 'utf8')) as LayerContents;
    // Entries from before `firstSeen` existed: the file's time is no earlier than the first read.
    layer.firstSeen ??= (await stat(file)).mtimeMs;
    return layer;
  } catch {
    return undefined;
  }
}

/** Stores a layer read, keeping what earlier reads searched for (its bytes are the same). */
export async function writeCachedLayer(layer: LayerContents): Promise<void> {
  const file = path.join(dir(), `${hex(layer.diffId)}.json`);
  const old = await readCachedLayer(layer.diffId);
  const merged: LayerContents = {
    ...layer,
    searched: [...new Set([...(old?.searched ?? []), ...layer.searched])],
    found: { ...old?.found, ...layer.found },
    firstSeen: old?.firstSeen ?? layer.firstSeen ?? Date.now(),
  };
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(merged));
  await rename(tmp, file);
}

/**
 * Strings a check made up at `since`, such as a token a lesson's service issued: a layer the
 * harness had read before then existed before them, so it cannot hold them and is not read
 * again just to look.
 */
export interface FreshNeedles {
  needles: string[];
  since: number;
}

/** Whether a cached layer answers for every needle: searched for it, or older than it. */
export function answersFor(layer: LayerContents, needles: string[], fresh?: FreshNeedles): boolean {
  const older = fresh !== undefined && layer.firstSeen !== undefined && layer.firstSeen < fresh.since;
  return needles.every((n) => layer.searched.includes(n) || (older && fresh.needles.includes(n)));
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
