import picomatch from 'picomatch';
import { finalFilesystem, type Layer } from '../../inspect/image-facts.ts';
import { goal, type Goal, type GoalOptions } from '../goal.ts';
import { bytes, instruction, list } from '../format.ts';
import { notBuilt } from './common.ts';

export type Where = 'any-layer' | 'final';

export interface PathsSpec extends GoalOptions {
  /** Globs on absolute image paths; a match on a folder covers everything in it. */
  paths: string[];
  where: Where;
  /** Words for messages: "the .git folder". */
  what: string;
  /** Globs for paths never counted, e.g. everything under a node_modules folder (what dependencies ship is theirs). */
  ignore?: string[];
}

interface Hit { path: string; layer: Layer | undefined; size: number }

function matcher(globs: string[], ignore?: string[]): (p: string) => boolean {
  const m = picomatch(globs, { dot: true, ...(ignore?.length ? { ignore } : {}) });
  // "/app/.git/HEAD" is inside a matched "/app/.git": test every ancestor too.
  return (p) => {
    for (let cur = p; cur && cur !== '/'; cur = cur.slice(0, cur.lastIndexOf('/'))) if (m(cur)) return true;
    return false;
  };
}

function findPaths(layers: Layer[], globs: string[], where: Where, ignore?: string[]): Hit[] {
  const isMatch = matcher(globs, ignore);
  if (where === 'final') {
    return [...finalFilesystem(layers).values()].filter((f) => isMatch(f.path))
      .map((f) => ({ path: f.path, layer: layers[f.layer], size: f.size }));
  }
  return layers.flatMap((layer) => layer.files.filter((f) => !f.whiteout && !f.opaque && isMatch(f.path))
    .map((f) => ({ path: f.path, layer, size: f.size })));
}

const place = (where: Where): string => (where === 'any-layer' ? 'in any layer' : 'in the final image');

/** None of the paths is in the image (the final filesystem, or any layer at all). */
export function pathsAbsent(spec: PathsSpec): Goal {
  const expected = `no ${spec.what} ${place(spec.where)}`;
  return goal({
    id: `no-${slug(spec.what)}`,
    title: `No ${spec.what} ${place(spec.where)}`,
    hint: spec.where === 'any-layer'
      ? 'Deleting a file in a later layer does not remove its bytes: keep it out of the build context (.dockerignore) or out of the stage you ship.'
      : 'Leave it out of the final stage.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const hits = findPaths((await ctx.facts()).layers ?? [], spec.paths, spec.where, spec.ignore);
      if (!hits.length) return { pass: true, expected, measured: 'none found' };
      const total = hits.reduce((n, h) => n + h.size, 0);
      const first = hits[0];
      const layerNote = first?.layer ? ` (layer ${first.layer.index + 1}, made by \`${instruction(first.layer.createdBy)}\`)` : '';
      return { pass: false, expected, measured: `${hits.length} paths, ${bytes(total)}`,
        message: `Found ${list(hits.map((h) => h.path))}${layerNote}.` };
    },
  }, spec);
}

/** Every path is in the final image. */
export function pathsPresent(spec: PathsSpec): Goal {
  const expected = `${spec.what} present`;
  return goal({
    id: `has-${slug(spec.what)}`,
    title: `The image contains ${spec.what}`,
    hint: 'Copy it into the final stage.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const layers = (await ctx.facts()).layers ?? [];
      const missing = spec.paths.filter((p) => findPaths(layers, [p], 'final').length === 0);
      return { pass: missing.length === 0, expected, measured: missing.length ? `missing ${list(missing)}` : 'present' };
    },
  }, spec);
}

/** A string (a planted secret, a canary) is in no file of any layer. */
export function noLayerContains(needle: string, what: string, opts: GoalOptions = {}): Goal {
  const expected = `${what} in no layer`;
  return goal({
    id: `no-${slug(what)}-in-layers`,
    title: `The value of ${what} is in no layer`,
    hint: 'Its bytes stay in the layer that first held them, even if a later step deletes the file.',
    search: [needle],
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const layers = (await ctx.facts()).layers ?? [];
      const hits = layers.flatMap((l) => (l.found[needle] ?? []).map((p) => `${p} (layer ${l.index + 1})`));
      return { pass: hits.length === 0, expected, measured: hits.length ? `found in ${list(hits)}` : 'not found' };
    },
  }, opts);
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
