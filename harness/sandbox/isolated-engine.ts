/**
 * An isolated engine for untrusted builds: a second dockerd in a network namespace of its
 * own, where the only way out is the host ports the grader relays in (the package mirror,
 * the package proxy). There is no route to anything else, so a RUN step that tries the
 * internet gets "network unreachable" at once, whatever it does (raw sockets, its own DNS).
 *
 * It shares the main engine's containerd and its image namespace, so the base images are
 * there without copying and what it builds is at once visible to the main engine, where
 * the grader inspects and runs it (on an internal network, see isolation.ts). Its build
 * cache (BuildKit's records, in its data root) is its own, for one grading run.
 *
 * Rejected: `docker buildx build --network=none` (npm could not reach the mirror);
 * firewall rules on the main engine's docker0 (they would cut every other user of the
 * engine off too); BuildKit's docker-container driver (it pulls an image from a registry).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rmdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { $ } from 'zx';
import { splice } from '../build/loopback-relay.ts';
import { recordProcesses, stopProcesses } from '../engine/processes.ts';
import { StagecraftError } from '../errors.ts';
import { repoRoot } from '../paths.ts';

export interface HostPort {
  /** The port inside the namespace (also the host port, unless `to` says otherwise). */
  port: number;
  /** Where the host side connects: default 127.0.0.1:port. */
  to?: { host: string; port: number };
}

export interface IsolatedEngine {
  /** DOCKER_HOST for commands that should build here. */
  dockerHost: string;
  /** The address RUN steps reach the relayed ports at (this engine's bridge gateway). */
  gateway: string;
  /** Relays one more host port into the namespace (a per-check recorder's). */
  expose(p: HostPort): Promise<void>;
  stop(): Promise<void>;
}

export interface IsolatedEngineOptions {
  /** Lets `stagecraft clean` and the next grading run stop it if the grader dies. */
  sessionId: string;
  /** Engines of one grader are numbered (their cgroups are named by it). */
  slot: number;
  ports: HostPort[];
  /** Caps on all of the engine's RUN steps together (BuildKit sets none of its own). */
  cgroup?: { pids: number; memoryMb: number };
  startTimeoutMs?: number;
}

const RELAY = fileURLToPath(new URL('../build/loopback-relay.ts', import.meta.url));
const PROGRAMS = ['dockerd', 'unshare', 'nsenter', 'ip'];
/** dockerd's own containerd, or a system one: the first that exists is the main engine's. */
const CONTAINERD_SOCKETS = ['/var/run/docker/containerd/containerd.sock', '/run/containerd/containerd.sock'];
/** dockerd in an empty namespace always takes the first default pool for its bridge. */
const GATEWAY = '172.17.0.1';

/** Why no isolated engine can be started here, or undefined when one can. */
export async function isolatedEngineUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'isolated grading needs Linux (it runs a second dockerd in its own network namespace)';
  if (process.getuid?.() !== 0) return 'isolated grading needs root (it runs a second dockerd in its own network namespace)';
  const missing: string[] = [];
  for (const p of PROGRAMS) {
    if ((await $({ nothrow: true, quiet: true })`sh -c ${`command -v ${p}`}`).exitCode !== 0) missing.push(p);
  }
  if (missing.length) return `isolated grading needs ${missing.join(', ')} (scripts/setup-engine.sh installs the engine)`;
  if (!mainContainerd()) return `isolated grading shares the engine's containerd, and none was found at ${CONTAINERD_SOCKETS.join(' or ')}`;
  return undefined;
}

function mainContainerd(): string | undefined {
  return CONTAINERD_SOCKETS.find((s) => existsSync(s));
}

async function waitFor(what: string, timeoutMs: number, test: () => Promise<boolean> | boolean, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const lines = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n');
  // The line that says why, when there is one, then the last lines.
  const why = lines.filter((l) => /level=fatal|failed to start daemon|Error starting daemon/i.test(l)).slice(-1);
  const tail = [...why, ...lines.slice(-2)].join(' | ');
  throw new Error(`the isolated engine's ${what} did not start within ${timeoutMs / 1000} s${tail ? `: ${tail}` : ''}`);
}

/**
 * A cgroup the engine's RUN steps are placed under (dockerd's --cgroup-parent, which its
 * BuildKit uses too), capping their processes and memory (no swap): a fork bomb or a memory
 * hog in a RUN line hits the cap instead of the machine. cgroup v1 and v2 (cgroupfs driver).
 */
async function makeCgroup(name: string, caps: { pids: number; memoryMb: number }): Promise<() => Promise<void>> {
  const bytes = String(caps.memoryMb * 1024 * 1024);
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const settings: [string, Record<string, string>][] = v2
    ? [[`/sys/fs/cgroup/${name}`, { 'pids.max': String(caps.pids), 'memory.max': bytes, 'memory.swap.max': '0' }]]
    : [[`/sys/fs/cgroup/pids/${name}`, { 'pids.max': String(caps.pids) }],
      [`/sys/fs/cgroup/memory/${name}`, { 'memory.limit_in_bytes': bytes, 'memory.memsw.limit_in_bytes': bytes }]];
  for (const [dir, values] of settings) {
    await mkdir(dir, { recursive: true });
    // memsw exists only with swap accounting on; without it there is no swap to limit.
    for (const [k, v] of Object.entries(values)) if (existsSync(path.join(dir, k))) await writeFile(path.join(dir, k), v);
  }
  return async () => {
    // Empty once the engine is gone; rmdir of a cgroup removes it (rm -r would not).
    for (const [dir] of settings) await rmdir(dir).catch(() => undefined);
  };
}

async function unmountDataRoot(dataRoot: string): Promise<void> {
  const mounted = (await readFile('/proc/self/mountinfo', 'utf8').catch(() => '')).split('\n').some((l) => l.split(' ')[4] === dataRoot);
  if (mounted) await $({ nothrow: true, quiet: true })`umount ${dataRoot}`;
}

export async function startIsolatedEngine(opts: IsolatedEngineOptions): Promise<IsolatedEngine> {
  const unavailable = await isolatedEngineUnavailable();
  if (unavailable) {
    throw new StagecraftError('engine-missing', `Grading runs every build on an isolated engine, and none can be started here: ${unavailable}.`,
      'Grade on Linux as root with the course\'s engine (`sudo bash scripts/setup-engine.sh`, then `sudo npx stagecraft grade ...`).');
  }
  // Usually under a second; minutes when the machine is busy building.
  const timeoutMs = opts.startTimeoutMs ?? 120_000;
  // Everything lives in a short temp folder (unix socket paths are limited to ~100 bytes).
  // The data root too: one kept between runs grew slow to open (BuildKit reloads every
  // cache record at start), so each run starts with an empty build cache and prunes it at
  // the end, which also releases what it held in the shared containerd.
  const dir = await mkdtemp('/tmp/scge-');
  const dataRoot = path.join(dir, 'data');
  await mkdir(dataRoot, { recursive: true });
  const file = (name: string): string => path.join(dir, name);
  const log = file('engine.log');
  const pids: number[] = [];
  const hostRelays: net.Server[] = [];
  const record = (): Promise<void> => recordProcesses({ kind: 'isolated-engine', sessionId: opts.sessionId, dir, pids: [...pids].reverse() });
  const launch = async (argv: string[], stdio: 'log' | 'pipe' = 'log'): Promise<ChildProcess> => {
    const fd = openSync(log, 'a');
    const child = spawn(argv[0] ?? '', argv.slice(1), { cwd: repoRoot, detached: true, stdio: stdio === 'pipe' ? ['pipe', 'pipe', fd] : ['ignore', fd, fd] });
    closeSync(fd);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${argv[0] ?? ''}`);
    pids.push(child.pid);
    await record();
    return child;
  };
  const cgroupName = `stagecraft-grade-${opts.slot}`;
  let removeCgroup: (() => Promise<void>) | undefined;
  let ready = false;
  const stop = async (): Promise<void> => {
    if (ready) await $({ nothrow: true, quiet: true, timeout: 120_000, env: { ...process.env, DOCKER_HOST: `unix://${file('docker.sock')}` } })`docker builder prune --all --force`;
    await stopProcesses({ dir, pids: [...pids].reverse() });
    for (const s of hostRelays) s.close();
    await removeCgroup?.();
    // dockerd bind-mounts its data root onto itself (to make it a shared mount); that outlives it.
    await unmountDataRoot(dataRoot);
  };

  let relayCount = 0;
  const exposed = new Set(opts.ports.map((p) => p.port));
  const hostSide = async (p: HostPort): Promise<string> => {
    const socket = file(`relay-${relayCount++}.sock`);
    const to = p.to ?? { host: '127.0.0.1', port: p.port };
    const server = net.createServer((c) => splice(c, net.connect(to.port, to.host)));
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(socket, resolve); });
    server.unref();
    hostRelays.push(server);
    return `0.0.0.0:${p.port}=${socket}`;
  };

  try {
    // No DNS: a step that looks a name up fails at once instead of waiting for a timeout.
    const config: Record<string, unknown> = { features: { 'containerd-snapshotter': true }, dns: ['127.0.0.1'] };
    if (opts.cgroup) {
      removeCgroup = await makeCgroup(cgroupName, opts.cgroup);
      config['cgroup-parent'] = `/${cgroupName}`;
    }
    await writeFile(file('daemon.json'), JSON.stringify(config));
    const dockerd = await launch(['unshare', '--net', '--', 'sh', '-c',
      `ip link set lo up && exec dockerd --config-file ${file('daemon.json')} --containerd ${mainContainerd() ?? ''} `
      + `--data-root ${dataRoot} --exec-root ${file('exec')} --pidfile ${file('docker.pid')} -H unix://${file('docker.sock')} `
      + '--iptables=false --ip6tables=false --ip-forward=false --userland-proxy=false']);
    const api = new Docker({ socketPath: file('docker.sock') });
    await waitFor('dockerd', timeoutMs, () => api.ping().then(() => true, () => false), log);
    const nsPath = `/proc/${dockerd.pid ?? 0}/ns/net`;
    if (readlinkSync(nsPath) === readlinkSync('/proc/self/ns/net')) throw new Error('the isolated engine did not get a network namespace of its own');

    const pairs = await Promise.all(opts.ports.map(hostSide));
    const relay = await launch(['nsenter', `--net=${nsPath}`, '--', process.execPath, '--import', 'tsx', RELAY, ...pairs], 'pipe');
    const lines: string[] = [];
    relay.stdout?.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
    await waitFor('port relay', timeoutMs, () => lines.includes('ready'), log);

    ready = true;
    return {
      dockerHost: `unix://${file('docker.sock')}`,
      gateway: GATEWAY,
      async expose(p) {
        // Ports come back (a later check's service on the same port): the relay is already there.
        if (exposed.has(p.port)) return;
        exposed.add(p.port);
        const pair = await hostSide(p);
        relay.stdin?.write(`${pair}\n`);
        await waitFor(`relay for port ${p.port}`, 5000, () => {
          const failed = lines.find((l) => l.startsWith(`failed ${pair}`));
          if (failed) throw new Error(`could not relay port ${p.port} into the isolated engine: ${failed}`);
          return lines.includes(`ready ${p.port}`);
        }, log);
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
