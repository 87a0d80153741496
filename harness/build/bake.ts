import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import type { BuildLog, BuildStep } from './build-log.ts';
import { runBuildkit } from './run-buildkit.ts';
import { DEFAULT_BUILD_TIMEOUT_MS, type BuildOutcome } from './buildx.ts';

/** One target of a bake definition, as `docker buildx bake --print` resolves it. */
export interface BakeTarget {
  context?: string;
  contexts?: Record<string, string>;
  dockerfile?: string;
  /** The Dockerfile stage it builds. */
  target?: string;
  args?: Record<string, string>;
  labels?: Record<string, string>;
  tags?: string[];
  output?: string[];
  platforms?: string[];
  'cache-from'?: string[];
  'cache-to'?: string[];
}

/** A bake file (or files) after buildx has read, merged and interpolated it. */
export interface BakeDefinition {
  group: Record<string, { targets?: string[] }>;
  target: Record<string, BakeTarget>;
}

export interface BakeRequest {
  /** Where bake runs: it looks for its files (docker-bake.hcl, ...) here. */
  cwd: string;
  /** Targets or groups to build; none builds the `default` group. */
  targets?: string[];
  /** `--set` overrides, `pattern.key=value`. */
  set?: string[];
  /** Bake variables (`variable "X"` blocks read them from the environment). */
  vars?: Record<string, string>;
  /** Another engine (`unix:///...`): DOCKER_HOST for this run only. */
  dockerHost?: string;
  timeoutMs?: number;
  onLine?: (line: string, log: BuildLog) => void;
  signal?: AbortSignal;
}

export interface BakeResult {
  outcome: BuildOutcome;
  durationMs: number;
  log: BuildLog;
  steps: BuildStep[];
  /** One line saying why the run did not finish. */
  reason: string | undefined;
  /** Per target, what `--metadata-file` recorded (image name and digest when exported). */
  metadata: Record<string, { imageName?: string; digest?: string }>;
}

/** The bake file's error when it does not parse or names an unknown target. */
export class BakeDefinitionError extends Error {}

function env(req: Pick<BakeRequest, 'vars' | 'dockerHost'>): NodeJS.ProcessEnv {
  // Plain progress and no colours in the kept log; bake variables come from the environment.
  return { ...process.env, ...(req.vars ?? {}), BUILDKIT_PROGRESS: 'plain', NO_COLOR: '1', ...(req.dockerHost ? { DOCKER_HOST: req.dockerHost } : {}) };
}

/** `docker buildx bake --print`: the definition bake would build, nothing built. */
export async function bakeDefinition(req: Pick<BakeRequest, 'cwd' | 'targets' | 'set' | 'vars'>): Promise<BakeDefinition> {
  const args = ['--print', ...(req.set ?? []).flatMap((s) => ['--set', s]), ...(req.targets ?? [])];
  const out = await $({ cwd: req.cwd, nothrow: true, quiet: true, env: env(req) })`docker buildx bake ${args}`;
  if (out.exitCode !== 0) {
    const error = out.stderr.split('\n').filter((l) => l.startsWith('ERROR')).map((l) => l.replace(/^ERROR:\s*/, '')).join(' ');
    throw new BakeDefinitionError(error || out.stderr.trim().split('\n').slice(-2).join(' ') || `docker buildx bake --print exited ${out.exitCode}`);
  }
  const parsed = JSON.parse(out.stdout) as Partial<BakeDefinition>;
  return { group: parsed.group ?? {}, target: parsed.target ?? {} };
}

/**
 * Runs `docker buildx bake` (plain progress, a time limit, a metadata file). Bake prefixes
 * each step with its target (`[test deps 1/2] RUN npm ci`), so one log serves all targets.
 */
export async function runBake(req: BakeRequest): Promise<BakeResult> {
  const meta = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-bake-'));
  const metadataFile = path.join(meta, 'metadata.json');
  const args = ['--progress=plain', '--provenance=false', '--metadata-file', metadataFile, ...(req.set ?? []).flatMap((s) => ['--set', s]), ...(req.targets ?? [])];
  const timeoutMs = req.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS;
  const { exitCode, timedOut, log, durationMs } = await runBuildkit({ verb: 'bake', args, cwd: req.cwd, env: env(req), timeoutMs, signal: req.signal, onLine: req.onLine });

  let metadata: BakeResult['metadata'] = {};
  try {
    const raw = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, Record<string, unknown>>;
    metadata = Object.fromEntries(Object.entries(raw).filter(([, v]) => typeof v === 'object' && v !== null).map(([k, v]) => [k, {
      imageName: typeof v['image.name'] === 'string' ? v['image.name'] : undefined,
      digest: typeof v['containerimage.digest'] === 'string' ? v['containerimage.digest'] : undefined,
    }]));
  } catch {
    metadata = {};
  }
  await rm(meta, { recursive: true, force: true });

  let outcome: BuildOutcome = 'built';
  let reason: string | undefined;
  if (timedOut) {
    outcome = 'timeout';
    reason = `docker buildx bake did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`;
  } else if (req.signal?.aborted) {
    outcome = 'cancelled';
    reason = 'the build was cancelled';
  } else if (exitCode !== 0) {
    outcome = 'failed';
    const step = log.failedStep();
    const why = log.solveError ?? step?.error ?? (log.toString().trim().split('\n').pop() || 'docker buildx bake failed');
    reason = step ? `step ${step.name} failed: ${why}` : why;
  }
  return { outcome, durationMs, log, steps: log.ordered(), reason, metadata };
}
