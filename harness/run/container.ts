import type { StartedTestContainer, WaitStrategy } from 'testcontainers';
import { docker } from '../engine/docker.ts';
import type { Labels } from '../engine/labels.ts';

// Ryuk, testcontainers' reaper, is an image from a registry that may be out of reach;
// the harness removes what it creates by label instead (engine/cleanup.ts).
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

export interface RunSpec {
  /** The port the app listens on inside the container. */
  port?: number;
  /** What "ready" means; default: an HTTP answer on `port` at `/`, else none. */
  waitFor?: { http?: string } | { log: string } | { healthy: true } | { none: true };
  startupTimeoutMs?: number;
  memoryMb?: number;
  cpus?: number;
  pids?: number;
  env?: Record<string, string>;
  command?: string[];
  /** Run this platform's variant (under QEMU when foreign). */
  platform?: string;
  user?: string;
  /**
   * An internal network to run on (untrusted code): no route out, no published ports; the
   * harness reaches the app at its address on that network instead.
   */
  network?: string;
}

export interface HttpAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export interface ExecAnswer {
  exitCode: number;
  output: string;
}

export const RUN_DEFAULTS = { startupTimeoutMs: 30_000, memoryMb: 512, cpus: 1, pids: 256 } as const;

type Testcontainers = typeof import('testcontainers');
let testcontainers: Promise<Testcontainers> | undefined;

/**
 * testcontainers takes a few hundred milliseconds to import: callers that will run a
 * container start loading it early (during the build) so it is ready when needed.
 */
export function loadTestcontainers(): Promise<Testcontainers> {
  testcontainers ??= import('testcontainers');
  return testcontainers;
}

/** GenericContainer plus the limits its builder does not expose (pids, no swap). */
async function limitedContainer(image: string, memoryMb: number, cpus: number, pids: number) {
  const { GenericContainer } = await loadTestcontainers();
  class LimitedContainer extends GenericContainer {
    withLimits(): this {
      this.hostConfig.Memory = memoryMb * 1024 * 1024;
      this.hostConfig.MemorySwap = memoryMb * 1024 * 1024; // equal to Memory: no swap
      this.hostConfig.NanoCpus = Math.round(cpus * 1e9);
      this.hostConfig.PidsLimit = pids;
      return this;
    }
  }
  return new LimitedContainer(image).withLimits();
}

/** A started container of a built image, with the probes goals use. */
export class RunningApp {
  constructor(readonly container: StartedTestContainer, readonly port: number | undefined, private readonly address?: string) {}

  get id(): string {
    return this.container.getId();
  }

  url(pathname = '/'): string {
    if (this.port === undefined) throw new Error('this lesson runs no server');
    if (this.address) return `http://${this.address}:${this.port}${pathname}`;
    return `http://${this.container.getHost()}:${this.container.getMappedPort(this.port)}${pathname}`;
  }

  async http(pathname = '/', timeoutMs = 5000): Promise<HttpAnswer> {
    const res = await fetch(this.url(pathname), { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text(), headers: Object.fromEntries(res.headers) };
  }

  async exec(cmd: string[]): Promise<ExecAnswer> {
    const r = await this.container.exec(cmd);
    return { exitCode: r.exitCode, output: r.output };
  }

  async logs(tailLines = 40): Promise<string> {
    return containerLogs(this.id, tailLines);
  }

  async health(): Promise<string | undefined> {
    const info = await docker().getContainer(this.id).inspect();
    return info.State.Health?.Status;
  }

  /** Stops like `docker stop` and reports how long the app took to exit. */
  async stop(timeoutSeconds = 10): Promise<{ durationMs: number; exitCode: number | undefined }> {
    const t0 = performance.now();
    await docker().getContainer(this.id).stop({ t: timeoutSeconds }).catch(() => undefined);
    const durationMs = performance.now() - t0;
    const info = await docker().getContainer(this.id).inspect().catch(() => undefined);
    return { durationMs, exitCode: info?.State.ExitCode };
  }

  async remove(): Promise<void> {
    await docker().getContainer(this.id).remove({ force: true, v: true }).catch(() => undefined);
  }
}

export class ContainerStartError extends Error {
  constructor(message: string, readonly logs: string) {
    super(message);
    this.name = 'ContainerStartError';
  }
}

/**
 * Starts an image under memory, CPU, pid and time limits and waits until it is ready.
 * A container that crashes or never listens gives a ContainerStartError with its logs.
 */
export async function startApp(image: string, spec: RunSpec, labels: Labels): Promise<RunningApp> {
  const timeout = spec.startupTimeoutMs ?? RUN_DEFAULTS.startupTimeoutMs;
  const { Wait } = await loadTestcontainers();
  const c = (await limitedContainer(image, spec.memoryMb ?? RUN_DEFAULTS.memoryMb, spec.cpus ?? RUN_DEFAULTS.cpus, spec.pids ?? RUN_DEFAULTS.pids))
    .withLabels(labels)
    .withStartupTimeout(timeout);
  // HTTP readiness is polled here (waitForHttp), not by testcontainers, whose HTTP wait probes
  // only once per read timeout: a fresh app would wait most of one out (watch mode's
  // save-to-verdict time). On an internal network nothing is published: the HTTP wait is done
  // at the container's address.
  const httpWait = spec.port !== undefined && !(spec.waitFor && ('log' in spec.waitFor || 'healthy' in spec.waitFor || 'none' in spec.waitFor));
  const httpAtAddress = httpWait && spec.network !== undefined;
  c.withWaitStrategy(httpAtAddress ? Wait.forListeningPorts() : httpWait ? Wait.forAll([]) : waitStrategy(spec, Wait)); // no ports exposed: returns at once
  if (spec.network !== undefined) c.withNetworkMode(spec.network);
  else if (spec.port !== undefined) c.withExposedPorts(spec.port);
  if (spec.env) c.withEnvironment(spec.env);
  if (spec.command) c.withCommand(spec.command);
  if (spec.platform) c.withPlatform(spec.platform);
  if (spec.user) c.withUser(spec.user);

  const started = performance.now();
  try {
    const container = await c.start();
    if (spec.network === undefined) {
      const app = new RunningApp(container, spec.port);
      if (httpWait) await waitForHttp(app, spec, timeout - (performance.now() - started), 50);
      return app;
    }
    const info = await docker().getContainer(container.getId()).inspect();
    const address = info.NetworkSettings.Networks[spec.network]?.IPAddress;
    if (!address) throw new Error(`the container has no address on network ${spec.network}`);
    const app = new RunningApp(container, spec.port, address);
    if (httpAtAddress) await waitForHttp(app, spec, timeout - (performance.now() - started));
    return app;
  } catch (e) {
    const found = await docker().listContainers({ all: true, filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) } });
    const mine = found.filter((x) => x.Image === image).at(-1);
    const logs = mine ? await containerLogs(mine.Id, 20) : '';
    const state = mine ? (await docker().getContainer(mine.Id).inspect()).State : undefined;
    const why = state && !state.Running
      ? `the container exited with code ${state.ExitCode}${state.OOMKilled ? ' (out of memory)' : ''} before it was ready`
      : `the container was not ready within ${Math.round(timeout / 1000)} s (${readyText(spec)})`;
    throw new ContainerStartError(why, logs || (e instanceof Error ? e.message : String(e)));
  }
}

function waitStrategy(spec: RunSpec, Wait: Testcontainers['Wait']): WaitStrategy {
  const w = spec.waitFor;
  if (w && 'none' in w) return Wait.forLogMessage(/[\s\S]*/, 0);
  if (w && 'log' in w) return Wait.forLogMessage(w.log);
  if (w && 'healthy' in w) return Wait.forHealthCheck();
  // Waiting for an HTTP answer is startApp's own (waitForHttp): nothing to wait for here.
  return Wait.forAll([]);
}

/** Polls the app's address until anything answers HTTP, the container exits, or time is up. */
async function waitForHttp(app: RunningApp, spec: RunSpec, timeoutMs: number, intervalMs = 100): Promise<void> {
  const path = spec.waitFor && 'http' in spec.waitFor && spec.waitFor.http ? spec.waitFor.http : '/';
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      await app.http(path, 1000);
      return;
    } catch {
      const state = (await docker().getContainer(app.id).inspect()).State;
      if (!state.Running) throw new Error('the container exited');
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
  throw new Error('not ready in time');
}

function readyText(spec: RunSpec): string {
  const w = spec.waitFor;
  if (w && 'log' in w) return `waiting for the log line "${w.log}"`;
  if (w && 'healthy' in w) return 'waiting for HEALTHCHECK to report healthy';
  return spec.port !== undefined ? `waiting for an HTTP answer on port ${spec.port}` : 'waiting for it to start';
}

async function containerLogs(id: string, tailLines: number): Promise<string> {
  try {
    const buf = (await docker().getContainer(id).logs({ stdout: true, stderr: true, tail: tailLines, follow: false })) as unknown as Buffer;
    return demux(buf).trim();
  } catch {
    return '';
  }
}

/** Docker multiplexes stdout/stderr with 8-byte frame headers when there is no TTY. */
function demux(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2) && buf[i + 1] === 0) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString('utf8');
    i += 8 + len;
  }
  return i === 0 ? buf.toString('utf8') : out;
}
