import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { docker } from '../engine/docker.ts';
import { lintDockerfile, type BaseImageInfo } from './lint.ts';
import type { LintFinding } from './rules.ts';

/**
 * Lints a build context as a build would see it: its Dockerfile, its .dockerignore, and the
 * environment of each base image the engine has (so UndefinedVar knows `$PATH` from
 * `$PAHT`). Without an engine it still lints, saying nothing about base image variables.
 */
export async function lintBuildContext(contextDir: string, baseImages: string[]): Promise<LintFinding[]> {
  const text = await readFile(path.join(contextDir, 'Dockerfile'), 'utf8');
  const dockerignore = await readFile(path.join(contextDir, '.dockerignore'), 'utf8').catch(() => undefined);
  const bases = await baseImageInfo(baseImages);
  return lintDockerfile(text, { ...(dockerignore !== undefined ? { dockerignore } : {}), baseImage: (ref) => bases.get(ref) });
}

/** Env and SHELL of each image in the local store; images (or an engine) not there are left out. */
export async function baseImageInfo(refs: string[]): Promise<Map<string, BaseImageInfo>> {
  const out = new Map<string, BaseImageInfo>();
  await Promise.all([...new Set(refs)].map(async (ref) => {
    try {
      const config = (await docker().getImage(ref).inspect()).Config as { Env?: string[] | null; Shell?: string[] | null };
      const env = Object.fromEntries((config.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      out.set(ref, { env, ...(config.Shell?.length ? { shell: config.Shell } : {}) });
    } catch { /* unknown: UndefinedVar stays quiet about that stage */ }
  }));
  return out;
}
