/**
 * Stages as build targets, measured by building them: `--target test` builds, fails when a
 * failing test is planted in a copy of the context, and `--target production` is the image
 * a plain `docker build` makes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { goal, type Goal, type GoalOptions, type GoalOutcome } from '../goal.ts';
import type { BuiltVariant, LabContext } from '../lab-context.ts';
import { notBuilt } from './common.ts';

const targetVariant = (ctx: LabContext, target: string): Promise<BuiltVariant> =>
  ctx.variant(`target-${target}`, async () => undefined, { target });

/** Why a target did not build, in words a learner can act on. */
function whyNot(v: BuiltVariant, target: string): string {
  const reason = v.build.reason ?? 'no reason given';
  return /target stage .* could not be found|failed to reach build target/i.test(reason)
    ? `The Dockerfile has no stage named \`${target}\` (name one with FROM ... AS ${target}).`
    : `\`docker build --target ${target}\` failed: ${reason}.`;
}

/** `docker build --target <target>` builds. */
export function targetBuilds(target: string, opts: GoalOptions = {}): Goal {
  const expected = `\`--target ${target}\` builds`;
  return goal({
    id: `target-${target}-builds`,
    title: `The \`${target}\` stage builds (--target ${target})`,
    hint: `Name a stage \`${target}\`: FROM <stage or image> AS ${target}.`,
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const v = await targetVariant(ctx, target);
      if (v.build.outcome === 'built') return { pass: true, expected, measured: `built in ${(v.build.durationMs / 1000).toFixed(1)} s` };
      return { pass: false, expected, measured: 'did not build', message: whyNot(v, target) };
    },
  }, opts);
}

export interface PlantSpec {
  /** Path in the context copy: `test/stagecraft-planted.test.ts`. */
  file: string;
  content: string;
}

export interface TargetFailsSpec extends GoalOptions {
  target: string;
  /** The file the harness adds (a failing test); the learner's files are untouched. */
  plant: PlantSpec;
  /** Text the build's output must show, proving the planted file is why it failed (the test's name). */
  marker: string;
  /** Words for messages: "a failing test". */
  what: string;
}

/**
 * With `plant` added to a copy of the context, `--target <target>` fails, and its output
 * names `marker`: the stage really runs what was planted (a test), and a failure stops it.
 * Without the plant the target must build (see targetBuilds), or this proves nothing.
 */
export function targetFailsWithPlant(spec: TargetFailsSpec): Goal {
  const expected = `\`--target ${spec.target}\` fails with ${spec.what} planted, and builds without it`;
  return goal({
    id: `target-${spec.target}-catches-failures`,
    title: `The \`${spec.target}\` stage fails when ${spec.what} is added`,
    hint: `In the \`${spec.target}\` stage, RUN the tests on what the build stage compiled (RUN npm test): a failing test then fails the build.`,
    async check(ctx): Promise<GoalOutcome> {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const clean = await targetVariant(ctx, spec.target);
      if (clean.build.outcome !== 'built') return { pass: false, expected, measured: 'does not build without the plant', message: whyNot(clean, spec.target) };
      const planted = await ctx.variant(`target-${spec.target}-planted`, async (dir) => {
        const file = path.join(dir, spec.plant.file);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, spec.plant.content);
      }, { target: spec.target });
      if (planted.build.outcome === 'built') {
        return { pass: false, expected, measured: `built with ${spec.what} in it`,
          message: `With ${spec.plant.file} added, \`--target ${spec.target}\` still built: the stage does not run it, or ignores its failure.` };
      }
      const text = planted.build.log.toString();
      const named = text.includes(spec.marker);
      return { pass: named, expected, measured: named ? `failed on ${spec.what}` : 'failed for another reason',
        message: named ? undefined : `\`--target ${spec.target}\` failed, but not on the planted ${spec.what}: ${planted.build.reason ?? ''}` };
    },
  }, spec);
}

/** `--target <target>` makes the same image as a plain build: it is the last stage, the default. */
export function targetIsDefault(target: string, opts: GoalOptions = {}): Goal {
  const expected = `\`--target ${target}\` is the default build`;
  return goal({
    id: `${target}-is-default`,
    title: `The \`${target}\` stage is what a plain build makes`,
    hint: `Make \`${target}\` the last stage of the Dockerfile: a build without --target builds the last stage.`,
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const v = await targetVariant(ctx, target);
      if (!v.facts) return { pass: false, expected, measured: 'did not build', message: whyNot(v, target) };
      const mine = await ctx.facts();
      const same = mine.diffIds.length === v.facts.diffIds.length && mine.diffIds.every((d, i) => d === v.facts?.diffIds[i])
        && JSON.stringify([mine.config.cmd, mine.config.entrypoint, mine.config.user]) === JSON.stringify([v.facts.config.cmd, v.facts.config.entrypoint, v.facts.config.user]);
      return { pass: same, expected, measured: same ? 'same layers and command' : 'a different image',
        message: same ? undefined : `\`--target ${target}\` builds another image than the default: the default is the last stage of the Dockerfile.` };
    },
  }, opts);
}
