/**
 * The local npm mirror lab builds are pointed at: verdaccio caching the host's registry,
 * so `npm ci` in an unchanged Dockerfile works where containers cannot reach the registry
 * themselves (TLS interception, or no internet in a workshop once the mirror is warm).
 */
import { mirrorBuildArgs, type BuildArgsOptions } from './build-args.ts';
import { NPMRC_SOURCE } from './derive.ts';
import { MIRROR_HOSTNAME } from './npmrc.ts';
import { mirrorPaths } from './paths.ts';
import { ensureDaemon, hostUrl, runningDaemon, stopDaemon } from './server.ts';
import { cachedPackageCount } from './storage.ts';

export type { BuildArgsOptions } from './build-args.ts';
export { isMirrorVariantTag } from './refs.ts';

/**
 * Whether an image history entry is the one layer the mirror adds under a learner's image
 * (`COPY stagecraft-mirror.npmrc /usr/local/etc/npmrc`), for goals that count layers.
 */
export function isMirrorHistoryEntry(createdBy: string): boolean {
  return createdBy.includes(NPMRC_SOURCE);
}

export interface Mirror {
  /** The registry URL on the host: `http://127.0.0.1:4873/`. */
  url: string;
  /** The registry URL as build steps reach it: `http://stagecraft-mirror:4873/`. */
  buildUrl: string;
  /**
   * Extra `docker buildx build` flags for a Dockerfile whose FROM lines name `baseImages`
   * (named build contexts swapping in the mirror variants, the mirror's host entry).
   * Empty when no base image has npm.
   */
  buildArgs(baseImages: string[], opts?: BuildArgsOptions): Promise<string[]>;
}

export interface EnsureMirrorOptions {
  onProgress?: (message: string) => void;
  /** Overrides the host's npm registry as the mirror's uplink (tests use a closed port). */
  uplink?: string;
  /** Overrides how long cached metadata is trusted without asking the uplink (`0s`). */
  maxAge?: string;
}

/** The running mirror, started in the background on first need. */
export async function ensureMirror(opts: EnsureMirrorOptions = {}): Promise<Mirror> {
  // uplink and maxAge apply when the mirror starts; a running one with another uplink is restarted.
  const info = await ensureDaemon(opts);
  const buildUrl = `http://${MIRROR_HOSTNAME}:${info.port}/`;
  return {
    url: hostUrl(info),
    buildUrl,
    buildArgs: (baseImages, o) => mirrorBuildArgs({ port: info.port, buildUrl, buildHost: info.buildHost }, baseImages, { onProgress: opts.onProgress, ...o }),
  };
}

export interface MirrorStatus {
  running: boolean;
  /** Host-side URL when running. */
  url: string | undefined;
  /** Packages in the mirror's storage (usable offline). */
  packages: number;
  /** The registry it fetches from when running. */
  uplink: string | undefined;
  pid: number | undefined;
  storage: string;
  log: string;
}

export async function mirrorStatus(): Promise<MirrorStatus> {
  const paths = mirrorPaths();
  const [info, packages] = await Promise.all([runningDaemon(), cachedPackageCount(paths.storage)]);
  return { running: info !== undefined, url: info && hostUrl(info), packages, uplink: info?.uplink, pid: info?.pid, storage: paths.storage, log: paths.log };
}

/** Stops the mirror if it runs; true when one was stopped. Its cache is kept. */
export async function stopMirror(): Promise<boolean> {
  return stopDaemon();
}
