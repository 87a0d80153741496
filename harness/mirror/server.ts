/**
 * The mirror daemon's lifecycle: reuse the running one (one ping), else start verdaccio
 * detached so later checks find it, and stop it on request.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { StagecraftError } from '../errors.ts';
import { verdaccioConfig } from './config.ts';
import { readDaemonInfo, type DaemonInfo } from './daemon-file.ts';
import type { DaemonOptions } from './daemon.ts';
import { DAEMON_SCRIPT, hostUrl, LaunchError, launchVerdaccio } from './launch.ts';
import { processAlive, withLock } from './lock.ts';
import { mirrorPaths } from './paths.ts';
import { ping } from './ping.ts';
import { bridgeGateway, upstreamRegistry } from './upstream.ts';

/** verdaccio's usual port; the daemon moves to the next free one when it is taken. */
export const DEFAULT_PORT = 4873;
const START_TIMEOUT_MS = 30_000;

export { hostUrl };

export interface StartOptions {
  onProgress?: (message: string) => void;
  /** Overrides the host's registry as the uplink (tests point it at a closed port). */
  uplink?: string;
  /** Overrides how long metadata is trusted without asking the uplink (tests use `0s`). */
  maxAge?: string;
}

/** The running daemon, started if need be. Fast path: one file read and one ping. */
export async function ensureDaemon(opts: StartOptions = {}): Promise<DaemonInfo> {
  const paths = mirrorPaths();
  const info = readDaemonInfo(paths.daemon);
  if (info && (opts.uplink === undefined || opts.uplink === info.uplink) && (await ping(hostUrl(info)))) {
    // Started while no engine answered (say by `mirror warm`): restart it once one does,
    // so it also listens where builds reach it.
    if (info.buildHost !== '' || !(await bridgeGateway())) return info;
  }

  const locked = withLock(paths.startLock, START_TIMEOUT_MS + 5_000, async () => {
    // Another check may have started it while this one waited for the lock.
    const current = readDaemonInfo(paths.daemon);
    if (current && current.pid !== info?.pid && (opts.uplink === undefined || opts.uplink === current.uplink)) {
      if (await ping(hostUrl(current))) return current;
    }
    if (current) await stopDaemon();
    return startDaemon(opts);
  });
  return locked.catch((e: unknown) => {
    if (e instanceof StagecraftError) throw e;
    throw new StagecraftError('mirror-failed', `The package mirror could not be started: ${e instanceof Error ? e.message : String(e)}.`,
      `See ${paths.log}; \`stagecraft mirror stop\` then \`stagecraft mirror start\` starts it afresh.`);
  });
}

async function startDaemon(opts: StartOptions): Promise<DaemonInfo> {
  const paths = mirrorPaths();
  const started = performance.now();
  opts.onProgress?.('starting the local npm mirror');
  const [uplink, gateway] = await Promise.all([opts.uplink ?? upstreamRegistry(), bridgeGateway()]);
  await writeFile(paths.config, `${JSON.stringify(verdaccioConfig({ storage: paths.storage, uplink, ...(opts.maxAge ? { maxAge: opts.maxAge } : {}) }), null, 2)}\n`);
  await rm(paths.daemon, { force: true });

  const options: DaemonOptions = {
    configFile: paths.config,
    daemonFile: paths.daemon,
    uplink,
    gateway,
    preferredPort: Number(process.env.STAGECRAFT_MIRROR_PORT) || DEFAULT_PORT,
  };
  try {
    // Detached, so it outlives this check for the next ones.
    const info = await launchVerdaccio({ daemon: options, logFile: paths.log, detached: true, timeoutMs: START_TIMEOUT_MS });
    opts.onProgress?.(`npm mirror listening at ${hostUrl(info)} (${Math.round(performance.now() - started)} ms)`);
    return info;
  } catch (e) {
    if (!(e instanceof LaunchError)) throw e;
    throw new StagecraftError('mirror-failed', `The package mirror ${e.message} while starting. Its log ends:\n${e.logTail}`,
      `Fix what the log says (a port or a permission), then run \`stagecraft mirror start\`.`);
  }
}

/**
 * Whether a pid is this project's mirror daemon, so a recycled pid is never signalled.
 * Without /proc (macOS) the recorded port answering verdaccio's ping has to do.
 */
async function isOurDaemon(info: DaemonInfo): Promise<boolean> {
  const cmdline = `/proc/${info.pid}/cmdline`;
  if (existsSync('/proc/self/cmdline')) {
    try {
      return readFileSync(cmdline, 'utf8').includes(DAEMON_SCRIPT);
    } catch {
      return false;
    }
  }
  return ping(hostUrl(info));
}

/** Stops the daemon if one runs; true when one was stopped. */
export async function stopDaemon(): Promise<boolean> {
  const paths = mirrorPaths();
  const info = readDaemonInfo(paths.daemon);
  if (!info) return false;
  let stopped = false;
  if (processAlive(info.pid) && (await isOurDaemon(info))) {
    process.kill(info.pid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (processAlive(info.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (processAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
    stopped = true;
  }
  await rm(paths.daemon, { force: true });
  return stopped;
}

/** The daemon's record if it answers, without starting anything. */
export async function runningDaemon(): Promise<DaemonInfo | undefined> {
  const info = readDaemonInfo(mirrorPaths().daemon);
  return info && (await ping(hostUrl(info))) ? info : undefined;
}
