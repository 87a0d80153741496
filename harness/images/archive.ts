import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { StagecraftError } from '../errors.ts';
import { requireEngine } from '../engine/docker.ts';
import { courseImages, normaliseRef, type Platform } from './catalogue.ts';
import { isStandin, platformsPresent } from './local-store.ts';

/**
 * Moves the course's images between machines as one `docker save` archive (a workshop's USB
 * stick). With the containerd image store the archive holds each image's whole index, so
 * every platform travels. A name ending in .gz is gzip-compressed (smaller, slower).
 */

export interface ArchiveEntry {
  ref: string;
  standin: boolean;
  platforms: Platform[];
}

const gz = (file: string): boolean => /\.(t?gz|gzip)$/.test(file);

export async function saveImages(file: string): Promise<ArchiveEntry[]> {
  await requireEngine();
  const entries: ArchiveEntry[] = [];
  const missing: string[] = [];
  for (const image of courseImages) {
    const platforms = await platformsPresent(image.ref, image.platforms);
    if (platforms.length !== image.platforms.length) missing.push(image.ref);
    else entries.push({ ref: image.ref, standin: await isStandin(image.ref), platforms });
  }
  if (missing.length) {
    throw new StagecraftError(
      'images-failed',
      `Not every course image is here to save: ${missing.join(', ')} (or some of their platforms).`,
      'Run `stagecraft images` first, then save again.',
    );
  }
  const target = path.resolve(file);
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.partial`;
  // with explicit tags: `docker save repo` would save every tag of repo, some twice
  const refs = entries.map((e) => normaliseRef(e.ref));
  const r = gz(target)
    ? await $({ quiet: true, nothrow: true })`set -o pipefail; docker save ${refs} | gzip -1 > ${tmp}`
    : await $({ quiet: true, nothrow: true })`docker save -o ${tmp} ${refs}`;
  if (r.exitCode !== 0) {
    rmSync(tmp, { force: true });
    throw new StagecraftError('images-failed', `docker save failed: ${r.stderr.trim()}`, 'Check the free space where the archive goes, then try again.');
  }
  renameSync(tmp, target);
  return entries;
}

/** Loads an archive written by saveImages, then checks every course image arrived whole. */
export async function loadImages(file: string): Promise<ArchiveEntry[]> {
  await requireEngine();
  const source = path.resolve(file);
  if (!existsSync(source) || !statSync(source).isFile()) {
    throw new StagecraftError('images-failed', `There is no image archive at ${source}.`, 'Give the file written by `stagecraft images --save FILE`.');
  }
  // docker load reads gzip archives as they are
  const r = await $({ quiet: true, nothrow: true })`docker load -i ${source}`;
  const entries: ArchiveEntry[] = [];
  const incomplete: string[] = [];
  for (const image of courseImages) {
    const platforms = await platformsPresent(image.ref, image.platforms);
    if (platforms.length !== image.platforms.length) incomplete.push(image.ref);
    entries.push({ ref: image.ref, standin: await isStandin(image.ref), platforms });
  }
  // docker load's own status is not the verdict (it has failed to unpack images it had
  // loaded whole): what counts is that every image and platform is usable now.
  if (incomplete.length) {
    throw new StagecraftError(
      'images-failed',
      `After loading ${source}${r.exitCode !== 0 ? ` (docker load: ${r.stderr.trim()})` : ''}, these course images are still missing (or lack platforms): ${incomplete.join(', ')}.`,
      'Save the archive again with `stagecraft images --save FILE` on a machine where `stagecraft images` succeeded.',
    );
  }
  return entries;
}
