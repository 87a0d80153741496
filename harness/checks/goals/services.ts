/**
 * Goals on the images of a compose file's services: any goal of the library measured on
 * each service's image, the images building in parallel from independent stages, and their
 * size together (layers they share counted once) against the lab's naive starter.
 */
import { ownStepOverlap, type StepSpan } from '../../build/parallel-steps.ts';
import { DEFAULT_COMPOSE_FILE, serviceImage } from '../compose-services.ts';
import { bytes, list, seconds } from '../format.ts';
import { goal, type Goal, type GoalOptions, type GoalOutcome } from '../goal.ts';
import type { LabContext } from '../lab-context.ts';
import { notBuilt } from './common.ts';
import { sourceEditVariant, type SourceEdit } from './cached-steps.ts';
import { percent } from './size-ratio.ts';

export interface ServicesOptions extends GoalOptions {
  /** The compose file, relative to the lab; default compose.yaml. */
  file?: string;
}

type Measured = { service: string; ctx: LabContext } | { service: string; outcome: GoalOutcome };

/** Each service's image context (targets built at the same time), or why there is none. */
async function images(ctx: LabContext, services: string[], file: string, expected: string): Promise<Measured[]> {
  return Promise.all(services.map(async (service): Promise<Measured> => {
    const img = await serviceImage(ctx, service, file);
    return 'problem' in img ? { service, outcome: { pass: false, expected, measured: 'no image', message: img.problem } } : img;
  }));
}

/**
 * `inner` measured on the image of each listed service (built from its `target`); passes
 * when it passes on every one. The outcome lists each service's measurement.
 */
export function forServices(services: string[], inner: Goal, opts: ServicesOptions = {}): Goal {
  const file = opts.file ?? DEFAULT_COMPOSE_FILE;
  return goal({
    id: inner.id,
    title: `${inner.title} (${services.join(', ')})`,
    hint: inner.hint,
    weight: inner.weight,
    ...(inner.search ? { search: inner.search } : {}),
    async check(ctx) {
      // Services that run the same image are measured once and reported together.
      const groups: { names: string[]; m: Measured }[] = [];
      for (const m of await images(ctx, services, file, '')) {
        const same = 'ctx' in m ? groups.find((g) => 'ctx' in g.m && g.m.ctx === m.ctx) : undefined;
        if (same) same.names.push(m.service);
        else groups.push({ names: [m.service], m });
      }
      // Concurrently, as compose builds and runs a project: rebuilds an inner goal makes for
      // each image overlap like `docker compose build`'s (servicesBuildInParallel reads that).
      const results = await Promise.all(groups.map(async (g) => ({
        service: g.names.length > 1 ? `${g.names.join(' and ')} (one image)` : g.names.join(''),
        outcome: 'outcome' in g.m ? g.m.outcome : await inner.check(g.m.ctx),
      })));
      const failed = results.filter((r) => !r.outcome.pass);
      const expected = results.find((r) => r.outcome.expected)?.outcome.expected ?? inner.title;
      return {
        pass: failed.length === 0,
        expected: `${expected}, in ${services.length > 1 ? `each of ${services.join(', ')}` : services.join('')}`,
        measured: results.map((r) => `${r.service}: ${r.outcome.measured}`).join('; '),
        message: failed.length ? failed.map((r) => `${r.service}: ${r.outcome.message ?? r.outcome.measured}`).join(' ') : undefined,
      };
    },
  }, opts);
}

const describeSpan = (name: string, s: StepSpan, t0: number): string => (s.start === undefined || s.end === undefined
  ? `${name}: no RUN step of its own`
  : `${name}: ${s.steps.length} RUN step${s.steps.length > 1 ? 's' : ''} ${seconds(s.start - t0)}–${seconds(s.end - t0)}`);

export interface ParallelSpec extends ServicesOptions {
  /** The two services whose images should build from independent stages. */
  services: [string, string];
  /**
   * Source files of both parts, edited (a comment naming the check) before both images are
   * rebuilt at once, so each has steps to run again; stepsCachedAfterEdit with the same edits
   * shares these rebuilds.
   */
  edits: SourceEdit[];
}

/**
 * After an edit to both parts' sources, the two services' images, rebuilt at the same time
 * (as `docker compose build` builds a project), run RUN steps of their own concurrently: the
 * stages each needs are independent of the other's, so BuildKit runs them side by side.
 * Measured from the timing of both builds' logs.
 */
export function servicesBuildInParallel(spec: ParallelSpec): Goal {
  const file = spec.file ?? DEFAULT_COMPOSE_FILE;
  const [a, b] = spec.services;
  const expected = `${a} and ${b} rebuilt at once, each running its own steps at the same time`;
  return goal({
    id: 'builds-in-parallel',
    title: `The ${a} and ${b} images build in parallel, from stages independent of each other`,
    hint: `Give each part its own chain of stages (its own FROM, install and build), and let neither FROM or COPY --from the other's. Then BuildKit runs both at once: \`docker compose build --progress=plain\` shows their steps interleaved.`,
    async check(ctx) {
      const [ma, mb] = await images(ctx, spec.services, file, expected);
      if (!ma || !mb) throw new Error('servicesBuildInParallel needs two services');
      if ('outcome' in ma) return ma.outcome;
      if ('outcome' in mb) return mb.outcome;
      const nb = notBuilt(ma.ctx, expected) ?? notBuilt(mb.ctx, expected);
      if (nb) return nb;
      if (ma.ctx === mb.ctx) {
        return { pass: false, expected, measured: 'one image for both',
          message: `${a} and ${b} run the same image, so nothing is built apart and each ships the other's files. Give each its own final stage and set it as the service's \`build.target\`.` };
      }
      // Both rebuilds start together (or already did, for another goal, the same way).
      const [va, vb] = await Promise.all([sourceEditVariant(ma.ctx, spec.edits), sourceEditVariant(mb.ctx, spec.edits)]);
      for (const [name, v] of [[a, va], [b, vb]] as const) {
        if (v.build.outcome !== 'built') return { pass: false, expected, measured: `${name} did not build`, message: `After editing ${list(spec.edits.map((e) => e.file))}, ${name} did not build: ${v.build.reason ?? ''}` };
      }
      const o = ownStepOverlap(va.build.steps, vb.build.steps);
      const t0 = Math.min(...[...va.build.steps, ...vb.build.steps].map((s) => s.seenAt));
      const measured = `${describeSpan(a, o.a, t0)}; ${describeSpan(b, o.b, t0)}`;
      if (!o.a.steps.length || !o.b.steps.length) {
        const lonely = o.a.steps.length ? b : a;
        const other = lonely === a ? b : a;
        return { pass: false, expected, measured,
          message: `After the edit, every RUN step of ${lonely}'s rebuild also ran for ${other}: ${lonely}'s stages are part of ${other}'s (a FROM or COPY --from between them), or ${lonely} builds nothing of its own (its build step must run in the Dockerfile).` };
      }
      if (o.overlapMs <= 0) {
        return { pass: false, expected, measured,
          message: `${a}'s own steps and ${b}'s did not run at the same time: one rebuild waited ${seconds(-o.overlapMs)} for the other.` };
      }
      return { pass: true, expected, measured: `${measured}; overlapping ${seconds(o.overlapMs)}` };
    },
  }, spec);
}

/**
 * The services' images together, as a host stores and pulls them (each layer once, however
 * many images share it), are at most a fraction of the lab's starter image.
 */
export function servicesSizeRatioToStarter(services: string[], maxRatio: number, opts: ServicesOptions = {}): Goal {
  const file = opts.file ?? DEFAULT_COMPOSE_FILE;
  const expected = `${services.join(' + ')} at most ${percent(maxRatio)} of the starter's image`;
  return goal({
    id: 'size-vs-starter',
    title: `The ${services.join(' and ')} images together are at most ${percent(maxRatio)} of the starter's size`,
    hint: 'Ship only what runs, on a small base, and use the same base for every image: layers the images share are stored and pulled once.',
    async check(ctx) {
      const layers = new Map<string, number>();
      const perService: string[] = [];
      for (const m of await images(ctx, services, file, expected)) {
        if ('outcome' in m) return m.outcome;
        const nb = notBuilt(m.ctx, expected);
        if (nb) return { ...nb, message: `${m.service}: ${nb.message ?? ''}` };
        const facts = await m.ctx.facts();
        for (const l of facts.layers ?? []) layers.set(l.diffId, l.size);
        perService.push(`${m.service} ${bytes(facts.size ?? 0)}`);
      }
      const starter = await ctx.starter();
      if (!starter.facts?.size) return { pass: false, expected, measured: 'starter did not build', message: `The starter did not build: ${starter.build.reason ?? ''}` };
      const total = [...layers.values()].reduce((n, s) => n + s, 0);
      const ratio = total / starter.facts.size;
      const pass = ratio <= maxRatio;
      return { pass, expected,
        measured: `${percent(ratio)}: ${bytes(total)} stored (${list(perService, 4)}, shared layers once) vs ${bytes(starter.facts.size)}`,
        message: pass ? undefined : `Together the images need ${bytes(total)}; ${percent(maxRatio)} of the starter is ${bytes(Math.floor(starter.facts.size * maxRatio))}.` };
    },
  }, opts);
}
