/**
 * A fresh builder: a disposable BuildKit with no build cache, to prove that an exported
 * cache, not the engine's own, is what makes steps CACHED. It must not touch the engine's
 * build cache, which other lessons and other checks rely on: no `docker buildx prune`.
 *
 * How: a second dockerd (dockerd embeds BuildKit) with its own containerd, data and exec
 * roots in a temp folder, in a private network namespace. Rejected: `docker buildx create
 * --driver docker-container` (it pulls a BuildKit image, and no registry may be reachable);
 * a cache-busting build arg (it changes the keys the import is looked up by, so it tests
 * something else). The namespace matters: dockerd started with `--bridge=none` deletes the
 * host's `docker0` at startup (moby's configureNetworking), which breaks every container of
 * the main engine; in a namespace of its own it only sees its own loopback. It also means
 * RUN steps have no network at all (no bridge network), so a step that was not in the cache
 * fails at once ("network bridge not found") instead of downloading for minutes.
 *
 * The builder reaches exactly the loopback ports it is given (the check's registry),
 * relayed through unix sockets in the temp folder, at the same 127.0.0.1 addresses the
 * main engine uses, which both treat as insecure (plain HTTP) registries by default.
 *
 * Needs Linux, root, dockerd, containerd, unshare, nsenter and ip: the course's engine
 * setup. Elsewhere `freshBuilderUnavailable()` says why, and goals that need it error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readlinkSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { $ } from 'zx';
import { recordProcesses, stopProcesses } from '../engine/processes.ts';
import { repoRoot } from '../paths.ts';
import { splice } from './loopback-relay.ts';

export interface FreshBuilder {
  /** DOCKER_HOST for commands that should build here: `unix:///tmp/scfb-.../docker.sock`. */
  host: string;
  /** Build cache records the builder holds: 0 when it is fresh. */
  cacheRecords(): Promise<number>;
  stop(): Promise<void>;
}

export interface FreshBuilderOptions {
  /** Lets `stagecraft clean` stop it if the check dies. */
  sessionId: string;
  /** Host loopback ports the builder may reach (a registry's). */
  loopbackPorts: number[];
  startTimeoutMs?: number;
}

const RELAY = fileURLToPath(new URL('./loopback-relay.ts', import.meta.url));
const PROGRAMS = ['dockerd', 'containerd', 'unshare', 'nsenter', 'ip'];

/** Why no fresh builder can be started here, or undefined when one can. */
export async function freshBuilderUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'a fresh builder needs Linux (it runs a second dockerd)';
  if (process.getuid?.() !== 0) return 'a fresh builder needs root (it runs a second dockerd in its own network namespace)';
  const missing: string[] = [];
  for (const p of PROGRAMS) {
    if ((await $({ nothrow: true, quiet: true })`sh -c ${`command -v ${p}`}`).exitCode !== 0) missing.push(p);
  }
  return missing.length ? `a fresh builder needs ${missing.join(', ')} (scripts/setup-engine.sh installs the engine)` : undefined;
}

function netns(pid: number | 'self'): string {
  return readlinkSync(`/proc/${pid}/ns/net`);
}

async function waitFor(what: string, timeoutMs: number, test: () => Promise<boolean> | boolean, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const tail = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-3).join(' | ');
  throw new Error(`the fresh builder's ${what} did not start within ${timeoutMs / 1000} s${tail ? `: ${tail}` : ''}`);
}

/** Starts a fresh builder; stop() it (the check's cleanup does) to remove every trace. */
export async function startFreshBuilder(opts: FreshBuilderOptions): Promise<FreshBuilder> {
  const unavailable = await freshBuilderUnavailable();
  if (unavailable) throw new Error(`No fresh builder can be started here: ${unavailable}.`);
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  // Short: unix socket paths are limited to about 100 bytes.
  const dir = await mkdtemp('/tmp/scfb-');
  const sock = (name: string): string => path.join(dir, name);
  const log = sock('builder.log');
  const pids: number[] = [];
  const hostRelays: net.Server[] = [];
  const record = (): Promise<void> => recordProcesses({ kind: 'fresh-builder', sessionId: opts.sessionId, dir, pids: [...pids].reverse() });
  const launch = async (argv: string[], extra: { stdout?: 'pipe' } = {}): Promise<ChildProcess> => {
    const fd = openSync(log, 'a');
    const child = spawn(argv[0] ?? '', argv.slice(1), { cwd: repoRoot, detached: true, stdio: ['ignore', extra.stdout ?? fd, fd] });
    closeSync(fd);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${argv[0] ?? ''}`);
    pids.push(child.pid);
    await record();
    return child;
  };
  const stop = async (): Promise<void> => {
    // Reverse start order: dockerd, then the relay, then containerd. The host side of the
    // relays closes after, once the relay's connections are gone.
    await stopProcesses({ dir, pids: [...pids].reverse() });
    for (const s of hostRelays) s.close();
  };

  try {
    await writeFile(sock('containerd.toml'), [
      'version = 2',
      `root = ${JSON.stringify(sock('containerd/root'))}`,
      `state = ${JSON.stringify(sock('containerd/state'))}`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = ${JSON.stringify(sock('containerd.sock'))}`,
      '',
    ].join('\n'));
    // The containerd image store, as the course's engine has: cache export and import work the same.
    await writeFile(sock('daemon.json'), JSON.stringify({ features: { 'containerd-snapshotter': true } }));

    // unshare execs sh, which execs containerd: the pid we hold is containerd's, in a new namespace.
    const containerd = await launch(['unshare', '--net', '--', 'sh', '-c', `ip link set lo up && exec containerd --config ${sock('containerd.toml')}`]);
    const cpid = containerd.pid ?? 0;
    await waitFor('containerd', timeoutMs, () => existsSync(sock('containerd.sock')), log);
    if (netns(cpid) === netns('self')) throw new Error('the fresh builder did not get a network namespace of its own');
    const inNamespace = [`--net=/proc/${cpid}/ns/net`, '--'];

    for (const port of opts.loopbackPorts) {
      const server = net.createServer((c) => splice(c, net.connect(port, '127.0.0.1')));
      await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(sock(`relay-${port}.sock`), resolve); });
      hostRelays.push(server);
    }
    if (opts.loopbackPorts.length) {
      const relay = await launch(['nsenter', ...inNamespace, process.execPath, '--import', 'tsx', RELAY, ...opts.loopbackPorts.map((p) => `${p}=${sock(`relay-${p}.sock`)}`)], { stdout: 'pipe' });
      let ready = false;
      relay.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('ready')) ready = true; });
      await waitFor('loopback relay', timeoutMs, () => ready, log);
      relay.stdout?.destroy();
    }

    // --bridge=none is harmless here (this namespace has no docker0) and leaves RUN steps without network.
    await launch(['nsenter', ...inNamespace, 'dockerd', '--config-file', sock('daemon.json'), '--containerd', sock('containerd.sock'),
      '--data-root', sock('data'), '--exec-root', sock('exec'), '--pidfile', sock('docker.pid'), '-H', `unix://${sock('docker.sock')}`,
      '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--userland-proxy=false']);
    const api = new Docker({ socketPath: sock('docker.sock') });
    await waitFor('dockerd', timeoutMs, () => api.ping().then(() => true, () => false), log);

    return {
      host: `unix://${sock('docker.sock')}`,
      async cacheRecords() {
        const df = (await api.df()) as { BuildCache?: unknown[] | null };
        return df.BuildCache?.length ?? 0;
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
