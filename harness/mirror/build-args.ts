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
import { MIRROR_HOSTNAME, NPMRC_RECIPE } from './npmrc.ts';
import { mirrorPaths } from './paths.ts';
import { platformPresent, probeNpm } from './probe.ts';
import { DEFAULT_PORT } from './server.ts';
import { derivedTag, familiarRef, listedRef } from './refs.ts';

/**
 * Platforms a variant is made for when its base has them: the engine's own, the course's
 * and any a build asks for. A variant lacking one its base has would break a build (or a
 * `FROM --platform=...` stage) that worked with the base.
 */
const COURSE_PLATFORMS = ['linux/amd64', 'linux/arm64'];

export interface BuildArgsOptions {
  /** The build's `--platform` list, when it names platforms beyond the course's. */
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
      const candidates = [...new Set([await enginePlatform(), ...COURSE_PLATFORMS, ...platforms])];
      for (const b of bases) {
        const rec = s.derived[b.ref];
        if (s.noNpm[b.image.Id] || (recordFits(rec, b, endpoint.buildUrl, platforms) && (await present(rec)))) continue;
        await prepare(b, s, tagOf(b.ref), endpoint.buildUrl, candidates, opts);
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
  if (!endpoint.buildHost) {
    throw new StagecraftError('mirror-failed', 'The package mirror was started while no Docker engine answered, so builds cannot reach it.',
      'Run `stagecraft mirror stop`, then check again.');
  }
  // The variant's label would otherwise be inherited by the learner's image.
  args.push('--add-host', `${MIRROR_HOSTNAME}:${endpoint.buildHost}`, '--label', `${MIRROR_BASE_LABEL}=false`);
  return args;
}

/** Stage names are not images; `scratch` and unresolved `$ARG`s have nothing to swap. */
function usable(ref: string): boolean {
  return ref !== '' && ref !== 'scratch' && !ref.includes('$');
}

function recordFits(rec: DerivedRecord | undefined, b: Base, registry: string, platforms: string[]): rec is DerivedRecord {
  return rec !== undefined && rec.baseId === b.image.Id && rec.registry === registry && rec.recipe === NPMRC_RECIPE
    && Array.isArray(rec.probed) && platforms.every((p) => rec.probed.includes(p));
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
    throw new StagecraftError('mirror-failed', `Could not list base images: ${e instanceof Error ? e.message : String(e)}.`, 'Run `stagecraft doctor`, then try again.');
  }
}

/** Probes the base for npm and builds its variant, recording either outcome in `s`. */
async function prepare(b: Base, s: DerivedState, tag: string, registry: string, candidates: string[], opts: BuildArgsOptions): Promise<void> {
  const site = await probeNpm(b.image.Id, b.ref);
  if (!site) {
    s.noNpm[b.image.Id] = true;
    return;
  }
  opts.onProgress?.(`preparing ${b.ref} for the package mirror`);
  const platforms: string[] = [];
  for (const p of candidates) if (await platformPresent(b.ref, p)) platforms.push(p);
  const previous = s.derived[b.ref];
  const imageId = await deriveImage({ ref: b.ref, baseLabels: b.image.Labels ?? {}, tag, registry, platforms, site });
  s.derived[b.ref] = { baseId: b.image.Id, tag, imageId, registry, recipe: NPMRC_RECIPE, platforms, probed: candidates };
  if (previous && previous.imageId !== imageId) await removeSuperseded(previous, tag);
}

/**
 * The variant a new one replaced: untagged now, or still tagged for an old port. Removed
 * only if still what this record made (another mirror may have made that tag since).
 */
async function removeSuperseded(previous: DerivedRecord, tag: string): Promise<void> {
  const ref = previous.tag === tag ? previous.imageId : previous.tag;
  const id = await docker().getImage(ref).inspect().then((i) => i.Id, () => undefined);
  if (id === previous.imageId) await docker().getImage(ref).remove().catch(() => undefined);
}

function asMirrorError(e: unknown): never {
  if (e instanceof StagecraftError) throw e;
  throw new StagecraftError('mirror-failed', `Could not prepare base images for the package mirror: ${e instanceof Error ? e.message : String(e)}.`,
    'Run `stagecraft doctor`, then try again.');
}
