/**
 * Did two builds run their own work at the same time? Given the steps of two builds that
 * ran concurrently (as `docker compose build` runs a project's images), BuildKit shares
 * every vertex the two have in common, and both logs show it under one name. The RUN steps
 * only one log shows are that image's own work; when neither image's stages depend on the
 * other's, those run side by side. When one depends on the other, the shared steps run
 * first and one side has no RUN step of its own, or its steps start after the other's end.
 */
import type { BuildStep } from './build-log.ts';
import { parseStepName } from './step-name.ts';

export interface StepSpan {
  /** The RUN steps only this build ran (executed, not from the cache). */
  steps: string[];
  /** ms on the builds' common clock; undefined when there are no steps. */
  start: number | undefined;
  end: number | undefined;
}

export interface Overlap {
  a: StepSpan;
  b: StepSpan;
  /** How long both sides had a step running; <= 0 when one waited for the other. */
  overlapMs: number;
}

/** A RUN step that really ran: done, not CACHED, with an end time. */
function executedRun(s: BuildStep): boolean {
  return s.done && !s.cached && s.endedAt !== undefined && parseStepName(s.name)?.instruction.startsWith('RUN ') === true;
}

function span(steps: BuildStep[]): StepSpan {
  if (!steps.length) return { steps: [], start: undefined, end: undefined };
  // BuildKit's own duration places the start better than the header's arrival.
  const starts = steps.map((s) => (s.durationMs !== undefined && s.endedAt !== undefined ? s.endedAt - s.durationMs : s.seenAt));
  return { steps: steps.map((s) => s.name), start: Math.min(...starts), end: Math.max(...steps.map((s) => s.endedAt ?? s.seenAt)) };
}

/** The own RUN steps of two concurrent builds and how long they overlapped. */
export function ownStepOverlap(a: BuildStep[], b: BuildStep[]): Overlap {
  const namesA = new Set(a.map((s) => s.name));
  const namesB = new Set(b.map((s) => s.name));
  const ownA = span(a.filter((s) => executedRun(s) && !namesB.has(s.name)));
  const ownB = span(b.filter((s) => executedRun(s) && !namesA.has(s.name)));
  const overlapMs = ownA.start === undefined || ownB.start === undefined || ownA.end === undefined || ownB.end === undefined
    ? 0
    : Math.min(ownA.end, ownB.end) - Math.max(ownA.start, ownB.start);
  return { a: ownA, b: ownB, overlapMs };
}
