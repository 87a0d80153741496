import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { docker } from '../engine/docker.ts';
import { stateSubdir } from '../paths.ts';
import { exportImage } from './image-export.ts';
import { answersFor, readCachedLayer, type FreshNeedles } from './layer-cache.ts';
import type { LayerContents, LayerFile } from './layer-contents.ts';

export interface HealthcheckConfig {
  test: string[];
  intervalMs: number | undefined;
  timeoutMs: number | undefined;
  retries: number | undefined;
  startPeriodMs: number | undefined;
}

/** The image config: what `docker run` will do with the image. */
export interface ImageConfig {
  user: string;
  cmd: string[] | undefined;
  entrypoint: string[] | undefined;
  env: Record<string, string>;
  exposedPorts: string[];
  healthcheck: HealthcheckConfig | undefined;
  labels: Record<string, string>;
  workdir: string;
  stopSignal: string | undefined;
  os: string;
  architecture: string;
}

export interface HistoryEntry {
  createdBy: string;
  /** Metadata-only instructions (ENV, CMD, ...) make no layer. */
  emptyLayer: boolean;
  comment: string;
}

export interface Layer {
  index: number;
  diffId: string;
  /** Uncompressed bytes. */
  size: number;
  compressedSize: number | undefined;
  /** The instruction that made the layer, from the image history. */
  createdBy: string;
  files: LayerFile[];
  found: Record<string, string[]>;
}

/** Everything goals may ask about a built image, read from the engine. */
export interface ImageFacts {
  ref: string;
  id: string;
  config: ImageConfig;
  history: HistoryEntry[];
  diffIds: string[];
  /** Present when requested (`withLayers`): reading layers may need an export. */
  layers: Layer[] | undefined;
  /** Sum of uncompressed layer sizes, for this platform. */
  size: number | undefined;
  /** Sum of compressed layer blobs, as a registry would store them. */
  compressedSize: number | undefined;
}

export interface FactsOptions {
  withLayers?: boolean;
  /** Strings to search for in every file of every layer (e.g. a planted secret). */
  search?: string[];
  /** Those of `search` made up during this check: layers read before then are not read again for them. */
  fresh?: FreshNeedles;
}

/** Reads config and history (cheap) and, when asked, the layers (cached by diffID). */
export async function imageFacts(ref: string, opts: FactsOptions = {}): Promise<ImageFacts> {
  const image = docker().getImage(ref);
  const [info, apiHistory] = await Promise.all([image.inspect(), image.history() as Promise<ApiHistory[]>]);
  const c = info.Config;
  const config: ImageConfig = {
    user: c.User ?? '',
    cmd: c.Cmd ?? undefined,
    entrypoint: Array.isArray(c.Entrypoint) ? c.Entrypoint : c.Entrypoint ? [c.Entrypoint] : undefined,
    env: Object.fromEntries((c.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
    exposedPorts: Object.keys(c.ExposedPorts ?? {}),
    healthcheck: toHealthcheck(c.Healthcheck),
    labels: c.Labels ?? {},
    workdir: c.WorkingDir || '/',
    stopSignal: (c as { StopSignal?: string }).StopSignal,
    os: info.Os,
    architecture: info.Architecture,
  };
  const diffIds = info.RootFS.Layers ?? [];
  const historyNewestFirst = apiHistory.map((h) => ({ createdBy: h.CreatedBy ?? '', comment: h.Comment ?? '', size: h.Size ?? 0 }));
  const ordered = historyNewestFirst.reverse();

  const facts: ImageFacts = {
    ref, id: info.Id, config, diffIds,
    history: ordered.map((h) => ({ createdBy: h.createdBy, emptyLayer: h.size === 0, comment: h.comment })),
    layers: undefined, size: undefined, compressedSize: undefined,
  };
  if (!opts.withLayers && !opts.search?.length) return facts;

  const needles = opts.search ?? [];
  const shapeKey = hash(JSON.stringify([diffIds, ordered.map((h) => h.createdBy)]));
  const known = await cachedContents(diffIds, needles, opts.fresh);
  let emptyFlags = (await readShape(shapeKey)) ?? shapeFromSizes(ordered, diffIds.length);
  let compressed = await readCompressed(diffIds);
  let contents: LayerContents[];
  // Only what was never read is exported: the layers not known (or without their compressed
  // size), and the config only when the history cannot tell which entries made a layer.
  const wanted = diffIds.filter((d, i) => !known[i] || !compressed.has(d));
  if (wanted.length || !emptyFlags) {
    const exported = await exportImage(ref, needles, opts.fresh, emptyFlags ? { until: wanted } : {});
    contents = diffIds.map((d, i) => exported.layers.get(d) ?? known[i]).filter((l): l is LayerContents => l !== undefined);
    compressed = new Map([...compressed, ...exported.compressedSizes]);
    if (!emptyFlags) {
      const configBlob = [...exported.configs.values()].find((cfg) => sameList(cfg.rootfs.diff_ids, diffIds));
      emptyFlags = configBlob?.history?.map((h) => h.empty_layer === true) ?? ordered.map((h) => h.size === 0);
      await writeShape(shapeKey, emptyFlags);
    }
    await writeCompressed(exported.compressedSizes);
  } else {
    contents = known.filter((l): l is LayerContents => l !== undefined);
  }
  if (contents.length !== diffIds.length) throw new Error(`could not read every layer of ${ref}`);

  facts.history = ordered.map((h, i) => ({ createdBy: h.createdBy, emptyLayer: emptyFlags?.[i] ?? h.size === 0, comment: h.comment }));
  const makers = facts.history.filter((h) => !h.emptyLayer).map((h) => h.createdBy);
  facts.layers = contents.map((l, index) => ({
    index, diffId: l.diffId, size: l.size, compressedSize: compressed.get(l.diffId),
    createdBy: makers[index] ?? '', files: l.files, found: l.found,
  }));
  facts.size = facts.layers.reduce((n, l) => n + l.size, 0);
  const comp = facts.layers.map((l) => l.compressedSize);
  facts.compressedSize = comp.every((s) => s !== undefined) ? comp.reduce<number>((n, s) => n + (s ?? 0), 0) : undefined;
  return facts;
}

interface ApiHistory { CreatedBy?: string; Comment?: string; Size?: number }

function toHealthcheck(h: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number } | undefined): HealthcheckConfig | undefined {
  if (!h?.Test?.length || h.Test[0] === 'NONE') return undefined;
  const ms = (ns: number | undefined): number | undefined => (ns ? ns / 1e6 : undefined);
  return { test: h.Test, intervalMs: ms(h.Interval), timeoutMs: ms(h.Timeout), retries: h.Retries, startPeriodMs: ms(h.StartPeriod) };
}

/** Each layer's contents as read before, where that read answers for every needle. */
async function cachedContents(diffIds: string[], needles: string[], fresh: FreshNeedles | undefined): Promise<(LayerContents | undefined)[]> {
  return Promise.all(diffIds.map(async (d) => {
    const c = await readCachedLayer(d);
    return c && answersFor(c, needles, fresh) ? c : undefined;
  }));
}

/**
 * Which history entries made no layer, from the engine's history alone: an entry that made
 * none always reports size 0, so when exactly as many entries report a size as the image
 * has layers, those are the ones that made them. Undefined when that does not settle it (a
 * layer of size 0): then the image config says.
 */
function shapeFromSizes(history: { size: number }[], layers: number): boolean[] | undefined {
  return history.filter((h) => h.size > 0).length === layers ? history.map((h) => h.size === 0) : undefined;
}

const hash = (s: string): string => createHash('sha256').update(s).digest('hex');
const sameList = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

// Which history entries made no layer depends only on the instructions and the layers;
// remembering it lets a rebuilt image with a new ID skip the export.
async function readShape(key: string): Promise<boolean[] | undefined> {
  try {
    return JSON.parse(await readFile(path.join(stateSubdir('cache', 'shapes'), key), 'utf8')) as boolean[];
  } catch {
    return undefined;
  }
}
async function writeShape(key: string, flags: boolean[]): Promise<void> {
  await writeFile(path.join(stateSubdir('cache', 'shapes'), key), JSON.stringify(flags));
}
async function readCompressed(diffIds: string[]): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const d of diffIds) {
    try {
      m.set(d, Number(await readFile(path.join(stateSubdir('cache', 'compressed'), d.replace(/^sha256:/, '')), 'utf8')));
    } catch { /* unknown until the next export */ }
  }
  return m;
}
async function writeCompressed(sizes: Map<string, number>): Promise<void> {
  for (const [d, n] of sizes) await writeFile(path.join(stateSubdir('cache', 'compressed'), d.replace(/^sha256:/, '')), String(n));
}

/** The filesystem of the final image: layers applied in order, whiteouts honoured. */
export function finalFilesystem(layers: Pick<Layer, 'index' | 'files'>[]): Map<string, LayerFile & { layer: number }> {
  const fs = new Map<string, LayerFile & { layer: number }>();
  for (const layer of layers) {
    // Whiteouts hide lower layers only, so apply them before this layer's own entries.
    for (const f of layer.files) {
      if (!f.opaque && !f.whiteout) continue;
      const prefix = f.path === '/' ? '/' : `${f.path}/`;
      for (const p of [...fs.keys()]) if (p.startsWith(prefix) || (f.whiteout && p === f.path)) fs.delete(p);
    }
    for (const f of layer.files) if (!f.opaque && !f.whiteout) fs.set(f.path, { ...f, layer: layer.index });
  }
  return fs;
}
