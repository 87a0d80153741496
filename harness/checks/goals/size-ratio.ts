import { imageFacts } from '../../inspect/image-facts.ts';
import { goal, type Goal, type GoalOptions } from '../goal.ts';
import type { LabContext } from '../lab-context.ts';
import { bytes } from '../format.ts';
import { notBuilt } from './common.ts';

/**
 * What to compare the learner's image with: an image in the local store (a builder image
 * such as `golang:1.24-trixie`), or a stage of the learner's own Dockerfile built with
 * `--target` (its build stage, with the toolchain and the sources in it).
 */
export type SizeReference = { image: string } | { stage: string };

const refName = (ref: SizeReference): string => ('image' in ref ? ref.image : `the \`${ref.stage}\` stage`);

/** "0.7%", "12%": one decimal below 10 %, where the interesting ratios are. */
export function percent(ratio: number): string {
  const p = ratio * 100;
  return `${p < 10 ? p.toFixed(1).replace(/\.0$/, '') : Math.round(p)}%`;
}

/** Uncompressed size of the reference for the image's platform (layers, like the image's own). */
async function referenceSize(ctx: LabContext, ref: SizeReference): Promise<{ size: number } | { failure: string }> {
  if ('image' in ref) {
    const facts = await imageFacts(ref.image, { withLayers: true }).catch((e: unknown) => {
      throw new Error(`${ref.image} could not be read (${e instanceof Error ? e.message : String(e)}); run \`npx stagecraft images\``);
    });
    return { size: facts.size ?? 0 };
  }
  const built = await ctx.variant(`stage-${ref.stage}`, async () => undefined, { target: ref.stage }, true);
  if (!built.facts) return { failure: `The stage \`${ref.stage}\` did not build (${built.build.reason ?? 'no reason given'}): the lesson compares your image with your build stage, so name it \`${ref.stage}\` (FROM ... AS ${ref.stage}).` };
  return { size: built.facts.size ?? 0 };
}

/** The image is at most a fraction of another image's or a stage's size. */
export function sizeRatioTo(ref: SizeReference, maxRatio: number, opts: GoalOptions = {}): Goal {
  const name = refName(ref);
  const expected = `at most ${percent(maxRatio)} of ${name}`;
  const slug = ('image' in ref ? ref.image : `${ref.stage}-stage`).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return goal({
    id: `size-vs-${slug}`,
    title: `The image is at most ${percent(maxRatio)} of the size of ${name}`,
    hint: 'Build in one stage and copy only what runs (the binary and the files it reads) into a small final stage.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const [mine, other] = await Promise.all([ctx.facts(), referenceSize(ctx, ref)]);
      if ('failure' in other) return { pass: false, expected, measured: 'no reference', message: other.failure };
      const size = mine.size ?? 0;
      const ratio = size / other.size;
      const pass = ratio <= maxRatio;
      return { pass, expected, measured: `${percent(ratio)} (${bytes(size)} of ${bytes(other.size)})`,
        message: pass ? undefined : `The image is ${bytes(size)}; ${percent(maxRatio)} of ${name} is ${bytes(Math.floor(other.size * maxRatio))}.` };
    },
  }, opts);
}
