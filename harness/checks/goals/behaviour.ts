import { goal, type Goal, type GoalOptions, type GoalOutcome } from '../goal.ts';
import type { LabContext } from '../lab-context.ts';
import { seconds } from '../format.ts';
import { ContainerStartError, RunningApp } from '../../run/container.ts';
import { notBuilt } from './common.ts';

export interface HttpSpec extends GoalOptions {
  path: string;
  status?: number;
  /** Text the body must contain. */
  bodyIncludes?: string;
}

/** Starts the app, or says in the outcome why it would not start. */
async function started(ctx: LabContext, expected: string): Promise<RunningApp | GoalOutcome> {
  const nb = notBuilt(ctx, expected);
  if (nb) return nb;
  try {
    return await ctx.app();
  } catch (e) {
    const logs = e instanceof ContainerStartError && e.logs ? ` Last output: ${e.logs.split('\n').slice(-5).join(' | ')}` : '';
    return { pass: false, expected, measured: 'not started', message: `${e instanceof Error ? e.message : String(e)}.${logs}` };
  }
}

/** The running container answers HTTP requests as the app should. */
export function httpAnswers(spec: HttpSpec): Goal {
  const status = spec.status ?? 200;
  const expected = `GET ${spec.path} -> ${status}${spec.bodyIncludes ? ` with "${spec.bodyIncludes}"` : ''}`;
  return goal({
    id: 'serves-http',
    title: `The app answers GET ${spec.path}`,
    hint: 'Run the image yourself (`docker run --rm -p 3000:3000 IMAGE`) and read its output.',
    async check(ctx) {
      const app = await started(ctx, expected);
      if (!(app instanceof RunningApp)) return app;
      try {
        const res = await app.http(spec.path);
        const bodyOk = spec.bodyIncludes === undefined || res.body.includes(spec.bodyIncludes);
        return { pass: res.status === status && bodyOk, expected,
          measured: `${res.status}${bodyOk ? '' : `, body: ${JSON.stringify(res.body.slice(0, 80))}`}` };
      } catch (e) {
        return { pass: false, expected, measured: 'no answer', message: `The request failed: ${e instanceof Error ? e.message : String(e)}.` };
      }
    },
  }, spec);
}

/** A command run in the container prints what it should (e.g. `id -u`). */
export function execPrints(cmd: string[], test: (out: string) => boolean, describe: string, opts: GoalOptions & { id: string }): Goal {
  return goal({
    id: opts.id,
    title: opts.title ?? `\`${cmd.join(' ')}\` prints ${describe}`,
    hint: opts.hint ?? '',
    async check(ctx) {
      const app = await started(ctx, describe);
      if (!(app instanceof RunningApp)) return app;
      const r = await app.exec(cmd);
      return { pass: r.exitCode === 0 && test(r.output.trim()), expected: describe, measured: r.exitCode === 0 ? r.output.trim() : `exit ${r.exitCode}: ${r.output.trim().slice(0, 80)}` };
    },
  }, opts);
}

/** The container reports `healthy` (its HEALTHCHECK passes) within a bound. */
export function becomesHealthy(withinMs: number, opts: GoalOptions = {}): Goal {
  const expected = `healthy within ${seconds(withinMs)}`;
  return goal({
    id: 'becomes-healthy',
    title: `The container becomes healthy within ${seconds(withinMs)}`,
    hint: 'Add a HEALTHCHECK that uses a program the image has (node, not curl, in a node or distroless image), with a short --interval.',
    async check(ctx) {
      const app = await started(ctx, expected);
      if (!(app instanceof RunningApp)) return app;
      const t0 = performance.now();
      let status = await app.health();
      if (status === undefined) return { pass: false, expected, measured: 'no HEALTHCHECK' };
      while (status !== 'healthy' && performance.now() - t0 < withinMs) {
        await new Promise((r) => setTimeout(r, 250));
        status = await app.health();
      }
      return { pass: status === 'healthy', expected, measured: `${status ?? 'none'} after ${seconds(performance.now() - t0)}` };
    },
  }, opts);
}
