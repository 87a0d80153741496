import type { LabContext } from './lab-context.ts';

/** What one goal measured. */
export interface GoalOutcome {
  pass: boolean;
  /** What the goal wants, in words and numbers: "at most 180 MB". */
  expected: string;
  /** What was measured: "243.1 MB". */
  measured: string;
  /** Why it failed, when it did: written for the learner. */
  message?: string;
}

/** A goal a lesson sets: measured on the built image, its build, or the running container. */
export interface Goal {
  /** Stable id, used by tests, graders and results: "no-dev-dependencies". */
  id: string;
  title: string;
  hint: string;
  /** Points for graders; partial credit counts. */
  weight: number;
  /** Strings this goal needs searched for in every layer's files. */
  search?: string[];
  check(ctx: LabContext): Promise<GoalOutcome>;
  /**
   * Starts slow work the check will need (a rebuild) without waiting for it, so the
   * harness can overlap it with other goals. Optional; `check` must not depend on it.
   */
  prepare?(ctx: LabContext): void;
  /**
   * Like `prepare`, but called as soon as the build context is assembled, while the main
   * build still runs: for work that needs only the context (a rebuild of an edited copy of
   * it), so BuildKit runs it beside the main build. It must not read `ctx.build`.
   */
  prepareContext?(ctx: LabContext): void;
}

export type VerdictStatus = 'pass' | 'fail' | 'error';

export interface Verdict {
  id: string;
  title: string;
  status: VerdictStatus;
  expected: string;
  measured: string;
  message: string | undefined;
  hint: string;
  weight: number;
  durationMs: number;
}

/** The fields every goal factory accepts to override its defaults. */
export interface GoalOptions {
  id?: string;
  title?: string;
  hint?: string;
  weight?: number;
}

export function goal(defaults: Omit<Goal, 'weight'> & { weight?: number }, opts: GoalOptions = {}): Goal {
  return {
    id: opts.id ?? defaults.id,
    title: opts.title ?? defaults.title,
    hint: opts.hint ?? defaults.hint,
    weight: opts.weight ?? defaults.weight ?? 1,
    ...(defaults.search ? { search: defaults.search } : {}),
    ...(defaults.prepare ? { prepare: defaults.prepare } : {}),
    ...(defaults.prepareContext ? { prepareContext: defaults.prepareContext } : {}),
    check: defaults.check,
  };
}
