import type { BuildResult } from '../build/buildx.ts';
import { StagecraftError } from '../errors.ts';
import type { Lesson } from '../course/lesson.ts';
import type { LintFinding } from '../lint/rules.ts';
import type { Verdict } from './goal.ts';
import { withBuiltLab, type BuildLabOptions } from './build-lab.ts';
import type { LabContext } from './lab-context.ts';
import { loadTestcontainers } from '../run/container.ts';
import { docker } from '../engine/docker.ts';

/** An image past the cap is not read at all: exporting gigabytes would be the attack. */
async function requireImageWithin(tag: string, maxBytes: number): Promise<void> {
  const size = (await docker().getImage(tag).inspect()).Size;
  if (size > maxBytes) {
    const mb = (n: number): string => `${Math.round(n / 1e6)} MB`;
    throw new StagecraftError('limit-exceeded', `The image is ${mb(size)}, over the grading limit of ${mb(maxBytes)}, so it was not measured.`,
      'Find the step that writes so much (`docker history`) and keep large files out of the image.');
  }
}

export { newSessionId } from './build-lab.ts';

export interface CheckOptions extends BuildLabOptions {
  /** Called with each verdict as soon as it is known. */
  onVerdict?: (v: Verdict) => void;
  /** Only these goal ids. */
  only?: string[];
  /** Called with the report as soon as it is complete, before the check's cleanup (watch mode shows it then). */
  onReport?: (r: LabReport) => void;
}

export interface LabReport {
  lesson: Lesson;
  dir: string;
  build: Pick<BuildResult, 'outcome' | 'reason' | 'durationMs'> & { failedStepOutput: string[] };
  verdicts: Verdict[];
  /** Image size figures, when the image was read. */
  image: { size: number | undefined; compressedSize: number | undefined } | undefined;
  /** Docker's build checks on the Dockerfile (shown after the goals; goals may use them too). */
  lint?: LintFinding[];
  durationMs: number;
}

/**
 * Checks one lab: assemble the context, build it, measure every goal, clean up.
 * Throws StagecraftError when the lab cannot be checked at all (no engine, bad Dockerfile,
 * missing files or base images); a build that fails is a verdict, not an exception.
 */
export async function checkLab(lesson: Lesson, opts: CheckOptions = {}): Promise<LabReport> {
  const started = performance.now();
  const progress = opts.onProgress ?? ((): void => undefined);
  // testcontainers and its runtime client (a `docker info`, `docker compose version`) are made
  // ready during the build, so the first check does not wait for them after it.
  if (lesson.run) void loadTestcontainers().then((tc) => tc.getContainerRuntimeClient()).catch(() => undefined);
  const goals = lesson.goals.filter((x) => !opts.only || opts.only.includes(x.id));
  const onContext = (ctx: LabContext): void => {
    opts.onContext?.(ctx);
    // A caller that shows the report before the cleanup waits for nothing else: removals wait too.
    if (opts.onReport) ctx.keepVariantImages();
    // Rebuilds of edited copies of the context need no main image: they start while the main
    // build runs. Not for untrusted code, whose image is sized before anything else is built.
    if (!ctx.isolation) for (const g of goals) g.prepareContext?.(ctx);
  };
  return withBuiltLab(lesson, { ...opts, onContext }, async ({ dir, ctx, build }) => {
    if (ctx.isolation && build.outcome === 'built') await requireImageWithin(build.tag, ctx.isolation.limits.imageBytes);
    // The container does not depend on the rebuilds some goals make: start it now, so the
    // two overlap (its failure, if any, is reported by the goals that use it).
    if (lesson.run && build.outcome === 'built') ctx.app().catch(() => undefined);
    // Docker's build checks read only the context: made while the goals wait for the engine.
    void ctx.lint().catch(() => undefined);
    // Likewise the rebuilds goals will compare: BuildKit runs them side by side.
    for (const g of goals) g.prepare?.(ctx);

    const verdicts: Verdict[] = [];
    for (const g of goals) {
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
    const lint = await ctx.lint().catch(() => undefined);
    const failed = build.log.failedStep();
    const report: LabReport = {
      lesson, dir, verdicts,
      build: { outcome: build.outcome, reason: build.reason, durationMs: build.durationMs, failedStepOutput: failed?.output.slice(-15) ?? [] },
      image: facts ? { size: facts.size, compressedSize: facts.compressedSize } : undefined,
      ...(lint ? { lint } : {}),
      durationMs: performance.now() - started,
    };
    opts.onReport?.(report);
    return report;
  });
}
