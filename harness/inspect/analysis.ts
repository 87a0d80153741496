/**
 * The learner's view of an image (`stagecraft inspect`): layers and the instruction that
 * made each, the largest files, the bytes wasted by files a later layer overwrites or
 * deletes, and what `docker run` will do. Pure: it reads facts the harness already has.
 */
import { instruction } from '../checks/format.ts';
import { finalFilesystem, type HealthcheckConfig, type ImageFacts, type Layer } from './image-facts.ts';
import type { LayerFile } from './layer-contents.ts';
import type { PlatformVariant } from './platforms.ts';

/** A path that more than one layer holds (dive's "inefficiency"). */
export interface Inefficiency {
  path: string;
  /** How many layers hold (or delete) it. */
  count: number;
  /** The bytes all of those copies take, together (what dive adds to "wasted"). */
  cumulativeSize: number;
  /** The layers, by index. */
  layers: number[];
}

export interface Efficiency {
  /** dive's image efficiency score: 1 when no byte is stored twice or deleted later. */
  score: number;
  /** dive's wasted bytes: the cumulative size of every path more than one layer holds. */
  wastedBytes: number;
  /** Largest first. */
  inefficiencies: Inefficiency[];
  /**
   * Not dive's: bytes of files stored in some layer but not in the final filesystem
   * (overwritten or deleted later, whole directories included). They still cost disk and pulls.
   */
  hiddenBytes: number;
}

interface PathData {
  count: number;
  cumulative: number;
  min: number;
  layers: number[];
}

/**
 * The image efficiency score and wasted bytes exactly as dive defines them
 * (dive/filetree/efficiency.go): in each layer, visit every leaf entry (a file, an empty
 * directory, a link, a whiteout). A whiteout of a directory counts the bytes that directory
 * held in the layers below; any other entry counts its own size. Per path, add up those
 * sizes and keep the smallest. Score = sum of smallest / sum of all; wasted = the summed
 * sizes of paths met in two or more layers. Like dive, opaque-directory markers are not
 * entries, and a deleted directory's files count only at the directory's path.
 */
export function efficiency(layers: readonly { files: readonly LayerFile[] }[]): Efficiency {
  const byPath = new Map<string, PathData>();
  // The layers below the current one, stacked (dive's StackTreeRange): for whiteout sizes.
  const stacked = new Map<string, LayerFile>();

  layers.forEach((layer, index) => {
    const entries = layer.files.filter((f) => !f.opaque && f.path !== '/');
    const parents = new Set<string>();
    for (const f of entries) {
      for (let cut = f.path.lastIndexOf('/'); cut > 0; cut = f.path.lastIndexOf('/', cut - 1)) parents.add(f.path.slice(0, cut));
    }
    for (const f of entries) {
      if (parents.has(f.path)) continue; // a directory with entries of this layer under it: not a leaf
      const size = f.whiteout ? deletedBytes(stacked, f.path) : f.size;
      const data = byPath.get(f.path);
      if (!data) byPath.set(f.path, { count: 1, cumulative: size, min: size, layers: [index] });
      else {
        data.count++;
        data.cumulative += size;
        data.min = Math.min(data.min, size);
        data.layers.push(index);
      }
    }
    for (const f of entries) {
      if (!f.whiteout) continue;
      for (const p of [...stacked.keys()]) if (p === f.path || p.startsWith(`${f.path}/`)) stacked.delete(p);
    }
    for (const f of entries) if (!f.whiteout) stacked.set(f.path, f);
  });

  let minimum = 0;
  let discovered = 0;
  const inefficiencies: Inefficiency[] = [];
  for (const [path, d] of byPath) {
    minimum += d.min;
    discovered += d.cumulative;
    if (d.count >= 2) inefficiencies.push({ path, count: d.count, cumulativeSize: d.cumulative, layers: d.layers });
  }
  inefficiencies.sort((a, b) => b.cumulativeSize - a.cumulativeSize || a.path.localeCompare(b.path));
  const stored = layers.reduce((n, l) => n + l.files.reduce((m, f) => m + (f.whiteout || f.opaque ? 0 : f.size), 0), 0);
  const visible = [...finalFilesystem(layers.map((l, index) => ({ index, files: [...l.files] }))).values()].reduce((n, f) => n + f.size, 0);
  return {
    score: discovered === 0 ? 1 : minimum / discovered,
    wastedBytes: inefficiencies.reduce((n, i) => n + i.cumulativeSize, 0),
    inefficiencies,
    hiddenBytes: stored - visible,
  };
}

/** What a whiteout deletes, as dive sizes it: a directory's bytes below; a file counts 0. */
function deletedBytes(stacked: Map<string, LayerFile>, path: string): number {
  if (stacked.get(path)?.type !== 'dir') return 0;
  let total = 0;
  for (const [p, f] of stacked) if (p === path || p.startsWith(`${path}/`)) total += f.size;
  return total;
}

export interface LargestFile {
  path: string;
  size: number;
  /** The layer the final copy comes from. */
  layer: number;
}

/** The biggest regular files of the final filesystem (whiteouts applied). */
export function largestFiles(layers: Layer[], count = 10): LargestFile[] {
  return [...finalFilesystem(layers).values()]
    .filter((f) => f.type === 'file')
    .sort((a, b) => b.size - a.size || a.path.localeCompare(b.path))
    .slice(0, count)
    .map((f) => ({ path: f.path, size: f.size, layer: f.layer }));
}

export type LayerOrigin = 'base' | 'harness' | 'dockerfile';

export interface LayerView {
  index: number;
  diffId: string;
  /** Uncompressed bytes. */
  size: number;
  compressedSize: number | undefined;
  /** The instruction as written (from the image history). */
  instruction: string;
  /** From the base image, added by the harness (the package mirror's npm config), or by the Dockerfile. */
  origin: LayerOrigin;
}

export interface PlatformView {
  platform: string;
  layers: number;
  size: number;
  wastedBytes: number;
}

export interface ImageAnalysis {
  ref: string;
  /** `linux/amd64`: the platform the config and layers below are for. */
  platform: string;
  /** Sum of the layers' uncompressed sizes. */
  size: number;
  /** Sum of the compressed layer blobs, when every one is known. */
  compressedSize: number | undefined;
  layers: LayerView[];
  /** The Dockerfile's instructions that made no layer (ENV, CMD, USER...), oldest first. */
  metadataInstructions: string[];
  largestFiles: LargestFile[];
  efficiency: Efficiency;
  config: {
    user: string;
    entrypoint: string[] | undefined;
    cmd: string[] | undefined;
    exposedPorts: string[];
    healthcheck: HealthcheckConfig | undefined;
    workdir: string;
  };
  /** Each platform of a multi-platform image. */
  platforms: PlatformView[] | undefined;
}

export interface AnalysisOptions {
  /** The base image's diffIDs: layers that start the image with exactly these are `base`. */
  baseDiffIds?: string[];
  /** How many history entries the base image has (they come first). */
  baseHistoryLength?: number;
  /** Recognises a history entry the harness added (the package mirror's). */
  isHarnessLayer?: (createdBy: string) => boolean;
  platforms?: PlatformVariant[];
  /** How many largest files and inefficiencies to keep. */
  top?: number;
}

/** Everything `inspect` shows, from facts read with layers. */
export function analyseImage(facts: ImageFacts, opts: AnalysisOptions = {}): ImageAnalysis {
  const layers = facts.layers;
  if (!layers) throw new Error('analyseImage needs the image facts with layers');
  const top = opts.top ?? 10;
  const base = opts.baseDiffIds ?? [];
  let baseCount = 0;
  while (baseCount < base.length && layers[baseCount]?.diffId === base[baseCount]) baseCount++;
  const eff = efficiency(layers);
  const c = facts.config;
  return {
    ref: facts.ref,
    platform: `${c.os}/${c.architecture}`,
    size: layers.reduce((n, l) => n + l.size, 0),
    compressedSize: facts.compressedSize,
    layers: layers.map((l) => ({
      index: l.index, diffId: l.diffId, size: l.size, compressedSize: l.compressedSize,
      instruction: instruction(l.createdBy) || '(no history entry)',
      origin: l.index < baseCount ? 'base' : opts.isHarnessLayer?.(l.createdBy) ? 'harness' : 'dockerfile',
    })),
    metadataInstructions: facts.history.slice(opts.baseHistoryLength ?? 0).filter((h) => h.emptyLayer).map((h) => instruction(h.createdBy)),
    largestFiles: largestFiles(layers, top),
    efficiency: { ...eff, inefficiencies: eff.inefficiencies.slice(0, top) },
    config: { user: c.user, entrypoint: c.entrypoint, cmd: c.cmd, exposedPorts: c.exposedPorts, healthcheck: c.healthcheck, workdir: c.workdir },
    platforms: opts.platforms?.map((p) => ({ platform: p.platform, layers: p.layers.length, size: p.size, wastedBytes: efficiency(p.layers).wastedBytes })),
  };
}
