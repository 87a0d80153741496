import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { docker } from '../engine/docker.ts';
import { labelArgs, MANAGED_LABEL, STANDIN_LABEL, type Labels } from '../engine/labels.ts';
import { StagecraftError } from '../errors.ts';
import { mirrorNpmrc } from './npmrc.ts';
import type { NpmConfigSite } from './probe.ts';

export const MIRROR_BASE_LABEL = 'org.stagecraft.mirror-base';
/** The file name shows in the variant's history: `COPY stagecraft-mirror.npmrc ...`. */
export const NPMRC_SOURCE = 'stagecraft-mirror.npmrc';

export interface DeriveRequest {
  /** The base as FROM names it (short form). */
  ref: string;
  /** The base's own labels, some of which must not carry over to the variant. */
  baseLabels: Labels;
  tag: string;
  registry: string;
  platforms: string[];
  site: NpmConfigSite;
}

/**
 * Builds the mirror variant of a base image: the base plus one file, npm's global config
 * pointing at the mirror. Only a COPY, so other platforms need no emulation.
 */
export async function deriveImage(req: DeriveRequest): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-mirror-base-'));
  try {
    await writeFile(path.join(dir, NPMRC_SOURCE), mirrorNpmrc(req.registry, req.site.existing));
    await writeFile(path.join(dir, 'Dockerfile'), `FROM ${req.ref}\nCOPY ${JSON.stringify([NPMRC_SOURCE, req.site.globalconfig])}\n`);
    const labels: Labels = { [MANAGED_LABEL]: 'true', [MIRROR_BASE_LABEL]: 'true' };
    // A variant is not a stand-in: it must not inherit the "keep me" label of one.
    if (req.baseLabels[STANDIN_LABEL] === 'true') labels[STANDIN_LABEL] = 'false';
    const out = await $({ quiet: true, nothrow: true })`docker buildx build --progress=plain --provenance=false --load --platform ${req.platforms.join(',')} -t ${req.tag} ${labelArgs(labels)} ${dir}`;
    if (out.exitCode !== 0) {
      const why = out.stderr.split('\n').filter((l) => l.startsWith('ERROR')).join(' ') || out.stderr.trim().split('\n').slice(-3).join(' ');
      throw new StagecraftError('mirror-failed', `Could not prepare ${req.ref} for the package mirror (${req.platforms.join(', ')}): ${why}`,
        `Check that ${req.ref} exists for those platforms (\`stagecraft images\` builds stand-ins), then try again.`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return (await docker().getImage(req.tag).inspect()).Id;
}

/** The engine's own platform, which every variant covers ($BUILDPLATFORM stages use it). */
export async function enginePlatform(): Promise<string> {
  const v = await docker().version();
  return `${v.Os}/${v.Arch}`;
}
