import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { recordProcesses, stopProcesses } from '../engine/processes.ts';

/**
 * A private image registry on a loopback port, for a check's registry cache exports and
 * imports. Docker treats registries on 127.0.0.0/8 as insecure (plain HTTP) by default,
 * so neither the engine nor BuildKit needs configuring. Its storage is a temp folder,
 * removed with it.
 */
export interface LocalRegistry {
  /** `127.0.0.1:PORT`, the host part of image references. */
  address: string;
  port: number;
  stop(): Promise<void>;
}

/** Debian's package ships the distribution registry as `docker-registry`; upstream calls it `registry`. */
const PROGRAMS = ['docker-registry', 'registry'];

export class RegistryUnavailable extends Error {}

async function findProgram(): Promise<string | undefined> {
  for (const name of PROGRAMS) {
    const out = await $({ nothrow: true, quiet: true })`sh -c ${`command -v ${name}`}`;
    if (out.exitCode === 0 && out.stdout.trim()) return out.stdout.trim();
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function answers(address: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(1000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Starts a registry on a free loopback port; `sessionId` lets `stagecraft clean` find it if the check dies. */
export async function startRegistry(sessionId: string): Promise<LocalRegistry> {
  const program = await findProgram();
  if (!program) {
    throw new RegistryUnavailable('No container registry program is installed (Debian package `docker-registry`). '
      + 'On Debian or Ubuntu: `sudo apt-get install --no-install-recommends docker-registry` (scripts/setup-engine.sh does it).');
  }
  // A port can be taken between choosing and binding it: try a few.
  let why = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-cache-registry-'));
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    // JSON is valid YAML. No auth, no access log: this registry lives for one check.
    const config = {
      version: 0.1,
      log: { level: 'warn', accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: path.join(dir, 'storage') }, delete: { enabled: true } },
      http: { addr: address, secret: 'stagecraft-check-registry' },
    };
    const configFile = path.join(dir, 'config.yml');
    await writeFile(configFile, JSON.stringify(config));
    const logFile = path.join(dir, 'registry.log');
    const fd = openSync(logFile, 'a');
    const child = spawn(program, ['serve', configFile], { detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.unref();
    let exited = false;
    child.once('exit', () => { exited = true; });
    const pids = child.pid === undefined ? [] : [child.pid];
    await recordProcesses({ kind: 'registry', sessionId, dir, pids });
    const stop = (): Promise<void> => stopProcesses({ dir, pids });
    for (let i = 0; i < 200 && !exited && pids.length; i++) {
      if (await answers(address)) return { address, port, stop };
      await new Promise((r) => setTimeout(r, 50));
    }
    why = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').pop() ?? '';
    await stop();
    if (!/address already in use/i.test(why)) break;
  }
  throw new Error(`The local registry did not start: ${why || 'no answer on its port'}.`);
}
