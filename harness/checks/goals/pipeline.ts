/**
 * Goals on a CI pipeline's build: the learner's bake file is run for real with
 * `docker buildx bake`, its cache is exported (to a registry on a loopback port, and to a
 * local folder), and a fresh builder, which holds no cache of its own, imports it. What
 * counts is BuildKit's log of that fresh builder: the expensive steps must be CACHED when
 * it imports the cache, and not without.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { bakeDefinition, BakeDefinitionError, type BakeDefinition } from '../../build/bake.ts';
import type { BuildStep } from '../../build/build-log.ts';
import { startFreshBuilder, type FreshBuilder } from '../../build/fresh-builder.ts';
import { parseStepName } from '../../build/step-name.ts';
import { docker } from '../../engine/docker.ts';
import { imageFacts } from '../../inspect/image-facts.ts';
import { startRegistry, type LocalRegistry } from '../../run/registry.ts';
import { list } from '../format.ts';
import { goal, type Goal, type GoalOptions, type GoalOutcome } from '../goal.ts';
import type { BakeRun, LabContext } from '../lab-context.ts';

/** The pipeline a lesson asks for; every pipeline goal of a lesson must be given the same one. */
export interface PipelineSpec {
  /** Bake targets the pipeline builds: `['test', 'production']`. */
  targets: string[];
  /** The target whose build runs the tests. */
  testTarget: string;
  /** The bake variable the file takes its registry from (image tags, registry caches). */
  registryVar: string;
  /** Expensive steps (dependency installs), matched against the instruction: `/npm (ci|install)/`. */
  expensive: RegExp;
}

export type CacheBackend = 'registry' | 'local';

/** A step of a bake log: `[production deps 2/3] RUN npm ci` is target production, stage deps. */
export interface BakeStep {
  target: string;
  stage: string | undefined;
  instruction: string;
  step: BuildStep;
}

/** Reads bake's step names, which put the bake target before the Dockerfile's stage. */
export function bakeSteps(steps: BuildStep[], targets: string[]): BakeStep[] {
  return steps.flatMap((step) => {
    const m = /^\[(\S+) (.*)$/.exec(step.name);
    if (!m || !targets.includes(m[1] ?? '')) return [];
    const name = parseStepName(`[${m[2] ?? ''}`);
    return name ? [{ target: m[1] ?? '', stage: name.stage, instruction: name.instruction, step }] : [];
  });
}

/** "test and production", "a, b and c". */
const and = (xs: string[]): string => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1) ?? ''}`);

const registryOf = (ctx: LabContext): Promise<LocalRegistry> => ctx.shared('pipeline-registry', async () => {
  const registry = await startRegistry(ctx.sessionId);
  // An isolated engine (grading) reaches the host's loopback only through its relay.
  await ctx.isolation?.exposeLoopbackPort(registry.port).catch(async (e: unknown) => { await registry.stop(); throw e; });
  return registry;
}, (r) => r.stop());
const localCacheDir = (ctx: LabContext): Promise<string> =>
  ctx.shared('pipeline-local-cache', () => mkdtemp(path.join(os.tmpdir(), 'stagecraft-local-cache-')), (d) => rm(d, { recursive: true, force: true }));
const vars = async (ctx: LabContext, spec: PipelineSpec): Promise<Record<string, string>> => ({ [spec.registryVar]: (await registryOf(ctx)).address });

/**
 * The pipeline's build on the engine: the spec's targets, with the learner's cache exports
 * going to this check's registry, plus an export of each target to a local folder
 * (`type=local,mode=max`, one folder per target). The targets other than the tests' are
 * loaded into the engine.
 */
export function pipelineRun(ctx: LabContext, spec: PipelineSpec): Promise<BakeRun> {
  return ctx.shared('pipeline-run', async () => {
    const v = await vars(ctx, spec);
    const dir = await localCacheDir(ctx);
    const learner = await bakeDefinition({ cwd: ctx.contextDir, targets: spec.targets, vars: v });
    // `--set t.cache-to=...` replaces the list: give the learner's own entries back, then ours.
    const set = spec.targets.flatMap((t) => [...(learner.target[t]?.['cache-to'] ?? []), `type=local,dest=${path.join(dir, t)},mode=max`].map((c) => `${t}.cache-to=${c}`));
    const run = await ctx.bake('pipeline', { targets: spec.targets, vars: v, set, load: spec.targets.filter((t) => t !== spec.testTarget) });
    if (run.result.outcome === 'built') prepareFreshBuilder(ctx, spec, run);
    return run;
  });
}

/** Why the pipeline run gives nothing to measure, as a failed outcome; undefined when it built. */
async function pipelineFailed(ctx: LabContext, spec: PipelineSpec, expected: string): Promise<GoalOutcome | undefined> {
  try {
    const run = await pipelineRun(ctx, spec);
    if (run.result.outcome === 'built') return undefined;
    return { pass: false, expected, measured: 'bake failed', message: `\`docker buildx bake ${spec.targets.join(' ')}\` failed: ${run.result.reason ?? ''}` };
  } catch (e) {
    if (!(e instanceof BakeDefinitionError)) throw e;
    return { pass: false, expected, measured: 'bake file not read', message: `docker buildx bake cannot read the bake file: ${e.message}` };
  }
}

/** `docker buildx bake` with no arguments builds every spec target, and they build. */
export function bakeBuildsTargets(spec: PipelineSpec & GoalOptions): Goal {
  const expected = `\`docker buildx bake\` builds ${and(spec.targets)}`;
  return goal({
    id: 'bake-builds-targets',
    title: `\`docker buildx bake\` builds ${and(spec.targets)}`,
    hint: `Put ${and(spec.targets)} in the bake file's \`default\` group: \`group "default" { targets = [${spec.targets.map((t) => `"${t}"`).join(', ')}] }\`.`,
    async check(ctx) {
      let defaults: BakeDefinition;
      try {
        defaults = await bakeDefinition({ cwd: ctx.contextDir, vars: await vars(ctx, spec) });
      } catch (e) {
        if (!(e instanceof BakeDefinitionError)) throw e;
        return { pass: false, expected, measured: 'no default build', message: `\`docker buildx bake --print\` says: ${e.message}` };
      }
      const built = Object.keys(defaults.target);
      const missing = spec.targets.filter((t) => !built.includes(t));
      if (missing.length) {
        return { pass: false, expected, measured: `builds ${and(built) || 'nothing'}`,
          message: `\`docker buildx bake\` builds ${and(built) || 'nothing'}, not ${and(missing)}${missing.includes(spec.testTarget) ? ': the image would ship without its tests having run' : ''}.` };
      }
      const failed = await pipelineFailed(ctx, spec, expected);
      if (failed) return failed;
      return { pass: true, expected, measured: `built ${and(built)}` };
    },
  }, spec);
}

export interface BrokenTestEdit {
  /** A source file of the app, edited in a copy of the context. */
  file: string;
  /** Text in it that a test checks... */
  replace: string;
  /** ...and what it becomes, so that test fails. */
  with: string;
}

/** With a test made to fail, the test target fails, at a RUN step of its own. */
export function testsGateBuild(spec: PipelineSpec & { breakTest: BrokenTestEdit } & GoalOptions): Goal {
  const expected = `the ${spec.testTarget} target fails when a test fails`;
  return goal({
    id: 'failing-test-fails-build',
    title: `A failing test fails the \`${spec.testTarget}\` target`,
    hint: `The ${spec.testTarget} stage must run the tests in a RUN step whose exit code counts: no \`|| true\`, no \`; exit 0\`.`,
    async check(ctx) {
      const failed = await pipelineFailed(ctx, spec, expected);
      if (failed) return failed;
      const { file, replace } = spec.breakTest;
      const original = await readFile(path.join(ctx.contextDir, file), 'utf8').catch(() => '');
      if (!original.includes(replace)) {
        return { pass: false, expected, measured: `${file} changed`, message: `The harness breaks a test by changing "${replace}" in ${file}, which is not there any more: keep the app's ${file} as the lab gives it.` };
      }
      const run = await ctx.bake('broken-test', {
        targets: [spec.testTarget], vars: await vars(ctx, spec), set: ['*.cache-to='],
        edit: (dir) => writeFile(path.join(dir, file), original.replaceAll(replace, spec.breakTest.with)),
      });
      if (run.result.outcome === 'built') {
        return { pass: false, expected, measured: 'built anyway',
          message: `With "${replace}" changed in ${file}, a test fails, yet the ${spec.testTarget} target built: its tests do not run, or their failure is ignored.` };
      }
      const step = bakeSteps(run.result.steps, [spec.testTarget]).find((s) => s.step.error !== undefined);
      const isRun = step?.instruction.startsWith('RUN ') ?? false;
      return { pass: isRun, expected, measured: step ? `failed at \`${step.instruction}\`` : `failed: ${run.result.reason ?? ''}`,
        message: isRun ? undefined : `The ${spec.testTarget} target failed, but not in a step running the tests: ${run.result.reason ?? ''}` };
    },
  }, spec);
}

/**
 * The base images the pipeline builds from, pushed to the check's registry: a fresh builder
 * has no images of its own and pulls them from there (lazily: a fully cached build needs
 * only their configs). The cache keys do not change, as BuildKit keys a base image by its
 * layers, wherever it comes from.
 */
function basesInRegistry(ctx: LabContext, run: BakeRun): Promise<Record<string, string>> {
  return ctx.shared('pipeline-bases', async () => {
    const registry = await registryOf(ctx);
    const contexts: Record<string, string> = {};
    for (const [name, value] of Object.entries(run.contexts)) {
      if (!value.startsWith('docker-image://')) { contexts[name] = value; continue; }
      const source = value.slice('docker-image://'.length);
      const copy = `${registry.address}/stagecraft-base/${source.replace(/[^a-z0-9._-]+/gi, '-').toLowerCase()}:${ctx.sessionId}`;
      await docker().getImage(source).tag({ repo: copy.slice(0, copy.lastIndexOf(':')), tag: ctx.sessionId });
      try {
        const out = await $({ nothrow: true, quiet: true })`docker push -q ${copy}`;
        if (out.exitCode !== 0) throw new Error(`could not push ${source} to the check's registry: ${out.stderr.trim()}`);
      } finally {
        // Only this tag goes; the image keeps its own.
        await docker().getImage(copy).remove({ noprune: true }).catch(() => undefined);
      }
      contexts[name] = `docker-image://${copy}`;
    }
    return contexts;
  });
}

/** A fresh builder of this check, and the cache records it held when it answered (0: fresh). */
interface Fresh { builder: FreshBuilder; records: number }

function freshBuilder(ctx: LabContext, name: string): Promise<Fresh> {
  return ctx.shared(`fresh-builder-${name}`, async () => {
    const registry = await registryOf(ctx);
    const builder = await startFreshBuilder({ sessionId: ctx.sessionId, loopbackPorts: [registry.port] });
    return { builder, records: await builder.cacheRecords() };
  }, (f) => f.builder.stop());
}

const freshOptions = async (ctx: LabContext, spec: PipelineSpec, run: BakeRun, f: Fresh): Promise<{ targets: string[]; vars: Record<string, string>; dockerHost: string; contexts: Record<string, string> }> =>
  ({ targets: spec.targets, vars: await vars(ctx, spec), dockerHost: f.builder.host, contexts: await basesInRegistry(ctx, run) });

/**
 * The control: in a fresh builder, the pipeline's targets built without importing any
 * cache. Its expensive steps must not show CACHED (they fail at once: no network). One per
 * check; the local-cache import then runs in the same builder, where the failed steps left
 * no cache records behind, so whatever is CACHED there came from the import.
 */
function controlRun(ctx: LabContext, spec: PipelineSpec, run: BakeRun): Promise<{ fresh: Fresh; control: BakeRun }> {
  return ctx.shared('fresh-control', async () => {
    const fresh = await freshBuilder(ctx, 'a');
    const control = await ctx.bake('fresh-control', { ...(await freshOptions(ctx, spec, run, fresh)), set: ['*.cache-from=', '*.cache-to='] });
    return { fresh, control };
  });
}

/** The pipeline's targets built in a fresh builder that imports the backend's cache export. */
function importRun(ctx: LabContext, spec: PipelineSpec, backend: CacheBackend, run: BakeRun): Promise<{ records: number; imported: BakeRun }> {
  return ctx.shared(`fresh-import-${backend}`, async () => {
    const { fresh: a } = await controlRun(ctx, spec, run);
    // The registry import gets a builder of its own: the local one has imported by then.
    const fresh = backend === 'local' ? a : await freshBuilder(ctx, 'b');
    const dir = await localCacheDir(ctx);
    const set = backend === 'registry'
      ? ['*.cache-to=']
      : ['*.cache-to=', '*.cache-from=', ...spec.targets.map((t) => `${t}.cache-from=type=local,src=${path.join(dir, t)}`)];
    return { records: fresh.records, imported: await ctx.bake(`fresh-import-${backend}`, { ...(await freshOptions(ctx, spec, run, fresh)), set }) };
  });
}

/** Starts the fresh builder and its control early, while other goals use the engine. */
export function prepareFreshBuilder(ctx: LabContext, spec: PipelineSpec, run: BakeRun): void {
  controlRun(ctx, spec, run).catch(() => undefined);
}

const where = (s: BakeStep): string => `\`${s.instruction}\` (${s.target}${s.stage && s.stage !== s.target ? `, stage ${s.stage}` : ''})`;

/**
 * A fresh builder that imports the pipeline's exported cache skips the expensive steps:
 * each shows CACHED in its log, and none did in the same builder before the import.
 * `registry`: the learner's own cache settings (cache-to/cache-from, with the registry
 * variable set to the check's registry). `local`: the harness exports each target with
 * mode=max to a folder of its own, so what is measured is whether the Dockerfile and the
 * bake file's args let a cache be reused at all.
 */
export function cacheReusedByFreshBuilder(spec: PipelineSpec & { backend: CacheBackend } & GoalOptions): Goal {
  const source = spec.backend === 'registry' ? 'the registry cache your bake file exports' : 'a cache exported to a local folder';
  const expected = `the expensive steps CACHED in a fresh builder importing ${source}`;
  return goal({
    id: `fresh-builder-reuses-${spec.backend}-cache`,
    title: `A fresh builder reuses ${source}`,
    hint: spec.backend === 'registry'
      ? `Give every target a \`cache-to\` (type=registry, mode=max) and a matching \`cache-from\`, each with a ref of its own under \${${spec.registryVar}}: two targets writing one ref overwrite each other.`
      : 'A value that changes on every build (a date, a commit) must not reach a step before the installs: an ARG declared in a stage is in the environment of every RUN after it. Put such values in labels (bake `labels`), or declare the ARG at the end of the final stage.',
    async check(ctx) {
      const failed = await pipelineFailed(ctx, spec, expected);
      if (failed) return failed;
      const run = await pipelineRun(ctx, spec);
      if (spec.backend === 'registry') {
        const learner = await bakeDefinition({ cwd: ctx.contextDir, targets: spec.targets, vars: await vars(ctx, spec) });
        const address = (await registryOf(ctx)).address;
        const uses = (list_: string[] | undefined): boolean => (list_ ?? []).some((c) => /(^|,)type=registry(,|$)/.test(c) && c.includes(address));
        const without = spec.targets.filter((t) => !uses(learner.target[t]?.['cache-to']) || !uses(learner.target[t]?.['cache-from']));
        if (without.length) {
          return { pass: false, expected, measured: `no registry cache for ${list(without)}`,
            message: `Target${without.length > 1 ? 's' : ''} ${list(without)} ${without.length > 1 ? 'have' : 'has'} no cache-to and cache-from of type=registry under \${${spec.registryVar}}: a new CI runner starts with an empty cache.` };
        }
      }
      const expensive = bakeSteps(run.result.steps, spec.targets).filter((s) => s.instruction.startsWith('RUN ') && spec.expensive.test(s.instruction));
      if (!expensive.length) return { pass: false, expected, measured: `no step matches ${spec.expensive.source}`, message: 'The pipeline has no dependency install step to reuse.' };

      const { fresh, control: controlRunResult } = await controlRun(ctx, spec, run);
      const { records, imported: importedRun } = await importRun(ctx, spec, spec.backend, run);
      const byName = (r: BakeRun): Map<string, BakeStep> => new Map(bakeSteps(r.result.steps, spec.targets).map((s) => [s.step.name, s]));
      const control = byName(controlRunResult);
      const imported = byName(importedRun);
      // A builder with cache of its own would prove nothing: that is the harness's failure, not the learner's.
      const cachedWithout = expensive.filter((s) => control.get(s.step.name)?.step.cached);
      if (fresh.records !== 0 || records !== 0 || cachedWithout.length) {
        throw new Error(`the fresh builder was not fresh (${Math.max(fresh.records, records)} cache records; CACHED without an import: ${list(cachedWithout.map(where))})`);
      }
      const missed = expensive.filter((s) => !imported.get(s.step.name)?.step.cached);
      if (!missed.length) {
        return { pass: true, expected, measured: `${expensive.length} install step${expensive.length > 1 ? 's' : ''} CACHED (none without the import)` };
      }
      // A cache that could not be read at all says so in the import step of the log.
      const importErrors = importedRun.result.steps.filter((st) => st.name.includes('importing cache manifest') && st.error).map((st) => st.error ?? '');
      return { pass: false, expected, measured: `${missed.length} of ${expensive.length} ran again`,
        message: `In a fresh builder importing ${source}, ${list(missed.map(where))} ${missed.length > 1 ? 'were' : 'was'} not in the cache: a new CI runner would run ${missed.length > 1 ? 'them' : 'it'} again.`
          + (importErrors.length ? ` BuildKit: ${importErrors[0] ?? ''}.` : '') };
    },
  }, spec);
}

export interface BakeLabelSpec extends GoalOptions {
  /** The loaded (non-test) target whose image is read. */
  target: string;
  label: string;
  /** Words for the value wanted: "a date and time". */
  what: string;
  test: (value: string) => boolean;
}

/** The image a bake target built carries a label with a fitting value (read from its config). */
export function bakeImageLabel(spec: PipelineSpec & BakeLabelSpec): Goal {
  const expected = `label ${spec.label} = ${spec.what}`;
  return goal({
    id: `${spec.target}-label-${spec.label.split('.').pop() ?? 'label'}`,
    title: `The ${spec.target} image is labelled ${spec.label}`,
    hint: `Set it in the bake file: \`labels = { "${spec.label}" = ... }\` on the ${spec.target} target.`,
    async check(ctx) {
      const failed = await pipelineFailed(ctx, spec, expected);
      if (failed) return failed;
      const tag = (await pipelineRun(ctx, spec)).images[spec.target];
      if (!tag) return { pass: false, expected, measured: 'no image', message: `The ${spec.target} target was not loaded into the engine.` };
      const value = (await imageFacts(tag)).config.labels[spec.label];
      if (value === undefined || value === '') return { pass: false, expected, measured: value === undefined ? 'no such label' : 'empty', message: `The ${spec.target} image has no ${spec.label} value.` };
      return { pass: spec.test(value), expected, measured: JSON.stringify(value) };
    },
  }, spec);
}
