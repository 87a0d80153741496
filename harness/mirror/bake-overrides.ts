/**
 * The mirror's `docker buildx build` flags, as `docker buildx bake --set` overrides.
 *
 * Bake (buildx 0.13) takes named contexts (`*.contexts.NAME=...`) and labels, but has no
 * `extra-hosts`, so `--add-host stagecraft-mirror:ADDRESS` cannot reach RUN steps. Instead
 * each mirror variant gets an "addressed" twin: the variant plus an npm global config that
 * names the mirror by address. Twins are kept (like variants, under `stagecraft-mirror/`)
 * and recorded in `.stagecraft/mirror/addressed.json`, so bake builds reuse the cache from
 * one check to the next; a twin is made again when its variant or the address changes.
 */
import { mkdtemp, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { docker } from '../engine/docker.ts';
import { labelArgs, MANAGED_LABEL } from '../engine/labels.ts';
import { StagecraftError } from '../errors.ts';
import { enginePlatform, MIRROR_BASE_LABEL, NPMRC_SOURCE } from './derive.ts';
import { withLock } from './lock.ts';
import { MIRROR_HOSTNAME } from './npmrc.ts';
import { mirrorPaths } from './paths.ts';
import { platformPresent, probeNpm } from './probe.ts';

export interface BakeMirror {
  /** Named contexts: base image -> `docker-image://...` of its addressed twin (or as given). */
  contexts: Record<string, string>;
  labels: Record<string, string>;
}

interface Twin { variantId: string; address: string; tag: string; imageId: string }
type TwinState = Record<string, Twin>;

/** Parses the flags `Mirror.buildArgs()` returns; any other flag is refused (bake could not take it). */
export function parseMirrorFlags(flags: string[]): { contexts: Record<string, string>; hosts: Record<string, string>; labels: Record<string, string> } {
  const out = { contexts: {} as Record<string, string>, hosts: {} as Record<string, string>, labels: {} as Record<string, string> };
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i] ?? '';
    const value = flags[i + 1] ?? '';
    const split = (sep: string): [string, string] => {
      const at = value.indexOf(sep);
      return at < 0 ? [value, ''] : [value.slice(0, at), value.slice(at + 1)];
    };
    if (flag === '--build-context') { const [k, v] = split('='); out.contexts[k] = v; i++; }
    else if (flag === '--add-host') { const [k, v] = split(':'); out.hosts[k] = v; i++; }
    else if (flag === '--label') { const [k, v] = split('='); out.labels[k] = v; i++; }
    else throw new Error(`the build flag ${flag} has no docker buildx bake equivalent`);
  }
  return out;
}

/** `*.contexts.NAME=VALUE` and `*.labels.KEY=VALUE` overrides. */
export function bakeSets(m: BakeMirror): string[] {
  return [
    ...Object.entries(m.contexts).map(([k, v]) => `*.contexts.${k}=${v}`),
    ...Object.entries(m.labels).map(([k, v]) => `*.labels.${k}=${v}`),
  ];
}

const stateFile = (): string => path.join(mirrorPaths().dir, 'addressed.json');

async function readState(): Promise<TwinState> {
  try {
    return JSON.parse(await readFile(stateFile(), 'utf8')) as TwinState;
  } catch {
    return {};
  }
}

async function imageId(ref: string): Promise<string | undefined> {
  return docker().getImage(ref).inspect().then((i) => i.Id, () => undefined);
}

/** Translates the mirror's build flags for bake, making addressed twins where needed. */
export async function mirrorForBake(flags: string[]): Promise<BakeMirror> {
  const parsed = parseMirrorFlags(flags);
  // `host-gateway` is resolved by the engine for --add-host only; in a file, Docker Desktop's
  // own name for the host is what resolves (untested here: the course's engine is on Linux).
  const mapped = parsed.hosts[MIRROR_HOSTNAME];
  const address = mapped === 'host-gateway' ? 'host.docker.internal' : mapped;
  const extra = Object.keys(parsed.hosts).filter((h) => h !== MIRROR_HOSTNAME);
  if (extra.length) throw new Error(`docker buildx bake 0.13 cannot map the host names ${extra.join(', ')}`);
  const contexts: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.contexts)) {
    const variant = value.startsWith('docker-image://') ? value.slice('docker-image://'.length) : undefined;
    contexts[name] = variant && address ? `docker-image://${await addressedTwin(variant, address)}` : value;
  }
  return { contexts, labels: parsed.labels };
}

async function addressedTwin(variant: string, address: string): Promise<string> {
  const variantId = await imageId(variant);
  if (!variantId) throw new Error(`the mirror variant ${variant} is not in the engine`);
  const fits = async (t: Twin | undefined): Promise<boolean> => t !== undefined && t.variantId === variantId && t.address === address && (await imageId(t.tag)) === t.imageId;
  const known = (await readState())[variant];
  if (await fits(known)) return known?.tag ?? '';
  return withLock(path.join(mirrorPaths().dir, 'addressed.lock'), 5 * 60_000, async () => {
    const state = await readState();
    const again = state[variant];
    if (await fits(again)) return again?.tag ?? '';
    const tag = `${variant}-at-${address}`;
    state[variant] = { variantId, address, tag, imageId: await buildTwin(variant, address, tag) };
    const tmp = `${stateFile()}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
    await rename(tmp, stateFile());
    return tag;
  });
}

/** The variant with its npm config's mirror host name replaced by the address. */
async function buildTwin(variant: string, address: string, tag: string): Promise<string> {
  const site = await probeNpm(variant, variant);
  const needle = `//${MIRROR_HOSTNAME}:`;
  if (!site || !site.existing.includes(needle)) {
    throw new StagecraftError('mirror-failed', `The mirror variant ${variant} has no npm config naming ${MIRROR_HOSTNAME}.`, 'Run `stagecraft mirror stop`, then check again.');
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-mirror-twin-'));
  try {
    const npmrc = path.join(dir, NPMRC_SOURCE);
    await writeFile(npmrc, site.existing.replaceAll(needle, `//${address}:`));
    // A fixed mtime: the file's own tar entry is then the same each time a twin is made.
    await utimes(npmrc, 0, 0);
    await writeFile(path.join(dir, 'Dockerfile'), `FROM ${variant}\nCOPY ${JSON.stringify([NPMRC_SOURCE, site.globalconfig])}\n`);
    const platforms: string[] = [];
    for (const p of [...new Set([await enginePlatform(), 'linux/amd64', 'linux/arm64'])]) if (await platformPresent(variant, p)) platforms.push(p);
    const labels = { [MANAGED_LABEL]: 'true', [MIRROR_BASE_LABEL]: 'true' };
    const out = await $({ quiet: true, nothrow: true })`docker buildx build --progress=plain --provenance=false --load --platform ${platforms.join(',')} -t ${tag} ${labelArgs(labels)} ${dir}`;
    if (out.exitCode !== 0) {
      throw new StagecraftError('mirror-failed', `Could not prepare ${variant} for bake builds: ${out.stderr.trim().split('\n').slice(-2).join(' ')}`, 'Run `stagecraft doctor`, then try again.');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const id = await imageId(tag);
  if (!id) throw new Error(`the addressed mirror variant ${tag} was built but is not in the engine`);
  return id;
}
