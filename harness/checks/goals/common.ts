import type { GoalOutcome } from '../goal.ts';
import type { LabContext } from '../lab-context.ts';

/** The outcome every image goal gives when there is no image to measure. */
export function notBuilt(ctx: LabContext, expected: string): GoalOutcome | undefined {
  if (ctx.built) return undefined;
  return { pass: false, expected, measured: 'no image', message: `The image did not build: ${ctx.build.reason ?? 'unknown reason'}.` };
}
