import { readFile, rm, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { labelArgs, type Labels } from '../engine/labels.ts';
import type { BuildLog, BuildStep } from './build-log.ts';
import { runBuildkit } from './run-buildkit.ts';

export interface BuildSecret {
  id: string;
  /** A file on the host holding the secret. */
  src: string;
}

export interface BuildRequest {
  contextDir: string;
  /** Defaults to `<contextDir>/Dockerfile`. */
  dockerfile?: string;
  tag: string;
  target?: string;
  buildArgs?: Record<string, string>;
  secrets?: BuildSecret[];
  platforms?: string[];
  cacheFrom?: string[];
  cacheTo?: string[];
  noCache?: boolean;
  labels?: Labels;
  /** Extra flags from the harness itself (the package mirror's build contexts and hosts). */
  extraArgs?: string[];
  /** Wall-clock limit; the build is cancelled past it. */
  timeoutMs?: number;
  /** Build on another engine (an isolated one, for untrusted code): its DOCKER_HOST. */
  dockerHost?: string;
  /** Keep at most this many bytes of BuildKit's output (a flood of output is cut, not stored). */
  logBytes?: number;
  /** Each line of BuildKit's plain progress output, as it arrives. */
  onLine?: (line: string, log: BuildLog) => void;
  signal?: AbortSignal;
}

export type BuildOutcome = 'built' | 'failed' | 'timeout' | 'cancelled';

export interface BuildResult {
  outcome: BuildOutcome;
  tag: string;
  /** The image ID (config or manifest digest) when built. */
  imageId: string | undefined;
  durationMs: number;
  log: BuildLog;
  steps: BuildStep[];
  /** One line saying why the build did not produce an image. */
  reason: string | undefined;
}

export const DEFAULT_BUILD_TIMEOUT_MS = 10 * 60_000;

/**
 * Builds with `docker buildx build --load` (BuildKit with a session, so secrets, cache
 * mounts and multi-platform work; testcontainers' fromDockerfile cannot do that here).
 */
export async function buildImage(req: BuildRequest): Promise<BuildResult> {
  const meta = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-build-'));
  const metadataFile = path.join(meta, 'metadata.json');
  const args = buildArgsFor(req, metadataFile);
  const timeoutMs = req.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS;
  const { exitCode, timedOut, log, durationMs } = await runBuildkit({ verb: 'build', args, timeoutMs, signal: req.signal, onLine: req.onLine, logBytes: req.logBytes,
    ...(req.dockerHost ? { env: { ...process.env, DOCKER_HOST: req.dockerHost } } : {}) });

  let imageId: string | undefined;
  try {
    const metadata = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, unknown>;
    const digest = metadata['containerimage.digest'] ?? metadata['containerimage.config.digest'];
    imageId = typeof digest === 'string' ? digest : undefined;
  } catch {
    imageId = undefined;
  }
  await rm(meta, { recursive: true, force: true });

  let outcome: BuildOutcome = 'built';
  let reason: string | undefined;
  if (timedOut) {
    outcome = 'timeout';
    reason = `the build did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`;
  } else if (req.signal?.aborted) {
    outcome = 'cancelled';
    reason = 'the build was cancelled';
  } else if (exitCode !== 0) {
    outcome = 'failed';
    reason = failureReason(log);
  }
  return { outcome, tag: req.tag, imageId: outcome === 'built' ? imageId : undefined, durationMs, log, steps: log.ordered(), reason };
}

function buildArgsFor(req: BuildRequest, metadataFile: string): string[] {
  // No provenance attestation: it adds an unknown/unknown manifest to every image and time to every build.
  const args = ['--progress=plain', '--load', '--provenance=false', '--metadata-file', metadataFile, '-t', req.tag];
  args.push('-f', req.dockerfile ?? path.join(req.contextDir, 'Dockerfile'));
  if (req.target) args.push('--target', req.target);
  for (const [k, v] of Object.entries(req.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
  for (const s of req.secrets ?? []) args.push('--secret', `id=${s.id},src=${s.src}`);
  if (req.platforms?.length) args.push('--platform', req.platforms.join(','));
  for (const c of req.cacheFrom ?? []) args.push('--cache-from', c);
  for (const c of req.cacheTo ?? []) args.push('--cache-to', c);
  if (req.noCache) args.push('--no-cache');
  args.push(...labelArgs(req.labels ?? {}));
  args.push(...(req.extraArgs ?? []));
  args.push(req.contextDir);
  return args;
}

/** The failing step and BuildKit's own reason, in one line. */
function failureReason(log: BuildLog): string {
  const step = log.failedStep();
  const why = log.solveError ?? step?.error ?? 'docker buildx build failed';
  return step ? `step ${step.name} failed: ${why}` : why;
}
