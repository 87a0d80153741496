/**
 * How cache mounts are shared, checked on the steps a build really ran: every RUN step in
 * which a tool that is unsafe to run twice at once on one cache (apt) did its work mounts
 * that tool's caches with `sharing=locked`.
 */
import { mountCovers } from '../../build/cache-mounts.ts';
import { programsRun } from '../../build/shell-programs.ts';
import { goal, type Goal, type GoalOptions } from '../goal.ts';
import { instruction, list } from '../format.ts';
import { forcedRebuild, runStepsWithMounts, type ContextChange } from '../rebuild.ts';
import { notBuilt } from './common.ts';

export interface LockedCachesSpec extends GoalOptions {
  /** The tool, for messages: "apt". */
  tool: string;
  /** Programs that start it (`apt-get`, `apt`). */
  programs: string[];
  /** The directories it keeps state in; a cache mount there or below is one of its caches. */
  dirs: string[];
  /** Recognises the tool at work in a step's output (`Reading package lists...`). */
  worked: (outputLine: string) => boolean;
  /** The rebuild to read (shared with the download goals when the change is the same). */
  change?: ContextChange;
}

/**
 * In a rebuild where every RUN step runs again, each step that ran the tool (by its output,
 * or the programs its command starts) mounts a cache on the tool's directories, and every
 * such mount says `sharing=locked`.
 */
export function cachesMountedLocked(spec: LockedCachesSpec): Goal {
  const expected = `every step that runs ${spec.tool} mounts its caches (${list(spec.dirs)}) with sharing=locked`;
  return goal({
    id: `${spec.tool}-caches-locked`,
    title: `${spec.tool} runs with its caches mounted, sharing=locked`,
    hint: `Two builds at once on one builder share a cache mount; ${spec.tool} cannot share its caches with another ${spec.tool} running at the same time. Add sharing=locked to each of its cache mounts.`,
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const rebuilt = await forcedRebuild(ctx, spec.change, 1);
      if (rebuilt.build.outcome !== 'built') {
        return { pass: false, expected, measured: 'the rebuild failed', message: `The image did not build again: ${rebuilt.build.reason ?? 'no reason given'}.` };
      }
      const runs = runStepsWithMounts(rebuilt.build.steps);
      const toolSteps = runs.filter((r) => r.step.output.some(spec.worked) || programsRun(r.instruction.replace(/^RUN\s+/i, '')).some((p) => spec.programs.includes(p)));
      if (!toolSteps.length) return { pass: false, expected, measured: `no step ran ${spec.tool}`, message: `No build step ran ${spec.tool}, so there is nothing to measure.` };

      const unmounted = toolSteps.filter((r) => !r.mounts.some((m) => mountCovers(m.target, spec.dirs)));
      const unlocked = runs.flatMap((r) => r.mounts.filter((m) => mountCovers(m.target, spec.dirs) && m.sharing !== 'locked')
        .map((m) => `${m.target} (sharing=${m.sharing}${m.sharingWritten ? '' : ', the default'})`));
      if (!unmounted.length && !unlocked.length) {
        const mounts = [...new Set(toolSteps.flatMap((r) => r.mounts.filter((m) => mountCovers(m.target, spec.dirs)).map((m) => m.target)))];
        return { pass: true, expected, measured: `${toolSteps.length} step${toolSteps.length > 1 ? 's' : ''}, ${list(mounts)} locked` };
      }
      const problems = [
        ...unmounted.map((r) => `\`${instruction(r.instruction).slice(0, 70)}\` runs ${spec.tool} without a cache mount on ${list(spec.dirs)}`),
        ...(unlocked.length ? [`${list(unlocked)} ${unlocked.length > 1 ? 'are' : 'is'} not locked`] : []),
      ];
      return { pass: false, expected, measured: unmounted.length ? `${unmounted.length} step${unmounted.length > 1 ? 's' : ''} without its caches mounted` : `${unlocked.length} mount${unlocked.length > 1 ? 's' : ''} not locked`,
        message: `${problems.join('; ')}.` };
    },
  }, spec);
}
