import { randomUUID } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { StagecraftError } from '../errors.ts';
import { STANDIN_LABEL, labelArgs, type Labels } from '../engine/labels.ts';
import { docker } from '../engine/docker.ts';
import { imagesDir } from './cache.ts';
import type { CourseImage, Platform } from './catalogue.ts';

export interface StandinBuild {
  image: CourseImage;
  /** The Dockerfile: no `# syntax=` line (that would pull a frontend image). */
  dockerfile: string;
  /** name in the build context -> file on disk (hard-linked, not copied, when possible) */
  files: Record<string, string>;
  /** Extra labels, e.g. the version of what the image ships. */
  labels?: Labels;
  platforms: Platform[];
}

const slug = (ref: string): string => ref.replace(/[^A-Za-z0-9_.-]+/g, '_');

function place(src: string, dest: string): void {
  try {
    linkSync(src, dest);
  } catch {
    copyFileSync(src, dest); // another filesystem
  }
}

/** The labels every stand-in carries: what it stands in for, and where upstream builds it. */
export function standinLabels(image: CourseImage, extra: Labels = {}): Labels {
  return {
    [STANDIN_LABEL]: 'true',
    'org.stagecraft.standin.for': image.ref,
    'org.stagecraft.standin.platforms': image.platforms.join(','),
    'org.opencontainers.image.ref.name': image.ref,
    'org.opencontainers.image.title': `${image.ref} (stagecraft stand-in)`,
    'org.opencontainers.image.description': `Stand-in for ${image.ref}, built by \`stagecraft images\` from Debian packages and the npm registry because no registry answered.`,
    'org.opencontainers.image.source': image.upstream.source,
    'org.opencontainers.image.created': new Date().toISOString(),
    ...extra,
  };
}

/**
 * Builds a stand-in with `docker buildx build --load` (the only way that gives a correct
 * multi-platform image here: `docker import` ignores --platform), then removes the image it
 * replaced if that is now untagged, so rebuilding leaves no dangling images.
 */
export async function buildStandin(build: StandinBuild): Promise<void> {
  const name = slug(build.image.ref);
  // per process: two `stagecraft images` runs may build the same image at once
  const context = path.join(imagesDir('contexts'), `${name}-${process.pid}-${randomUUID().slice(0, 8)}`);
  mkdirSync(context, { recursive: true });
  writeFileSync(path.join(context, 'Dockerfile'), build.dockerfile);
  for (const [inContext, onDisk] of Object.entries(build.files)) place(onDisk, path.join(context, inContext));

  const previous = await docker()
    .getImage(build.image.ref)
    .inspect()
    .then((i) => i.Id)
    .catch(() => undefined);
  const logFile = path.join(imagesDir('logs'), `${name}.build.log`);
  const args = [
    'buildx', 'build',
    '--platform', build.platforms.join(','),
    // attestations would add an unknown/unknown entry to the image index
    '--provenance=false', '--sbom=false',
    '--progress=plain',
    ...labelArgs(standinLabels(build.image, build.labels)),
    '-t', build.image.ref,
    '--load',
    context,
  ];
  const r = await $({ quiet: true, nothrow: true })`docker ${args}`.finally(() =>
    rmSync(context, { recursive: true, force: true }),
  );
  writeFileSync(logFile, `$ docker ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  if (r.exitCode !== 0) {
    const tail = r.stderr.trim().split('\n').slice(-8).join('\n  ');
    throw new StagecraftError(
      'images-failed',
      `Building the stand-in for ${build.image.ref} failed:\n  ${tail}`,
      `The full build log is ${logFile}.`,
    );
  }
  if (previous) await removeIfUntagged(previous);
}

/** Removes an image only when nothing names it any more (never someone's tagged image). */
export async function removeIfUntagged(id: string): Promise<void> {
  try {
    const info = await docker().getImage(id).inspect();
    const tags = (info.RepoTags ?? []).filter((t) => !t.startsWith('moby-dangling@') && t !== '<none>:<none>');
    if (tags.length === 0) await docker().getImage(id).remove({ noprune: false });
  } catch {
    // already gone, or still used by a container: leave it
  }
}
