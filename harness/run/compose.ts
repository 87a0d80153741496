/**
 * Runs a lab's compose file with `docker compose` (v2): what it resolves to, and a project
 * started from images the harness built. Compose is told to build nothing and pull nothing;
 * every container, network and volume is labelled for cleanup, published ports become
 * ephemeral loopback ports (two checks never collide), and `down -v` removes it all.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { docker } from '../engine/docker.ts';
import type { Labels } from '../engine/labels.ts';
import { RUN_DEFAULTS, type HttpAnswer } from './container.ts';

export interface ComposeBuild {
  /** Absolute, as `docker compose config` resolves it. */
  context: string;
  dockerfile?: string;
  target?: string;
  args?: Record<string, string | null>;
}

export interface ComposePort {
  target: number;
  published?: string;
  host_ip?: string;
  protocol?: string;
  mode?: string;
}

/** The parts of a resolved service the harness reads or rewrites; the rest passes through. */
export interface ComposeService {
  image?: string;
  build?: ComposeBuild;
  ports?: ComposePort[];
  labels?: Record<string, string>;
  [key: string]: unknown;
}

type Labelled = { external?: boolean; labels?: Record<string, string>; [key: string]: unknown } | null;

/** `docker compose config --format json`: the project with every file merged and interpolated. */
export interface ComposeModel {
  name?: string;
  services: Record<string, ComposeService>;
  networks?: Record<string, Labelled>;
  volumes?: Record<string, Labelled>;
  [key: string]: unknown;
}

export interface ComposeFiles {
  /** The folder relative paths resolve against: the lab's build context copy. */
  projectDir: string;
  /** Compose files, relative to projectDir. */
  files: string[];
  /** Unique per check: compose names containers, networks and volumes after it. */
  projectName: string;
}

/** Compose refused the lab's files, or cannot run them: its own words, for the learner. */
export class ComposeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComposeError';
  }
}

interface CliResult { exitCode: number; stdout: string; stderr: string }

async function composeCli(args: string[], timeoutMs: number): Promise<CliResult> {
  const r = await $({ nothrow: true, quiet: true, timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' } })`docker compose ${args}`;
  return { exitCode: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr };
}

const fileArgs = (p: ComposeFiles): string[] => ['--project-directory', p.projectDir, '-p', p.projectName, ...p.files.flatMap((f) => ['-f', path.resolve(p.projectDir, f)])];

/**
 * Compose's messages without the logging frame: `time="..." level=warning msg="..."` becomes
 * the msg; other lines stay as they are.
 */
export function composeMessages(stderr: string): string[] {
  return stderr.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
    const m = /\bmsg="((?:[^"\\]|\\.)*)"/.exec(line);
    return m ? (m[1] ?? '').replace(/\\(.)/g, '$1') : line;
  });
}

/** What compose makes of the files, and the warnings it printed (an obsolete `version:` ...). */
export async function composeConfig(p: ComposeFiles, timeoutMs = 30_000): Promise<{ model: ComposeModel; warnings: string[] }> {
  const r = await composeCli([...fileArgs(p), 'config', '--format', 'json'], timeoutMs);
  const messages = composeMessages(r.stderr);
  // Not the learner's to fix: no compose plugin on this machine.
  if (/is not a docker command|unknown (shorthand )?flag: '?-?-?project-directory/.test(r.stderr)) {
    throw new Error('`docker compose` (Compose v2) is not installed; `sudo bash scripts/setup-engine.sh` installs it');
  }
  if (r.exitCode !== 0) throw new ComposeError(messages.join(' ') || `docker compose config exited with code ${r.exitCode}`);
  return { model: JSON.parse(r.stdout) as ComposeModel, warnings: messages };
}

export interface RunnableOptions {
  projectName: string;
  /** Service -> the image the harness built for it; its `build:` is dropped. */
  images: Record<string, string>;
  labels: Labels;
  limits?: { memoryMb: number; cpus: number; pids: number };
}

/**
 * The resolved model rewritten to run here: built images instead of `build:`, no pulls,
 * ephemeral loopback ports, no fixed container names, limits, and the harness's labels on
 * containers, networks and volumes.
 */
export function runnableModel(model: ComposeModel, opts: RunnableOptions): ComposeModel {
  const out = structuredClone(model);
  const limits = opts.limits ?? RUN_DEFAULTS;
  out.name = opts.projectName;
  for (const [name, svc] of Object.entries(out.services)) {
    const image = opts.images[name];
    if (image) {
      delete svc.build;
      svc.image = image;
    }
    svc.pull_policy = 'never';
    delete svc.container_name;
    svc.labels = { ...(svc.labels ?? {}), ...opts.labels };
    if (svc.ports) svc.ports = svc.ports.map((p) => ({ target: p.target, host_ip: '127.0.0.1', protocol: p.protocol ?? 'tcp', mode: p.mode ?? 'ingress' }));
    svc.mem_limit = `${limits.memoryMb}m`;
    svc.memswap_limit = `${limits.memoryMb}m`;
    svc.cpus = limits.cpus;
    svc.pids_limit = limits.pids;
  }
  for (const group of [out.networks, out.volumes]) {
    for (const [key, value] of Object.entries(group ?? {})) {
      if (value?.external) continue;
      group![key] = { ...(value ?? {}), labels: { ...(value?.labels ?? {}), ...opts.labels } };
    }
  }
  return out;
}

/** One container of the project, as the engine reports it. */
export interface ComposeContainer {
  id: string;
  service: string;
  /** `running`, `exited`, ... */
  state: string;
  /** `healthy`, `unhealthy`, `starting`; undefined without a HEALTHCHECK. */
  health: string | undefined;
  /** What the last HEALTHCHECK probe printed, with its exit code. */
  lastProbe: string | undefined;
  exitCode: number;
  /** The user the container was started as (image USER, or the service's `user:`). */
  user: string;
  /** Container port -> host port on 127.0.0.1. */
  ports: Map<number, number>;
}

export interface UpResult {
  /** `up --wait` succeeded: every service running, and healthy where it has a HEALTHCHECK. */
  ok: boolean;
  /** What compose said (its last lines), for messages. */
  output: string;
  durationMs: number;
}

function lastProbe(log: { ExitCode: number; Output: string }[] | undefined): string | undefined {
  const last = log?.at(-1);
  return last ? `exit code ${last.ExitCode}${last.Output.trim() ? `: ${last.Output.trim().split('\n').slice(-2).join(' ')}` : ''}` : undefined;
}

/** A started compose project; `down()` removes its containers, networks and volumes. */
export class ComposeProject {
  private constructor(readonly files: ComposeFiles, private readonly tempDir: string) {}

  /**
   * Writes the runnable model and runs `docker compose up --wait` with it. The project
   * exists afterwards even when `up` failed (a crashed or unhealthy service): call `down()`.
   */
  static async up(files: ComposeFiles, model: ComposeModel, opts: Omit<RunnableOptions, 'projectName'> & { waitTimeoutMs: number }): Promise<{ project: ComposeProject; up: UpResult }> {
    const tempDir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-compose-'));
    const file = path.join(tempDir, 'compose.json');
    // JSON is YAML: compose reads the rewritten model as it is.
    await writeFile(file, JSON.stringify(runnableModel(model, { ...opts, projectName: files.projectName }), null, 2));
    const project = new ComposeProject({ ...files, files: [file] }, tempDir);
    const t0 = performance.now();
    const waitSeconds = Math.max(1, Math.ceil(opts.waitTimeoutMs / 1000));
    // --wait-timeout bounds only the wait after `up`; a service that waits for another's
    // health (depends_on: service_healthy) waits inside `up`, so the process has a bound too.
    const limitMs = opts.waitTimeoutMs + 5_000;
    const r = await composeCli([...fileArgs(project.files), 'up', '--detach', '--no-build', '--pull', 'never', '--wait', '--wait-timeout', String(waitSeconds)], limitMs);
    const durationMs = performance.now() - t0;
    const output = composeMessages(`${r.stderr}\n${r.stdout}`).filter((l) => !/^\s*(Container|Network|Volume) \S+ +(Creating|Created|Starting|Started|Waiting|Healthy|Running)\s*$/.test(l));
    if (r.exitCode !== 0 && durationMs >= limitMs - 500) output.push(`not up and healthy within ${Math.round(opts.waitTimeoutMs / 1000)} s`);
    return { project, up: { ok: r.exitCode === 0, output: output.slice(-6).join(' | '), durationMs } };
  }

  get projectName(): string {
    return this.files.projectName;
  }

  /** The project's containers, found by compose's own project label. */
  async containers(): Promise<ComposeContainer[]> {
    const found = await docker().listContainers({ all: true, filters: { label: [`com.docker.compose.project=${this.projectName}`] } });
    return Promise.all(found.map(async (c) => {
      const info = await docker().getContainer(c.Id).inspect();
      const ports = new Map<number, number>();
      for (const p of c.Ports) if (p.PublicPort) ports.set(p.PrivatePort, p.PublicPort);
      return {
        id: c.Id, service: c.Labels['com.docker.compose.service'] ?? '', state: info.State.Status,
        health: info.State.Health?.Status, lastProbe: lastProbe(info.State.Health?.Log), exitCode: info.State.ExitCode, user: info.Config.User ?? '', ports,
      };
    }));
  }

  async container(service: string): Promise<ComposeContainer | undefined> {
    return (await this.containers()).find((c) => c.service === service);
  }

  /** GET through the port a service publishes (its container port, mapped to the host). */
  async http(service: string, containerPort: number, pathname: string, timeoutMs = 5000): Promise<HttpAnswer> {
    const c = await this.container(service);
    if (!c) throw new Error(`service ${service} has no container`);
    const hostPort = c.ports.get(containerPort);
    if (!hostPort) throw new Error(`service ${service} publishes no port ${containerPort} (add \`ports: ["${containerPort}:${containerPort}"]\`)`);
    const res = await fetch(`http://127.0.0.1:${hostPort}${pathname}`, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text(), headers: Object.fromEntries(res.headers) };
  }

  /** A service's last log lines, for messages. */
  async logs(service: string, tail = 10): Promise<string> {
    const r = await composeCli([...fileArgs(this.files), 'logs', '--no-color', '--no-log-prefix', '--tail', String(tail), service], 20_000);
    return r.stdout.trim();
  }

  /** `down -v`: containers, networks and volumes of the project, then the rewritten file. Nothing
   * here measures a graceful stop, so containers get 1 s before SIGKILL. */
  async down(): Promise<void> {
    await composeCli([...fileArgs(this.files), 'down', '--volumes', '--remove-orphans', '--timeout', '1'], 60_000);
    await rm(this.tempDir, { recursive: true, force: true });
  }
}
