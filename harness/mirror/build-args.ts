/**
 * Extra `docker buildx build` flags that make npm inside a build use the mirror, with the
 * learner's Dockerfile unchanged: each base image with npm is swapped, through a named
 * build context, for its mirror variant (the base plus an npm global config).
 */
import type { ImageInfo } from 'dockerode';
import { docker, requireEngine } from '../engine/docker.ts';
import { StagecraftError } from '../errors.ts';
import { deriveImage, enginePlatform, MIRROR_BASE_LABEL } from './derive.ts';
import { readDerivedState, writeDerivedState, type DerivedRecord, type DerivedState } from './derived-state.ts';
import { withLock } from './lock.ts';
import { MIRROR_HOSTNAME } from './npmrc.ts';
import { mirrorPaths } from './paths.ts';
import { probeNpm } from './probe.ts';
import { DEFAULT_PORT } from './server.ts';
import { derivedTag, familiarRef, listedRef } from './refs.ts';

export interface BuildArgsOptions {
  /** The build's `--platform` list; variants then cover these too. Default: the engine's. */
  platforms?: string[];
  onProgress?: (message: string) => void;
}

export interface MirrorEndpoint {
  port: number;
  /** The registry URL as build steps see it: `http://stagecraft-mirror:4873/`. */
  buildUrl: string;
  /** What `stagecraft-mirror` resolves to in build steps (bridge gateway or `host-gateway`). */
  buildHost: string;
}

interface Base {
  ref: string;
  image: ImageInfo;
}

/** Fast path: one engine call (a filtered image list) and one small file read. */
export async function mirrorBuildArgs(endpoint: MirrorEndpoint, baseImages: string[], opts: BuildArgsOptions = {}): Promise<string[]> {
  const refs = [...new Set(baseImages.filter(usable).map(familiarRef))];
  if (refs.length === 0) return [];
  const paths = mirrorPaths();
  const platforms = opts.platforms ?? [];

  const tagOf = (ref: string): string => derivedTag(ref, endpoint.port, DEFAULT_PORT);
  const images = await listImages([...refs.map(listedRef), ...refs.map(tagOf)]);
  const state = readDerivedState(paths.derived);
  const bases: Base[] = [];
  for (const ref of refs) {
    const image = images.find((i) => i.RepoTags?.includes(listedRef(ref)));
    // A base that is not here needs no variant: the build reports it missing itself.
    if (image) bases.push({ ref, image });
  }
  const isFresh = (b: Base, s: DerivedState): boolean => {
    const rec = s.derived[b.ref];
    return s.noNpm[b.image.Id] === true || (rec !== undefined && recordFits(rec, b, endpoint.buildUrl, platforms)
      && images.some((i) => i.Id === rec.imageId && i.RepoTags?.includes(rec.tag)));
  };

  let current = state;
  if (!bases.every((b) => isFresh(b, state))) {
    current = await withLock(paths.deriveLock, 5 * 60_000, async () => {
      // Another check may have made the variants while this one waited.
      const s = readDerivedState(paths.derived);
      const native = await enginePlatform();
      for (const b of bases) {
        const rec = s.derived[b.ref];
        if (s.noNpm[b.image.Id] || (recordFits(rec, b, endpoint.buildUrl, platforms) && (await present(rec)))) continue;
        await prepare(b, s, tagOf(b.ref), endpoint.buildUrl, union(native, platforms, rec), opts);
      }
      await writeDerivedState(paths.derived, s);
      return s;
    }).catch(asMirrorError);
  }

  const args: string[] = [];
  for (const b of bases) {
    const rec = current.derived[b.ref];
    if (current.noNpm[b.image.Id] || !rec) continue;
    args.push('--build-context', `${b.ref}=docker-image://${rec.tag}`);
  }
  if (args.length === 0) return [];
  // The variant's label would otherwise be inherited by the learner's image.
  args.push('--add-host', `${MIRROR_HOSTNAME}:${endpoint.buildHost}`, '--label', `${MIRROR_BASE_LABEL}=false`);
  return args;
}

/** Stage names are not images; `scratch` and unresolved `$ARG`s have nothing to swap. */
function usable(ref: string): boolean {
  return ref !== '' && ref !== 'scratch' && !ref.includes('$');
}

function recordFits(rec: DerivedRecord | undefined, b: Base, registry: string, platforms: string[]): rec is DerivedRecord {
  return rec !== undefined && rec.baseId === b.image.Id && rec.registry === registry && platforms.every((p) => rec.platforms.includes(p));
}

function union(native: string, platforms: string[], rec: DerivedRecord | undefined): string[] {
  return [...new Set([native, ...platforms, ...(rec?.platforms ?? [])])];
}

async function present(rec: DerivedRecord): Promise<boolean> {
  try {
    return (await docker().getImage(rec.tag).inspect()).Id === rec.imageId;
  } catch {
    return false;
  }
}

async function listImages(references: string[]): Promise<ImageInfo[]> {
  try {
    return await docker().listImages({ filters: JSON.stringify({ reference: references }) });
  } catch (e) {
    await requireEngine();
    throw e;
  }
}

/** Probes the base for npm and builds its variant, recording either outcome in `s`. */
async function prepare(b: Base, s: DerivedState, tag: string, registry: string, platforms: string[], opts: BuildArgsOptions): Promise<void> {
  const site = await probeNpm(b.image.Id, b.ref);
  if (!site) {
    s.noNpm[b.image.Id] = true;
    return;
  }
  opts.onProgress?.(`preparing ${b.ref} for the package mirror`);
  const previous = s.derived[b.ref];
  const imageId = await deriveImage({ ref: b.ref, baseLabels: b.image.Labels ?? {}, tag, registry, platforms, site });
  s.derived[b.ref] = { baseId: b.image.Id, tag, imageId, registry, platforms };
  // A superseded variant is untagged now (or still tagged for an old port): remove it.
  if (previous && previous.imageId !== imageId) {
    const old = previous.tag === tag ? previous.imageId : previous.tag;
    await docker().getImage(old).remove().catch(() => undefined);
  }
}

function asMirrorError(e: unknown): never {
  if (e instanceof StagecraftError) throw e;
  throw new StagecraftError('mirror-failed', `Could not prepare base images for the package mirror: ${e instanceof Error ? e.message : String(e)}.`,
    'Run `stagecraft doctor`, then try again.');
}
