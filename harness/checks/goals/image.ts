import { goal, type Goal, type GoalOptions } from '../goal.ts';
import { bytes, instruction } from '../format.ts';
import { notBuilt } from './common.ts';

/** The image's size (uncompressed layers, one platform) is within a budget. */
export function sizeAtMost(maxBytes: number, opts: GoalOptions = {}): Goal {
  const expected = `at most ${bytes(maxBytes)}`;
  return goal({
    id: 'size-budget',
    title: `The image is at most ${bytes(maxBytes)}`,
    hint: 'Run `npx stagecraft inspect` or `docker history` to see which layers are largest.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const size = (await ctx.facts()).size ?? 0;
      return { pass: size <= maxBytes, expected, measured: bytes(size),
        message: size <= maxBytes ? undefined : `The image is ${bytes(size - maxBytes)} over budget.` };
    },
  }, opts);
}

/** The image is at most a fraction of the lab's starter image. */
export function sizeRatioToStarter(maxRatio: number, opts: GoalOptions = {}): Goal {
  const expected = `at most ${Math.round(maxRatio * 100)}% of the starter's size`;
  return goal({
    id: 'size-vs-starter',
    title: `The image is at most ${Math.round(maxRatio * 100)}% of the starter's size`,
    hint: 'Ship only what runs: build in one stage, copy the result into a small runtime stage.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const [mine, starter] = await Promise.all([ctx.facts(), ctx.starter()]);
      if (!starter.facts?.size) return { pass: false, expected, measured: 'starter did not build', message: `The starter did not build: ${starter.build.reason ?? ''}` };
      const ratio = (mine.size ?? 0) / starter.facts.size;
      return { pass: ratio <= maxRatio, expected, measured: `${Math.round(ratio * 100)}% (${bytes(mine.size ?? 0)} vs ${bytes(starter.facts.size)})` };
    },
  }, opts);
}

export function layerCountAtMost(max: number, opts: GoalOptions = {}): Goal {
  const expected = `at most ${max} layers`;
  return goal({
    id: 'layer-count',
    title: `The image has at most ${max} layers`,
    hint: 'Each RUN, COPY and ADD makes a layer; chain related commands in one RUN.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const n = (await ctx.facts()).diffIds.length;
      return { pass: n <= max, expected, measured: `${n} layers` };
    },
  }, opts);
}

/** The configured user is not root, by name or by number (as `docker run` would resolve it). */
export function userNotRoot(opts: GoalOptions = {}): Goal {
  const expected = 'a user other than root (uid 0)';
  return goal({
    id: 'non-root-user',
    title: 'The container does not run as root',
    hint: 'Add a USER instruction near the end of the final stage (the node images have a `node` user, uid 1000).',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const user = (await ctx.facts()).config.user.split(':')[0] ?? '';
      const root = user === '' || user === '0' || user === 'root';
      return { pass: !root, expected, measured: user === '' ? 'root (no USER set)' : `USER ${user}` };
    },
  }, opts);
}

/**
 * The container starts the app directly (exec form), so it is PID 1 and gets signals;
 * shell form wraps it in `/bin/sh -c`.
 */
export function execFormStart(opts: GoalOptions = {}): Goal {
  const expected = 'CMD/ENTRYPOINT in exec form (a JSON array)';
  return goal({
    id: 'exec-form',
    title: 'The app is started in exec form',
    hint: 'Write CMD ["node", "server.js"] instead of CMD node server.js.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const { cmd, entrypoint } = (await ctx.facts()).config;
      const start = [...(entrypoint ?? []), ...(cmd ?? [])];
      // Shell form in either wraps the app in `/bin/sh -c`, even behind an entrypoint script.
      const viaShell = (argv: string[] | undefined): boolean => argv?.[0] === '/bin/sh' && argv[1] === '-c';
      const shell = viaShell(entrypoint) || viaShell(cmd);
      return { pass: !shell && start.length > 0, expected, measured: start.length ? JSON.stringify(start) : 'nothing to start',
        message: shell ? `The image starts ${instruction(start.join(' '))} through a shell.` : undefined };
    },
  }, opts);
}
