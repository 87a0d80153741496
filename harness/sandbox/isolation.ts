/**
 * Everything a check of untrusted code runs under: builds on an isolated engine whose RUN
 * steps reach only the package mirror and a package proxy (allowing the Debian archive the
 * base images name, and nothing else), containers on an internal network (no route out,
 * reached by the harness at their address), and the limits below.
 */
import { proxyArgs, startDownloadRecorder, type DownloadRecorder, type RecordVia } from '../build/download-recorder.ts';
import { docker } from '../engine/docker.ts';
import { managedLabels } from '../engine/labels.ts';
import { debianArchive } from '../images/debian-archive.ts';
import { bridgeGateway } from '../mirror/upstream.ts';
import { guardedBridgeOption, guardHost } from './host-guard.ts';
import { startIsolatedEngine, type IsolatedEngine } from './isolated-engine.ts';

const NO_PROXY = 'stagecraft-mirror,stagecraft-registry,localhost,127.0.0.1';

export interface Limits {
  /** Wall clock per build (each of a check's builds). */
  buildTimeoutMs: number;
  /** Wall clock for a container to be ready. */
  startupTimeoutMs: number;
  memoryMb: number;
  cpus: number;
  pids: number;
  /** The build log kept per build; the rest is dropped (a flood is not an error by itself). */
  logBytes: number;
  /** An image larger than this is not measured: the lab gets an error verdict. */
  imageBytes: number;
  /** Wall clock for a whole lab (builds, runs, goals). */
  labTimeoutMs: number;
}

/** PrairieLearn's and exercism's figures, sized for the course's images. */
export const GRADING_LIMITS: Limits = {
  buildTimeoutMs: 5 * 60_000,
  startupTimeoutMs: 30_000,
  memoryMb: 512,
  cpus: 0.9,
  pids: 256,
  logBytes: 1024 * 1024,
  imageBytes: 2 * 1024 ** 3,
  labTimeoutMs: 10 * 60_000,
};

export interface Isolation {
  /** DOCKER_HOST of the engine every build of the check runs on. */
  dockerHost: string;
  /** The internal network every container of the check joins. */
  network: string;
  /** Build arguments that send RUN steps' HTTP through the package proxy. */
  buildArgs: Record<string, string>;
  /** How a per-check download recorder is reached from the isolated engine. */
  recordVia: RecordVia;
  /** Relays a port of the host's bridge gateway (a lesson service's) into the isolated engine. */
  exposeGatewayPort(port: number): Promise<void>;
  /** Relays a port of the host's loopback (a check's registry) into the isolated engine's loopback. */
  exposeLoopbackPort(port: number): Promise<void>;
  limits: Limits;
  /** Labels on everything made under this isolation (the grading run's). */
  labels: Record<string, string>;
}

export interface StartedIsolation extends Isolation {
  stop(): Promise<void>;
}

/** The proxy allows what a package manager fetches from the course's sources, read-only. */
export function packageRequestAllowed(archives: string[]): (method: string, url: URL) => boolean {
  const prefixes = archives.map((a) => (a.endsWith('/') ? a : `${a}/`));
  return (method, url) => {
    if (url.hostname === 'stagecraft-mirror') return method === 'GET' || method === 'HEAD';
    if (method === 'CONNECT') return prefixes.some((p) => { const u = new URL(p); return u.protocol === 'https:' && u.hostname === url.hostname && (u.port || '443') === (url.port || '443'); });
    return (method === 'GET' || method === 'HEAD') && prefixes.some((p) => url.href.startsWith(p));
  };
}

export interface IsolationOptions {
  sessionId: string;
  slot: number;
  /** More labels for what is created (the grading run's id). */
  labels?: Record<string, string>;
  /** The port the package mirror listens on (on the host's loopback and bridge gateway). */
  mirrorPort: number;
  limits?: Partial<Limits>;
}

/** Starts a slot's isolated engine, its package proxy and its containers' internal network. */
export async function startIsolation(opts: IsolationOptions): Promise<StartedIsolation> {
  const archive = debianArchive();
  const allow = packageRequestAllowed([archive.main, ...(archive.security ? [archive.security] : [])]);
  let proxy: DownloadRecorder | undefined;
  let engine: IsolatedEngine | undefined;
  let unguard: (() => Promise<void>) | undefined;
  const labels = { ...managedLabels(opts.sessionId), ...opts.labels };
  const networkName = `stagecraft-grade-${opts.sessionId}-${opts.slot}`;
  try {
    // The proxy listens on loopback only; the engine's namespace reaches it through its relay.
    proxy = await startDownloadRecorder({ listenHost: '127.0.0.1', hosts: { 'stagecraft-mirror': '127.0.0.1' }, allow });
    const proxyPort = Number(new URL(proxy.url).port);
    const limits = { ...GRADING_LIMITS, ...opts.limits };
    engine = await startIsolatedEngine({
      sessionId: opts.sessionId, slot: opts.slot, ports: [{ port: opts.mirrorPort }, { port: proxyPort }],
      // A check runs up to three builds at once; each gets the container's figures.
      cgroup: { pids: limits.pids * 4, memoryMb: limits.memoryMb * 4 },
    });
    unguard = await guardHost();
    await docker().createNetwork({ Name: networkName, Internal: true, Labels: labels, CheckDuplicate: true, Options: guardedBridgeOption(networkName) });
    const started = engine;
    return {
      dockerHost: engine.dockerHost,
      network: networkName,
      // Build steps reach the harness's own hosts (mirror, lesson services) directly, everything else through the proxy.
      buildArgs: { ...proxyArgs(`http://${engine.gateway}:${proxyPort}`), no_proxy: `${NO_PROXY},${engine.gateway}`, NO_PROXY: `${NO_PROXY},${engine.gateway}` },
      exposeLoopbackPort: (port) => started.expose({ port }),
      exposeGatewayPort: async (port) => started.expose({ port, to: { host: (await bridgeGateway()) ?? '127.0.0.1', port } }),
      recordVia: { gateway: engine.gateway, expose: (port, host) => started.expose({ port, to: { host, port } }), allow },
      limits,
      labels: opts.labels ?? {},
      stop: async () => {
        await docker().getNetwork(networkName).remove().catch(() => undefined);
        await started.stop();
        await proxy?.close();
        await unguard?.();
      },
    };
  } catch (e) {
    await unguard?.();
    await engine?.stop();
    await proxy?.close();
    throw e;
  }
}
