import picomatch from 'picomatch';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import type { Layer } from '../../inspect/image-facts.ts';
import { goal, type Goal, type GoalOptions, type GoalOutcome } from '../goal.ts';
import type { LabContext } from '../lab-context.ts';
import { instruction } from '../format.ts';
import { notBuilt } from './common.ts';

export interface EditSpec {
  /** The file in the build context to edit (a copy; the learner's file is untouched). */
  file: string;
  /** Text appended to it: must keep the file valid (a comment, a newline). */
  append: string;
}

export interface LayerReuseSpec extends GoalOptions {
  edit: EditSpec;
  /** A glob naming a file that only the dependency layer adds: that layer is the one tracked. */
  layerWith: string;
  /** Words for messages: "the dependency layer". */
  what: string;
}

/** The first layer that adds a file matching the glob. */
function layerAdding(layers: Layer[], glob: string): Layer | undefined {
  const m = picomatch(glob, { dot: true });
  return layers.find((l) => l.files.some((f) => !f.whiteout && m(f.path)));
}

/** The rebuild after the edit (memoized by the context, so prepare and check share it). */
function edited(ctx: LabContext, edit: EditSpec): ReturnType<LabContext['variant']> {
  const key = `${edit.file}-edit`.replace(/[^a-z0-9-]/gi, '-');
  return ctx.variant(key, (dir) => appendFile(path.join(dir, edit.file), edit.append));
}

function prepareEdit(edit: EditSpec) {
  return (ctx: LabContext): void => {
    if (ctx.built) edited(ctx, edit).catch(() => undefined);
  };
}

/**
 * The rebuild needs only the build context, so it starts before the main build is done.
 * BuildKit merges the steps two running builds share (one `npm ci`, one layer), just as it
 * reuses them from the cache when one build follows the other: the digests compared are the
 * same either way. A rebuild expected to share every layer below the edit with the main build
 * (`withMainBuild`) costs little beside it and starts with it; one expected to make the
 * dependency layer again would slow it, so it starts once the main build's steps have run.
 */
function prepareEditEarly(edit: EditSpec, withMainBuild: boolean) {
  return (ctx: LabContext): void => {
    if (withMainBuild) edited(ctx, edit).catch(() => undefined);
    else void ctx.mainStepsDone().then((ok) => { if (ok) edited(ctx, edit).catch(() => undefined); });
  };
}

async function compare(ctx: LabContext, spec: LayerReuseSpec, expected: string): Promise<{ reused: boolean; layer: Layer } | GoalOutcome> {
  const nb = notBuilt(ctx, expected);
  if (nb) return nb;
  const layer = layerAdding((await ctx.facts()).layers ?? [], spec.layerWith);
  if (!layer) return { pass: false, expected, measured: `no layer adds ${spec.layerWith}` };
  const variant = await edited(ctx, spec.edit);
  if (!variant.facts) return { pass: false, expected, measured: 'the rebuild failed', message: `After editing ${spec.edit.file} the image did not build: ${variant.build.reason ?? ''}` };
  const before = (await ctx.facts()).diffIds.slice(0, layer.index + 1);
  const after = variant.facts.diffIds.slice(0, layer.index + 1);
  return { reused: before.length === after.length && before.every((d, i) => d === after[i]), layer };
}

/** After an edit that should not matter to it, the layer is reused from the cache (same digest). */
export function layerReusedAfterEdit(spec: LayerReuseSpec): Goal {
  const expected = `${spec.what} reused after editing ${spec.edit.file}`;
  return goal({
    id: `reuse-after-${spec.edit.file.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-edit`,
    title: `Editing ${spec.edit.file} reuses ${spec.what} from the cache`,
    hint: 'Copy only the files the install step needs (package.json, package-lock.json) before it, and the rest of the source after it.',
    prepare: prepareEdit(spec.edit),
    prepareContext: prepareEditEarly(spec.edit, true),
    async check(ctx) {
      const r = await compare(ctx, spec, expected);
      if ('pass' in r) return r;
      return { pass: r.reused, expected, measured: r.reused ? 'reused (same digest)' : 'rebuilt',
        message: r.reused ? undefined : `Layer ${r.layer.index + 1} (\`${instruction(r.layer.createdBy)}\`) was rebuilt after ${spec.edit.file} changed.` };
    },
  }, spec);
}

/** After an edit that should matter to it (a lockfile change), the layer is rebuilt. */
export function layerRebuiltAfterEdit(spec: LayerReuseSpec): Goal {
  const expected = `${spec.what} rebuilt after editing ${spec.edit.file}`;
  return goal({
    id: `rebuild-after-${spec.edit.file.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-edit`,
    title: `Changing ${spec.edit.file} rebuilds ${spec.what}`,
    hint: `The install step must depend on ${spec.edit.file}, or a dependency change would not reach the image.`,
    prepare: prepareEdit(spec.edit),
    prepareContext: prepareEditEarly(spec.edit, false),
    async check(ctx) {
      const r = await compare(ctx, spec, expected);
      if ('pass' in r) return r;
      return { pass: !r.reused, expected, measured: r.reused ? 'reused: stale' : 'rebuilt' };
    },
  }, spec);
}
