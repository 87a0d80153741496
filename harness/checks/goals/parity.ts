/**
 * The learner's image behaves like the lab's starter: the same requests get the same
 * answers from both running containers. For lessons that change how an image is built,
 * never what the app does.
 */
import { goal, type Goal, type GoalOptions, type GoalOutcome } from '../goal.ts';
import type { LabContext } from '../lab-context.ts';
import { list } from '../format.ts';
import type { HttpAnswer, RunningApp } from '../../run/container.ts';
import { notBuilt } from './common.ts';

export interface ParitySpec extends GoalOptions {
  /** Request paths (with query strings) asked of both containers. */
  paths: string[];
}

/** Status and body, as compared: JSON bodies by value, others as text. */
export function sameAnswer(a: HttpAnswer, b: HttpAnswer): boolean {
  if (a.status !== b.status) return false;
  try {
    return JSON.stringify(JSON.parse(a.body)) === JSON.stringify(JSON.parse(b.body));
  } catch {
    return a.body === b.body;
  }
}

async function start(what: string, make: () => Promise<RunningApp>): Promise<RunningApp | string> {
  try {
    return await make();
  } catch (e) {
    return `${what} did not start: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** An answer, or status 0 with the error as its body. */
async function ask(app: RunningApp, p: string): Promise<HttpAnswer> {
  try {
    return await app.http(p);
  } catch (e) {
    return { status: 0, body: e instanceof Error ? e.message : String(e), headers: {} };
  }
}

/** Every path gets the same status and body from the learner's container as from the starter's. */
export function answersLikeStarter(spec: ParitySpec): Goal {
  const expected = `the starter's answers to ${list(spec.paths, 4)}`;
  return goal({
    id: 'answers-like-starter',
    title: 'The app answers exactly as the starter did',
    hint: 'Ship everything the app reads at run time: the compiled code, its production dependencies, and package.json (it says the code is ES modules).',
    async check(ctx: LabContext): Promise<GoalOutcome> {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const spec0 = ctx.lesson.run;
      if (!spec0) throw new Error(`lesson ${ctx.lesson.slug} runs no container`);
      const starter = await ctx.starter();
      if (starter.build.outcome !== 'built') return { pass: false, expected, measured: 'starter did not build', message: `The starter did not build: ${starter.build.reason ?? ''}` };
      const [mine, theirs] = await Promise.all([start('Your image', () => ctx.app()), start('The starter', () => ctx.run('starter', spec0, starter.build.tag))]);
      if (typeof mine === 'string' || typeof theirs === 'string') {
        return { pass: false, expected, measured: 'not started', message: typeof mine === 'string' ? mine : String(theirs) };
      }
      const differing: string[] = [];
      for (const p of spec.paths) {
        const [a, b] = await Promise.all([ask(mine, p), ask(theirs, p)]);
        if (!sameAnswer(a, b)) differing.push(`${p}: ${a.status || 'no answer'} ${a.body.slice(0, 60)} (starter: ${b.status} ${b.body.slice(0, 60)})`);
      }
      return { pass: differing.length === 0, expected, measured: differing.length ? `${differing.length} of ${spec.paths.length} differ` : `${spec.paths.length} of ${spec.paths.length} the same`,
        message: differing.length ? `Different answers: ${list(differing, 2)}.` : undefined };
    },
  }, spec);
}
