import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseDockerfile } from '../build/dockerfile.ts';
import type { BuildResult } from '../build/buildx.ts';
import { imagePresent, requireEngine } from '../engine/docker.ts';
import { removeManaged } from '../engine/cleanup.ts';
import { StagecraftError } from '../errors.ts';
import { assembleContext, makeWorkDir, type Take } from '../course/lab-files.ts';
import type { Lesson } from '../course/lesson.ts';
import { ensureMirror } from '../mirror/index.ts';
import type { Verdict } from './goal.ts';
import { LabContext } from './lab-context.ts';

export interface CheckOptions {
  /** The folder holding the lab's files; defaults to the lab in `labs/`. */
  dir?: string;
  take?: Take;
  /** Progress lines (build steps, goal names) as they happen. */
  onProgress?: (line: string) => void;
  /** Called with each verdict as soon as it is known. */
  onVerdict?: (v: Verdict) => void;
  /** Only these goal ids. */
  only?: string[];
  signal?: AbortSignal;
}

export interface LabReport {
  lesson: Lesson;
  dir: string;
  build: Pick<BuildResult, 'outcome' | 'reason' | 'durationMs'> & { failedStepOutput: string[] };
  verdicts: Verdict[];
  /** Image size figures, when the image was read. */
  image: { size: number | undefined; compressedSize: number | undefined } | undefined;
  durationMs: number;
}

export function newSessionId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/**
 * Checks one lab: assemble the context, build it, measure every goal, clean up.
 * Throws StagecraftError when the lab cannot be checked at all (no engine, bad Dockerfile,
 * missing files or base images); a build that fails is a verdict, not an exception.
 */
export async function checkLab(lesson: Lesson, opts: CheckOptions = {}): Promise<LabReport> {
  const started = performance.now();
  const dir = path.resolve(opts.dir ?? lesson.labDir);
  const sessionId = newSessionId();
  const progress = opts.onProgress ?? ((): void => undefined);
  const contextDir = await makeWorkDir(lesson.number);
  let ctx: LabContext | undefined;
  try {
    await assembleContext(lesson, dir, contextDir, opts.take ?? 'all');
    const dockerfile = parseDockerfile(await readFile(path.join(contextDir, 'Dockerfile'), 'utf8'), `${path.relative(process.cwd(), dir) || '.'}/Dockerfile`);
    await requireEngine();
    await requireBaseImages(dockerfile.baseImages);
    const mirror = await ensureMirror({ onProgress: progress });
    const extraBuildArgs = await mirror.buildArgs(dockerfile.baseImages, lesson.platforms ? { platforms: lesson.platforms } : undefined);

    ctx = new LabContext({ lesson, sessionId, contextDir, dockerfile, extraBuildArgs, onProgress: progress, signal: opts.signal });
    progress('building the image');
    const build = await ctx.buildMain((line) => { if (/^#\d+ \[/.test(line)) progress(line.replace(/^#\d+ /, '')); });
    if (build.outcome === 'cancelled') throw new StagecraftError('usage', 'The check was cancelled.');
    if (build.outcome === 'failed' && /dockerfile parse error|failed to parse/i.test(build.reason ?? '')) {
      throw new StagecraftError('dockerfile-invalid', `The Dockerfile does not parse: ${build.reason ?? ''}`, 'Fix the line it names and check again.');
    }

    const verdicts: Verdict[] = [];
    for (const g of lesson.goals.filter((x) => !opts.only || opts.only.includes(x.id))) {
      if (opts.signal?.aborted) throw new StagecraftError('usage', 'The check was cancelled.');
      progress(`checking: ${g.title}`);
      const t0 = performance.now();
      let v: Verdict;
      try {
        const o = await g.check(ctx);
        v = { id: g.id, title: g.title, status: o.pass ? 'pass' : 'fail', expected: o.expected, measured: o.measured, message: o.message, hint: g.hint, weight: g.weight, durationMs: performance.now() - t0 };
      } catch (e) {
        v = { id: g.id, title: g.title, status: 'error', expected: '', measured: '', message: `The harness could not measure this goal: ${e instanceof Error ? e.message : String(e)}`, hint: g.hint, weight: g.weight, durationMs: performance.now() - t0 };
      }
      verdicts.push(v);
      opts.onVerdict?.(v);
    }

    const facts = build.outcome === 'built' ? await ctx.facts().catch(() => undefined) : undefined;
    const failed = build.log.failedStep();
    return {
      lesson, dir, verdicts,
      build: { outcome: build.outcome, reason: build.reason, durationMs: build.durationMs, failedStepOutput: failed?.output.slice(-15) ?? [] },
      image: facts ? { size: facts.size, compressedSize: facts.compressedSize } : undefined,
      durationMs: performance.now() - started,
    };
  } finally {
    await ctx?.dispose();
    await removeManaged(sessionId).catch(() => undefined);
    await rm(contextDir, { recursive: true, force: true });
  }
}

async function requireBaseImages(refs: string[]): Promise<void> {
  const missing: string[] = [];
  for (const ref of refs) if (!(await imagePresent(ref))) missing.push(ref);
  if (missing.length) {
    throw new StagecraftError('base-image-missing', `The base image${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not on this machine.`,
      'Run `npx stagecraft images` to pull or build the images the course uses (or `npx stagecraft images --load FILE` from a workshop copy).');
  }
}
