import type { GoalOutcome } from '../goal.ts';
import type { LabContext } from '../lab-context.ts';
import { ContainerStartError, RunningApp, type RunSpec } from '../../run/container.ts';
import { notBuilt } from './common.ts';

/**
 * A container of the learner's image for a goal to probe: the shared one (`ctx.app()`), or
 * one of its own under `key` (a goal that stops its container must not stop the shared
 * one). When it cannot start, the outcome says why, with the container's last output.
 */
export async function startedApp(ctx: LabContext, expected: string, key?: string): Promise<RunningApp | GoalOutcome> {
  const nb = notBuilt(ctx, expected);
  if (nb) return nb;
  // A lesson that runs nothing but sets a behaviour goal is the lesson's bug: let it error.
  const spec: RunSpec | undefined = ctx.lesson.run;
  if (!spec) throw new Error(`lesson ${ctx.lesson.slug} sets no \`run\`, so there is no container to probe`);
  try {
    return await (key === undefined ? ctx.app() : ctx.run(key, spec));
  } catch (e) {
    const logs = e instanceof ContainerStartError && e.logs ? ` Last output: ${e.logs.split('\n').slice(-5).join(' | ')}` : '';
    return { pass: false, expected, measured: 'not started', message: `${e instanceof Error ? e.message : String(e)}.${logs}` };
  }
}
