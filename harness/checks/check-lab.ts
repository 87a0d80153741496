import type { BuildResult } from '../build/buildx.ts';
import { StagecraftError } from '../errors.ts';
import type { Lesson } from '../course/lesson.ts';
import type { LintFinding } from '../lint/rules.ts';
import type { Verdict } from './goal.ts';
import { withBuiltLab, type BuildLabOptions } from './build-lab.ts';
import { loadTestcontainers } from '../run/container.ts';

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
  if (lesson.run) void loadTestcontainers().catch(() => undefined);
  return withBuiltLab(lesson, opts, async ({ dir, ctx, build }) => {
    // The container does not depend on the rebuilds some goals make: start it now, so the
    // two overlap (its failure, if any, is reported by the goals that use it).
    if (lesson.run && build.outcome === 'built') ctx.app().catch(() => undefined);
    // Likewise the rebuilds goals will compare: BuildKit runs them side by side.
    const goals = lesson.goals.filter((x) => !opts.only || opts.only.includes(x.id));
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
