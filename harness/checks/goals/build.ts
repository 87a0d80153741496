import { goal, type Goal, type GoalOptions } from '../goal.ts';
import { bytes } from '../format.ts';

/** The build context BuildKit transferred is small (measured from the build). */
export function contextAtMost(maxBytes: number, opts: GoalOptions = {}): Goal {
  const expected = `a build context of at most ${bytes(maxBytes)}`;
  return goal({
    id: 'small-context',
    title: `The build context is at most ${bytes(maxBytes)}`,
    hint: 'List what the image does not need (.git, node_modules, .env, logs) in a .dockerignore next to the Dockerfile.',
    async check(ctx) {
      const sent = ctx.build.log.contextBytes;
      if (sent === undefined) return { pass: false, expected, measured: 'unknown', message: 'The build log did not report the context size.' };
      return { pass: sent <= maxBytes, expected, measured: `${bytes(sent)} sent to BuildKit` };
    },
  }, opts);
}
