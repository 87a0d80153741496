import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stateSubdir } from '../paths.ts';

/**
 * Downloaded and derived artefacts (rootfs tarballs, .debs, node tarballs) live under
 * `.stagecraft/images/` so a second build needs neither the network nor mmdebstrap.
 */
export function imagesDir(...parts: string[]): string {
  return stateSubdir('images', ...parts);
}

export const hooksDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'hooks');

/** Bump when a builder changes what it produces, so old cached artefacts are not reused. */
const BUILDER_REVISION = 1;

/**
 * A short key for an artefact's inputs; it includes the hook scripts, so editing one
 * invalidates what was built with it.
 */
export function cacheKey(inputs: unknown): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ inputs, rev: BUILDER_REVISION }));
  for (const f of readdirSync(hooksDir).sort()) h.update(readFileSync(path.join(hooksDir, f)));
  return h.digest('hex').slice(0, 12);
}

export interface CacheOptions {
  /** Produce again even when a cached copy exists. */
  refresh: boolean;
}

/**
 * Returns `file`, producing it first unless it is cached. `produce` writes to the temporary
 * path it is given; the rename makes a half-written artefact (an interrupted run) invisible.
 * Older artefacts with the same `prefix` in that directory are removed afterwards.
 */
export async function cachedFile(
  file: string,
  opts: CacheOptions & { prefix?: string },
  produce: (tmp: string) => Promise<void>,
): Promise<{ file: string; cached: boolean }> {
  if (!opts.refresh && existsSync(file)) return { file, cached: true };
  // unique per call: two images may ask for the same artefact at once
  const tmp = `${file}.partial-${process.pid}-${randomUUID().slice(0, 8)}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    await produce(tmp);
    rmSync(file, { recursive: true, force: true });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  if (opts.prefix) pruneSiblings(file, opts.prefix);
  return { file, cached: false };
}

function pruneSiblings(keep: string, prefix: string): void {
  const dir = path.dirname(keep);
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (full !== keep && name.startsWith(prefix) && !name.includes('.partial-')) {
      rmSync(full, { recursive: true, force: true });
    }
  }
}

export function fileSize(file: string): number {
  return statSync(file).size;
}
