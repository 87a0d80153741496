import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';

/** What the running mirror daemon records about itself (its pid file). */
export interface DaemonInfo {
  pid: number;
  port: number;
  /** Addresses it listens on: loopback, and the Docker bridge gateway when that is local. */
  hosts: string[];
  /**
   * The address builds reach it at: the bridge gateway; `host-gateway` when the engine runs
   * in a VM; empty when no engine answered at start (then the next check restarts it).
   */
  buildHost: string;
  uplink: string;
  startedAt: string;
}

/** Synchronous on purpose: this is on the hot path of every check and is a few bytes. */
export function readDaemonInfo(file: string): DaemonInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as Partial<DaemonInfo>;
    if (typeof info.pid !== 'number' || typeof info.port !== 'number' || typeof info.buildHost !== 'string') return undefined;
    return info as DaemonInfo;
  } catch {
    return undefined;
  }
}

/** Written whole or not at all, so a reader never sees half a file. */
export async function writeDaemonInfo(file: string, info: DaemonInfo): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(info, null, 2)}\n`);
  await rename(tmp, file);
}
