/**
 * Runs a lab's compose file with `docker compose` (v2): what it resolves to, and a project
 * started from images the harness built. Compose is told to build nothing and pull nothing;
 * every container, network and volume is labelled for cleanup, published ports become
 * ephemeral loopback ports (two checks never collide), and `down -v` removes it all.
 *
 * Under isolation (grading untrusted code) the file is the learner's, not ours: it may not
 * reach the host (privileges, namespaces, host paths, files outside the lab folder, external
 * networks and volumes), its networks are internal (no route out, nothing published), the
 * grading limits apply, and the harness reaches services at their container address.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { guardedBridgeOption } from '../sandbox/host-guard.ts';
import { parse as parseYaml } from 'yaml';
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

/** The harness refused an untrusted compose file (isolation): what to change, for the learner. */
export class ComposeRefusedError extends ComposeError {
  constructor(readonly problems: string[]) {
    super(`Graded compose files run isolated, and this one asks for what isolation does not allow: ${problems.join(' ')}`);
    this.name = 'ComposeRefusedError';
  }
}

interface CliResult { exitCode: number; stdout: string; stderr: string }

/**
 * What compose sees of the harness's environment under isolation: enough to find the engine
 * and the compose plugin, nothing a learner's `${VAR}` or `environment:` secret could read.
 */
const ISOLATED_ENV_KEYS = ['PATH', 'HOME', 'TMPDIR', 'DOCKER_HOST', 'DOCKER_CONFIG', 'DOCKER_CONTEXT', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY'];

function cliEnv(isolate: boolean | undefined): NodeJS.ProcessEnv {
  if (!isolate) return { ...process.env, NO_COLOR: '1' };
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1' };
  for (const key of ISOLATED_ENV_KEYS) if (process.env[key] !== undefined) env[key] = process.env[key];
  return env;
}

async function composeCli(args: string[], timeoutMs: number, isolate?: boolean): Promise<CliResult> {
  const r = await $({ nothrow: true, quiet: true, timeout: timeoutMs, env: cliEnv(isolate) })`docker compose ${args}`;
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
export async function composeConfig(p: ComposeFiles, timeoutMs = 30_000, opts: { isolate?: boolean } = {}): Promise<{ model: ComposeModel; warnings: string[] }> {
  // Untrusted files: nothing outside the lab folder is read, not even by `config` (an env_file
  // it merges, a file it includes or extends could be the host's), before compose reads them.
  if (opts.isolate) await refuseOutsideReads(p, timeoutMs);
  const r = await composeCli([...fileArgs(p), 'config', '--format', 'json'], timeoutMs, opts.isolate);
  const messages = composeMessages(r.stderr);
  // Not the learner's to fix: no compose plugin on this machine.
  if (/is not a docker command|unknown (shorthand )?flag: '?-?-?project-directory/.test(r.stderr)) {
    throw new Error('`docker compose` (Compose v2) is not installed; `sudo bash scripts/setup-engine.sh` installs it');
  }
  if (r.exitCode !== 0) throw new ComposeError(messages.join(' ') || `docker compose config exited with code ${r.exitCode}`);
  return { model: JSON.parse(r.stdout) as ComposeModel, warnings: messages };
}

/** A path as the engine or compose would open it: symlinks followed, as far as it exists. */
function realish(p: string): string {
  const abs = path.resolve(p);
  let existing = abs;
  const rest: string[] = [];
  while (!existsSync(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) return abs;
    rest.unshift(path.basename(existing));
    existing = parent;
  }
  try {
    return path.join(realpathSync(existing), ...rest);
  } catch {
    return abs;
  }
}

/** `file` is the folder `dir` or below it, once symlinks are followed (the lab's are copied as links). */
export function insideDir(dir: string, file: string): boolean {
  const rel = path.relative(realish(dir), realish(file));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

const isRemote = (ref: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(ref) || /^git@/.test(ref);

/** A path an untrusted file names, judged: remote, interpolated, or outside the lab folder is refused. */
function outsideProblem(projectDir: string, baseDir: string, ref: unknown, what: string): string | undefined {
  if (typeof ref !== 'string') return undefined;
  if (isRemote(ref)) return `${what} ${ref} is remote: keep it in the lab folder.`;
  if (ref.includes('$')) return `${what} ${ref} uses a variable: name a plain path in the lab folder.`;
  return insideDir(projectDir, path.resolve(baseDir, ref)) ? undefined : `${what} ${ref} is outside the lab folder: keep it in the lab folder.`;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const record = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : {});

/**
 * The files compose reads as it loads an untrusted project, before it reads them: the compose
 * files themselves, what they `include` and `extends` (read here, to follow them), then the
 * env files compose names once those are loaded (`config --no-interpolate --no-normalize`
 * names them without reading them). Throws a ComposeRefusedError.
 */
async function refuseOutsideReads(p: ComposeFiles, timeoutMs: number): Promise<void> {
  const problems: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string, what: string): void => {
    const abs = path.resolve(p.projectDir, file);
    if (seen.has(abs)) return;
    seen.add(abs);
    if (!insideDir(p.projectDir, abs)) {
      problems.push(`${what} ${path.relative(p.projectDir, abs)} is outside the lab folder: keep it in the lab folder.`);
      return;
    }
    let doc: Record<string, unknown>;
    try {
      doc = record(parseYaml(readFileSync(abs, 'utf8')));
    } catch {
      return; // compose reports what it cannot read
    }
    const dir = path.dirname(abs);
    const check = (ref: unknown, label: string): boolean => {
      const problem = outsideProblem(p.projectDir, dir, ref, label);
      if (problem) problems.push(problem);
      return !problem;
    };
    for (const inc of asList(doc.include)) {
      const entry = typeof inc === 'string' ? { path: inc } : record(inc);
      const projectDirectory = entry.project_directory;
      if (projectDirectory !== undefined) check(projectDirectory, '`include` project_directory');
      for (const envFile of asList(entry.env_file)) check(envFile, '`include` env_file');
      for (const f of asList(entry.path)) if (check(f, '`include`')) visit(path.resolve(dir, f as string), '`include`');
    }
    for (const [name, svc] of Object.entries(record(doc.services))) {
      const ext = record(record(svc).extends);
      if (ext.file !== undefined && check(ext.file, `Service \`${name}\`: \`extends\` file`)) visit(path.resolve(dir, ext.file as string), `Service \`${name}\`: \`extends\` file`);
    }
  };
  for (const f of p.files) visit(f, 'The compose file');
  // The project's .env, read for `${VAR}`: a link to a host file would hand its values over.
  const dotEnv = path.join(p.projectDir, '.env');
  if (existsSync(dotEnv) && !insideDir(p.projectDir, dotEnv)) problems.push('The .env file links outside the lab folder: make it a plain file.');
  if (problems.length) throw new ComposeRefusedError(problems);
  // Paths as compose resolves them (extends and include rebase them), nothing read yet.
  const r = await composeCli([...fileArgs(p), 'config', '--no-interpolate', '--no-normalize', '--format', 'json'], timeoutMs, true);
  if (r.exitCode !== 0) return; // the real `config` reports it
  let raw: ComposeModel;
  try {
    raw = JSON.parse(r.stdout) as ComposeModel;
  } catch {
    return;
  }
  const outside = fileReadProblems(raw, p.projectDir);
  if (outside.length) throw new ComposeRefusedError(outside);
}

/** env_file and label_file of each service: files compose reads on the host. */
function fileReadProblems(model: ComposeModel, projectDir: string): string[] {
  const problems: string[] = [];
  for (const [name, svc] of Object.entries(model.services ?? {})) {
    for (const key of ['env_file', 'label_file']) {
      for (const entry of asList(svc[key])) {
        const file = typeof entry === 'string' ? entry : record(entry).path;
        const problem = outsideProblem(projectDir, projectDir, file, `Service \`${name}\`: \`${key}\``);
        if (problem) problems.push(problem);
      }
    }
  }
  return problems;
}

export interface RunnableOptions {
  projectName: string;
  /** Service -> the image the harness built for it; its `build:` is dropped. */
  images: Record<string, string>;
  labels: Labels;
  limits?: { memoryMb: number; cpus: number; pids: number };
  /**
   * Untrusted files (grading): refuse what reaches the host, make every network internal,
   * publish nothing, and apply `limits` as a ceiling (a file may ask for less, not more).
   */
  isolate?: boolean;
  /** The lab folder: the only place an isolated project may read files from (required with `isolate`). */
  projectDir?: string;
}

/** Services an isolated project may start: each gets the grading limits, so their number bounds the total. */
export const MAX_ISOLATED_SERVICES = 8;

/** Service keys that reach past the container (host namespaces, privileges, devices, the engine). */
const REFUSED_SERVICE_KEYS: Record<string, string> = {
  privileged: 'graded containers run unprivileged',
  cap_add: 'graded containers keep Docker\'s default capabilities, no more',
  devices: 'graded containers get no host devices',
  device_cgroup_rules: 'graded containers get no host devices',
  gpus: 'graded containers get no host devices',
  network_mode: 'graded services join only the project\'s own networks (they reach each other by service name on the default network)',
  pid: 'graded containers get their own process namespace',
  ipc: 'graded containers get their own IPC namespace',
  uts: 'graded containers get their own UTS namespace',
  cgroup: 'graded containers get their own cgroup namespace',
  userns_mode: 'graded containers use the engine\'s user namespace setting',
  cgroup_parent: 'the harness places and limits graded containers',
  security_opt: 'Docker\'s default seccomp and AppArmor profiles apply to graded containers',
  sysctls: 'graded containers keep the engine\'s kernel settings',
  runtime: 'graded containers use the engine\'s default runtime',
  oom_kill_disable: 'the harness sets the memory limit and what happens past it',
  oom_score_adj: 'the harness sets the memory limit and what happens past it',
  cpu_rt_runtime: 'graded containers get no real-time scheduling',
  cpu_rt_period: 'graded containers get no real-time scheduling',
  external_links: 'only the project\'s own services are reachable (by service name)',
  use_api_socket: 'graded containers do not reach the Docker engine',
  provider: 'graded projects run containers only',
};

/** The drivers whose logs stay on this machine, where `docker compose logs` reads them. */
const LOCAL_LOG_DRIVERS = new Set(['json-file', 'local', 'none']);

/** A key counts as set unless it is absent, false, zero, empty. */
function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '' || v === 0) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/**
 * Why an untrusted model may not run here, one sentence per problem, each naming the service
 * (or network, volume, secret, config), the key, and what to change. Empty: it may run.
 */
export function untrustedProblems(model: ComposeModel, projectDir: string): string[] {
  const problems: string[] = [];
  const services = Object.entries(model.services ?? {});
  if (services.length > MAX_ISOLATED_SERVICES) {
    problems.push(`The project has ${services.length} services; graded projects run at most ${MAX_ISOLATED_SERVICES}.`);
  }
  const volumeKeys = new Set(Object.keys(model.volumes ?? {}));
  for (const [name, svc] of services) {
    const at = `Service \`${name}\``;
    for (const [key, why] of Object.entries(REFUSED_SERVICE_KEYS)) {
      if (isSet(svc[key])) problems.push(`${at} sets \`${key}\`: ${why}; remove it.`);
    }
    const logging = record(svc.logging);
    if (typeof logging.driver === 'string' && !LOCAL_LOG_DRIVERS.has(logging.driver)) {
      problems.push(`${at} sets \`logging.driver: ${logging.driver}\`: graded logs stay on this machine; remove it (or use json-file).`);
    }
    for (const [hook, entries] of [['post_start', svc.post_start], ['pre_stop', svc.pre_stop]] as const) {
      if (asList(entries).some((e) => isSet(record(e).privileged))) problems.push(`${at} runs a privileged \`${hook}\` hook: graded containers run unprivileged; remove \`privileged\`.`);
    }
    const deploy = record(svc.deploy);
    const replicas = Math.max(Number(svc.scale ?? 1), Number(deploy.replicas ?? 1));
    if (replicas > 1) problems.push(`${at} asks for ${replicas} replicas (\`scale\` or \`deploy.replicas\`): graded projects run one container per service; remove it.`);
    if (isSet(record(record(deploy.resources).reservations).devices)) {
      problems.push(`${at} reserves devices (\`deploy.resources.reservations.devices\`): graded containers get no host devices; remove it.`);
    }
    for (const mount of asList(svc.volumes)) {
      const m = typeof mount === 'string' ? shortMount(mount) : record(mount);
      const target = typeof m.target === 'string' ? m.target : '?';
      if (m.type === 'tmpfs') continue;
      if (m.type === 'volume' && (m.source === undefined || (typeof m.source === 'string' && volumeKeys.has(m.source)))) continue;
      problems.push(m.type === 'volume'
        ? `${at} mounts ${String(m.source)} at ${target} (\`volumes\`), which is not a volume of the project: declare it under top-level \`volumes:\`.`
        : `${at} mounts ${m.type === 'bind' ? `the host path ${String(m.source)}` : `a ${String(m.type)} mount`} at ${target} (\`volumes\`): graded projects mount only named volumes and tmpfs; use a named volume (\`data:${target}\`, declared under top-level \`volumes:\`) or \`tmpfs\`.`);
    }
    for (const from of asList(svc.volumes_from)) {
      if (typeof from === 'string' && from.startsWith('container:')) problems.push(`${at} mounts the volumes of ${from} (\`volumes_from\`): only the project's own services may be named; remove it.`);
    }
  }
  problems.push(...fileReadProblems(model, projectDir));
  for (const [kind, group] of [['Network', model.networks], ['Volume', model.volumes]] as const) {
    for (const [key, value] of Object.entries(group ?? {})) {
      const at = `${kind} \`${key}\``;
      if (value?.external) { problems.push(`${at} is \`external\`: graded projects use only the ${kind.toLowerCase()}s they define; remove \`external\`.`); continue; }
      const driver = value?.driver;
      const ownDriver = kind === 'Network' ? 'bridge' : 'local';
      if (driver !== undefined && driver !== ownDriver) problems.push(`${at} uses the driver \`${String(driver)}\`: graded projects use the ${ownDriver} driver; remove \`driver\`.`);
      if (isSet(value?.driver_opts)) problems.push(`${at} sets \`driver_opts\`: graded ${kind.toLowerCase()}s take the engine's defaults; remove it.`);
      const ipam = record(value?.ipam);
      if (kind === 'Network' && (isSet(ipam.config) || (ipam.driver !== undefined && ipam.driver !== 'default'))) {
        problems.push(`${at} sets \`ipam\`: the engine picks graded networks' subnets; remove it.`);
      }
    }
  }
  for (const [kind, group] of [['Secret', model.secrets], ['Config', model.configs]] as const) {
    for (const [key, value] of Object.entries(record(group))) {
      const v = record(value);
      const at = `${kind} \`${key}\``;
      if (v.external) problems.push(`${at} is \`external\`: give it a \`file:\` in the lab folder; remove \`external\`.`);
      if (v.environment !== undefined) problems.push(`${at} reads the harness's environment (\`environment: ${String(v.environment)}\`): give it a \`file:\` in the lab folder instead.`);
      const problem = outsideProblem(projectDir, projectDir, v.file, `${at}: \`file\``);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

/** `src:dst[:mode]` or `dst` (an anonymous volume), as compose reads the short syntax. */
function shortMount(spec: string): Record<string, unknown> {
  const [first, second] = spec.split(':');
  if (second === undefined) return { type: 'volume', target: first };
  return { type: /^[./~]/.test(first ?? '') ? 'bind' : 'volume', source: first, target: second };
}

/** A memory size in bytes: a number, or compose's `512m`, `1g`, `1073741824`; undefined when absent or unreadable. */
function bytesOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v > 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  return n > 0 ? n : undefined;
}

function positive(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The grading limits on a service, lowered where the file asks for less; no swap. */
function applyCeiling(svc: ComposeService, limits: { memoryMb: number; cpus: number; pids: number }): void {
  const deployLimits = svc.deploy && typeof svc.deploy === 'object' ? (svc.deploy as { resources?: { limits?: Record<string, unknown> } }).resources?.limits : undefined;
  const ceiling = limits.memoryMb * 1024 * 1024;
  const memory = Math.min(ceiling, bytesOf(svc.mem_limit) ?? Infinity, bytesOf(deployLimits?.memory) ?? Infinity);
  const cpus = Math.min(limits.cpus, positive(svc.cpus) ?? Infinity, positive(deployLimits?.cpus) ?? Infinity);
  const pids = Math.min(limits.pids, positive(svc.pids_limit) ?? Infinity, positive(deployLimits?.pids) ?? Infinity);
  const mem = memory === ceiling ? `${limits.memoryMb}m` : String(Math.floor(memory));
  svc.mem_limit = mem;
  svc.memswap_limit = mem;
  svc.cpus = cpus;
  svc.pids_limit = pids;
  // compose refuses different values in `deploy.resources.limits` and the service keys.
  if (deployLimits) Object.assign(deployLimits, { memory: mem, cpus, pids });
}

/**
 * The resolved model rewritten to run here: built images instead of `build:`, no pulls,
 * ephemeral loopback ports, no fixed container names, limits, and the harness's labels on
 * containers, networks and volumes. With `isolate`, refuses what an untrusted file may not
 * ask for (a ComposeRefusedError), publishes nothing, makes every network internal (the
 * implicit default one too), names networks and volumes after the project (never another's),
 * and applies `limits` as a ceiling.
 */
export function runnableModel(model: ComposeModel, opts: RunnableOptions): ComposeModel {
  if (opts.isolate) {
    if (!opts.projectDir) throw new Error('runnableModel: isolate needs the projectDir');
    const problems = untrustedProblems(model, opts.projectDir);
    if (problems.length) throw new ComposeRefusedError(problems);
  }
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
    if (opts.isolate) {
      // Nothing is published from an internal network: the harness reaches the container's address.
      delete svc.ports;
      // `config` merged the env files into `environment` already.
      delete svc.env_file;
      applyCeiling(svc, limits);
      continue;
    }
    if (svc.ports) svc.ports = svc.ports.map((p) => ({ target: p.target, host_ip: '127.0.0.1', protocol: p.protocol ?? 'tcp', mode: p.mode ?? 'ingress' }));
    svc.mem_limit = `${limits.memoryMb}m`;
    svc.memswap_limit = `${limits.memoryMb}m`;
    svc.cpus = limits.cpus;
    svc.pids_limit = limits.pids;
  }
  if (opts.isolate) {
    // A service without `networks:` joins `default`, which compose creates unless declared: declare it, internal.
    const usesDefault = Object.values(out.services).some((svc) => !svc.network_mode && (svc.networks === undefined || svc.networks === null || Object.hasOwn(record(svc.networks), 'default')
      || (Array.isArray(svc.networks) && svc.networks.includes('default'))));
    if (usesDefault && !out.networks?.default) out.networks = { ...out.networks, default: { internal: true, labels: { ...opts.labels } } };
  }
  for (const group of [out.networks, out.volumes]) {
    for (const [key, value] of Object.entries(group ?? {})) {
      if (value?.external) continue;
      if (opts.isolate) {
        const name = `${opts.projectName}_${key}`;
        // Networks get a guarded bridge name: the host's firewall rule drops what they start (sandbox/host-guard.ts).
        group![key] = { ...(value ?? {}), name, ...(group === out.networks ? { internal: true, driver_opts: guardedBridgeOption(name) } : {}), labels: { ...(value?.labels ?? {}), ...opts.labels } };
        continue;
      }
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

/** What an isolated project remembers of the file: the ports each service declares (none are published). */
interface IsolatedProject {
  declaredPorts: Map<string, number[]>;
}

/** A started compose project; `down()` removes its containers, networks and volumes. */
export class ComposeProject {
  private constructor(readonly files: ComposeFiles, private readonly tempDir: string, private readonly isolated?: IsolatedProject) {}

  /**
   * Writes the runnable model and runs `docker compose up --wait` with it. The project
   * exists afterwards even when `up` failed (a crashed or unhealthy service): call `down()`.
   */
  static async up(files: ComposeFiles, model: ComposeModel, opts: Omit<RunnableOptions, 'projectName'> & { waitTimeoutMs: number }): Promise<{ project: ComposeProject; up: UpResult }> {
    // Refused (isolation) before anything exists to clean up.
    const runnable = runnableModel(model, { ...opts, projectName: files.projectName, ...(opts.isolate ? { projectDir: files.projectDir } : {}) });
    const tempDir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-compose-'));
    const file = path.join(tempDir, 'compose.json');
    // JSON is YAML: compose reads the rewritten model as it is.
    await writeFile(file, JSON.stringify(runnable, null, 2));
    const isolated = opts.isolate
      ? { declaredPorts: new Map(Object.entries(model.services).map(([name, svc]) => [name, (svc.ports ?? []).map((p) => p.target)])) }
      : undefined;
    const project = new ComposeProject({ ...files, files: [file] }, tempDir, isolated);
    const t0 = performance.now();
    const waitSeconds = Math.max(1, Math.ceil(opts.waitTimeoutMs / 1000));
    // --wait-timeout bounds only the wait after `up`; a service that waits for another's
    // health (depends_on: service_healthy) waits inside `up`, so the process has a bound too.
    const limitMs = opts.waitTimeoutMs + 5_000;
    const r = await composeCli([...fileArgs(project.files), 'up', '--detach', '--no-build', '--pull', 'never', '--wait', '--wait-timeout', String(waitSeconds)], limitMs, opts.isolate);
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

  /**
   * GET through the port a service publishes (its container port, mapped to the host). Under
   * isolation nothing is published: the port must still be one the file publishes, and the
   * request goes to the container's address on its (internal) network.
   */
  async http(service: string, containerPort: number, pathname: string, timeoutMs = 5000): Promise<HttpAnswer> {
    const c = await this.container(service);
    if (!c) throw new Error(`service ${service} has no container`);
    const noPort = `service ${service} publishes no port ${containerPort} (add \`ports: ["${containerPort}:${containerPort}"]\`)`;
    if (this.isolated) {
      if (!this.isolated.declaredPorts.get(service)?.includes(containerPort)) throw new Error(noPort);
      return get(`http://${await containerAddress(c.id, service)}:${containerPort}${pathname}`, timeoutMs);
    }
    const hostPort = c.ports.get(containerPort);
    if (!hostPort) throw new Error(noPort);
    return get(`http://127.0.0.1:${hostPort}${pathname}`, timeoutMs);
  }

  /** A service's last log lines, for messages. */
  async logs(service: string, tail = 10): Promise<string> {
    const r = await composeCli([...fileArgs(this.files), 'logs', '--no-color', '--no-log-prefix', '--tail', String(tail), service], 20_000, !!this.isolated);
    return r.stdout.trim();
  }

  /** `down -v`: containers, networks and volumes of the project, then the rewritten file. Nothing
   * here measures a graceful stop, so containers get 1 s before SIGKILL. */
  async down(): Promise<void> {
    await composeCli([...fileArgs(this.files), 'down', '--volumes', '--remove-orphans', '--timeout', '1'], 60_000, !!this.isolated);
    await rm(this.tempDir, { recursive: true, force: true });
  }
}

async function get(url: string, timeoutMs: number): Promise<HttpAnswer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text(), headers: Object.fromEntries(res.headers) };
}

/** A container's address on one of its networks (an isolated project's are all internal, reachable from the host). */
async function containerAddress(id: string, service: string): Promise<string> {
  const info = await docker().getContainer(id).inspect();
  const networks = Object.entries(info.NetworkSettings.Networks ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const address = networks.map(([, n]) => n.IPAddress).find(Boolean);
  if (!address) throw new Error(`service ${service} has no address on its networks`);
  return address;
}
