import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stateSubdir } from '../paths.ts';
import { $ } from 'zx';
import { StagecraftError, isStagecraftError } from '../errors.ts';
import { requireEngine } from '../engine/docker.ts';
import { courseImages, debArch, findImage, type CourseImage, type Platform } from './catalogue.ts';
import { debianArchive, requireArchive, type DebianArchive } from './debian-archive.ts';
import { isStandin, platformsPresent, pull, registryOf } from './local-store.ts';
import { Limiter, Once, Progress } from './progress.ts';
import { prepareStandin, type RecipeContext } from './recipes.ts';
import { requireEmulation, requireMmdebstrap } from './rootfs.ts';
import { buildStandin } from './standin-build.ts';

export { saveImages, loadImages } from './archive.ts';

export type ImageAction = 'present' | 'pulled' | 'built' | 'failed';

export interface ImageResult {
  ref: string;
  action: ImageAction;
  /** A stagecraft stand-in (label org.stagecraft.standin=true), not the upstream image. */
  standin: boolean;
  /** Platforms present locally after the run. */
  platforms: Platform[];
  seconds: number;
  error?: string;
  fix?: string;
}

export interface EnsureOptions {
  /** Only these references (as the catalogue names them; `name` means `name:latest`). */
  only?: string[];
  /** Rebuild stand-ins even when present (upstream images are left alone). */
  rebuild?: boolean;
  /** Also download and derive every artefact again (new Debian security updates, new Node). */
  refresh?: boolean;
  /** Per-platform `docker pull` limit; pulls fail at once where no registry is reachable. */
  pullTimeoutMs?: number;
  onProgress?: (line: string) => void;
}

export interface ImageStatus {
  ref: string;
  present: boolean;
  standin: boolean;
  platforms: string[];
}

function select(only: string[] | undefined): CourseImage[] {
  if (!only?.length) return courseImages;
  return only.map((ref) => {
    const image = findImage(ref);
    if (!image) {
      throw new StagecraftError(
        'usage',
        `${ref} is not an image the course uses.`,
        `Choose one of: ${courseImages.map((i) => i.ref).join(', ')}.`,
      );
    }
    return image;
  });
}

async function requireBuildx(): Promise<void> {
  const r = await $({ quiet: true, nothrow: true })`docker buildx version`;
  if (r.exitCode !== 0) {
    throw new StagecraftError(
      'buildx-missing',
      'docker buildx is missing; stand-in images are built with `docker buildx build`.',
      'Install the buildx plugin (`sudo bash scripts/setup-engine.sh` on Debian; Docker Desktop ships it).',
    );
  }
}

/** Pulls go one registry at a time; a registry that cannot be reached is not asked again. */
class Registries {
  private readonly dead = new Map<string, string>();
  private readonly chains = new Map<string, Promise<unknown>>();

  async pull(ref: string, platforms: Platform[], timeoutMs: number): Promise<string | undefined> {
    const registry = registryOf(ref);
    const prior = this.chains.get(registry) ?? Promise.resolve();
    const attempt = prior.then(async () => {
      const known = this.dead.get(registry);
      if (known) return `${registry} is unreachable (${known})`;
      const failure = await pull(ref, platforms, timeoutMs);
      if (failure && /no such host|dial tcp|i\/o timeout|connection refused|network is unreachable|no answer within|TLS handshake/i.test(failure)) {
        this.dead.set(registry, failure.replace(/^.*?(dial tcp|no answer)/, '$1'));
      }
      return failure;
    });
    this.chains.set(registry, attempt.catch(() => undefined));
    return attempt;
  }
}

/**
 * Makes every image the course names present locally: nothing when it already is, else a
 * `docker pull`, else a faithful stand-in built from Debian packages and the npm registry.
 * Independent images build in parallel within the machine's cores.
 */
export async function ensureImages(opts: EnsureOptions = {}): Promise<ImageResult[]> {
  const images = select(opts.only);
  await requireEngine();
  const progress = new Progress(opts.onProgress);
  const registries = new Registries();
  const once = new Once();
  // one heavy job per core; the short settle lets every image queue before the first starts
  const limiter = new Limiter(Math.max(1, Math.min(os.cpus().length, 4)), 500);
  const cache = { refresh: opts.refresh ?? false };
  const pullTimeoutMs = opts.pullTimeoutMs ?? 20_000;

  // Checked once, and only when something has to be built.
  const buildTools = (): Promise<DebianArchive> =>
    once.get('build-tools', async () => {
      await requireBuildx();
      await requireMmdebstrap();
      return debianArchive();
    });
  const archiveFor = (suite: string): Promise<DebianArchive> =>
    once.get(`archive:${suite}`, async () => {
      const archive = await buildTools();
      await requireArchive(archive, suite);
      return archive;
    });

  async function ensureOne(image: CourseImage, priority: number): Promise<ImageResult> {
    const t0 = Date.now();
    const done = (action: ImageAction, standin: boolean, platforms: Platform[], failure?: StagecraftError): ImageResult => {
      const seconds = (Date.now() - t0) / 1000;
      progress.line(
        action === 'failed'
          ? `${image.ref}: FAILED: ${failure?.message.split('\n')[0] ?? ''}`
          : `${image.ref}: ${action}${standin ? ' (stand-in)' : ''} [${platforms.join(', ')}]`,
      );
      return { ref: image.ref, action, standin, platforms, seconds, error: failure?.message, fix: failure?.fix };
    };
    try {
      const standin = await isStandin(image.ref);
      const present = await platformsPresent(image.ref, image.platforms);
      const complete = present.length === image.platforms.length;
      if (complete && !(opts.rebuild && standin)) return done('present', standin, present);

      if (!(opts.rebuild && standin)) {
        const missing = image.platforms.filter((p) => !present.includes(p));
        const failure = await registries.pull(image.ref, missing, pullTimeoutMs);
        if (!failure) return done('pulled', await isStandin(image.ref), await platformsPresent(image.ref, image.platforms));
        progress.line(`${image.ref}: pull failed (${failure}); building a stand-in`);
      }

      await buildTools();
      for (const p of image.platforms) requireEmulation(debArch(p));
      const ctx: RecipeContext = { cache, progress, limiter, once, priority, archive: archiveFor };
      const build = await prepareStandin(image, ctx);
      await limiter.run(priority, () =>
        progress.step(`${image.ref}: docker buildx build --platform ${image.platforms.join(',')}`, () => buildStandin(build)),
      );
      const after = await platformsPresent(image.ref, image.platforms);
      if (after.length !== image.platforms.length) {
        throw new StagecraftError(
          'images-failed',
          `The stand-in for ${image.ref} was built but the engine lacks ${image.platforms.filter((p) => !after.includes(p)).join(', ')}.`,
          'Check that the engine uses the containerd image store (see scripts/setup-engine.sh).',
        );
      }
      return done('built', true, after);
    } catch (e) {
      if (!isStagecraftError(e)) throw e;
      return done('failed', false, [], e);
    }
  }

  const results = await Promise.all(images.map((image) => ensureOne(image, courseImages.indexOf(image))));
  const built = results.filter((r) => r.action === 'built').length;
  const failed = results.filter((r) => r.action === 'failed').length;
  const total = progress.elapsed().toFixed(1);
  progress.line(
    failed
      ? `${failed} of ${results.length} images failed (${total}s)`
      : built
        ? `all ${results.length} images ready in ${total}s (${built} stand-in${built === 1 ? '' : 's'} built${cache.refresh ? ', nothing cached' : ''})`
        : `all ${results.length} images present (${total}s)`,
  );
  // Benchmarks report the last run that built stand-ins (a cold run, when nothing was cached).
  if (built && !failed) {
    await writeFile(path.join(stateSubdir('images'), 'last-build-run.json'),
      JSON.stringify({ seconds: Number(total), built, refresh: cache.refresh, at: new Date().toISOString() }));
  }
  return results;
}

/** For `stagecraft doctor`: each image, whether it is here (all its platforms) and what it is. */
export async function imageStatus(): Promise<ImageStatus[]> {
  await requireEngine();
  const out: ImageStatus[] = [];
  for (const image of courseImages) {
    const platforms = await platformsPresent(image.ref, [...image.platforms, ...(image.laterPlatforms ?? [])]);
    out.push({
      ref: image.ref,
      present: image.platforms.every((p) => platforms.includes(p)),
      standin: platforms.length > 0 && (await isStandin(image.ref)),
      platforms,
    });
  }
  return out;
}
