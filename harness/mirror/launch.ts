/**
 * Starts `daemon.ts` (verdaccio on loopback and the Docker bridge gateway) as a child process
 * and waits until it answers. The package mirror runs it detached, to outlive the check; a
 * lesson's own registry runs it attached, to end with the process that started it.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../paths.ts';
import { readDaemonInfo, type DaemonInfo } from './daemon-file.ts';
import type { DaemonOptions } from './daemon.ts';
import { ping } from './ping.ts';

export const DAEMON_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'daemon.ts');
const START_TIMEOUT_MS = 30_000;

export interface LaunchOptions {
  daemon: DaemonOptions;
  /** verdaccio's output goes here (appended). */
  logFile: string;
  /**
   * true: its own session, outliving this process (the mirror). false: an IPC channel
   * it watches, so it exits when this process does, however that happens.
   */
  detached: boolean;
  timeoutMs?: number;
}

/** Why a daemon did not come up, with the end of its log. */
export class LaunchError extends Error {
  readonly exitCode: number | null | undefined;
  readonly logTail: string;
  constructor(exitCode: number | null | undefined, timeoutMs: number, logTail: string) {
    super(exitCode === undefined ? `did not answer within ${timeoutMs / 1000} s` : `exited (code ${exitCode})`);
    this.exitCode = exitCode;
    this.logTail = logTail;
  }
}

export function hostUrl(info: DaemonInfo): string {
  return `http://127.0.0.1:${info.port}/`;
}

/** Spawns the daemon and resolves with its record once its ping answers. */
export async function launchVerdaccio(opts: LaunchOptions): Promise<DaemonInfo> {
  const timeoutMs = opts.timeoutMs ?? START_TIMEOUT_MS;
  const log = openSync(opts.logFile, 'a');
  // No pipes to us; the environment (CA trust, proxies) is the host's, which is how the
  // mirror reaches the registry.
  const child = spawn(process.execPath, ['--import', 'tsx', DAEMON_SCRIPT, JSON.stringify(opts.daemon)], {
    cwd: repoRoot,
    detached: opts.detached,
    stdio: opts.detached ? ['ignore', log, log] : ['ignore', log, log, 'ipc'],
    env: process.env,
  });
  closeSync(log);
  let exited: number | null | undefined;
  child.once('exit', (code) => { exited = code; });
  child.unref();
  // The channel must not keep this process alive either; it only tells the child we are gone.
  child.channel?.unref();

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    if (exited !== undefined) break;
    const info = readDaemonInfo(opts.daemon.daemonFile);
    if (info && info.pid === child.pid && (await ping(hostUrl(info)))) return info;
  }
  if (exited === undefined && child.pid) process.kill(child.pid, 'SIGKILL');
  throw new LaunchError(exited, timeoutMs, await logTail(opts.logFile));
}

export async function logTail(file: string, lines = 8): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
