import { goal, type Goal, type GoalOptions, type GoalOutcome } from '../goal.ts';
import type { LabContext } from '../lab-context.ts';
import { list } from '../format.ts';
import { notBuilt } from './common.ts';
import { programCandidates, resolveInImage, startArgv } from './binary.ts';
import { jsonField } from './http-json.ts';
import { targetStage } from '../../build/dockerfile.ts';
import { parseStepName } from '../../build/step-name.ts';
import { programsRun } from '../../build/shell-programs.ts';
import { enginePlatform } from '../../engine/platform.ts';
import { elfMachineFor, sameMachine, splitPlatform } from '../../inspect/architecture.ts';
import { parseElf } from '../../inspect/elf.ts';
import { finalFilesystem } from '../../inspect/image-facts.ts';
import { imagePlatforms } from '../../inspect/platforms.ts';
import { ContainerStartError, type RunningApp } from '../../run/container.ts';

/**
 * The image is one image index with a variant for every platform named, and each variant
 * is built on its own platform's base image (its first layers are that platform's layers
 * of the final stage's base). A final stage pinned with `FROM --platform=$BUILDPLATFORM`
 * still gets an arm64 config, but on amd64 layers: `/bin/sh` and friends would be x86-64.
 */
export function platformsBuilt(platforms: string[], opts: GoalOptions = {}): Goal {
  const expected = `one image with ${platforms.join(' and ')}, each on its own platform's base`;
  return goal({
    id: 'multi-platform-image',
    title: `The image holds ${platforms.join(' and ')}, each on its own base`,
    hint: 'Let the final stage follow the platform being built: no `--platform` on its FROM (only the build stage runs on $BUILDPLATFORM).',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const variants = await ctx.platforms();
      const have = variants.map((v) => v.platform);
      const missing = platforms.filter((p) => !have.some((h) => sameMachine(h, p)));
      if (missing.length) {
        return { pass: false, expected, measured: have.length ? have.join(', ') : 'no platform', message: `The image has no variant for ${list(missing)}.` };
      }
      const base = finalBase(ctx);
      if (!base) return { pass: true, expected, measured: `${have.join(', ')} (FROM scratch)` };
      const baseVariants = await imagePlatforms(base);
      const startsWith = (ids: string[], prefix: string[]): boolean => prefix.length > 0 && prefix.every((d, i) => ids[i] === d);
      const found = variants.map((v) => ({ platform: v.platform, on: baseVariants.find((b) => startsWith(v.diffIds, b.diffIds))?.platform }));
      const wrong = found.filter((f) => f.on === undefined || !sameMachine(f.on, f.platform));
      const first = wrong[0];
      return {
        pass: wrong.length === 0, expected,
        measured: found.map((f) => `${f.platform} on ${f.on ? `the ${f.on} base` : 'an unknown base'}`).join(', '),
        message: first
          ? `The ${first.platform} variant is built on ${first.on ? `the ${first.on} variant of ${base}` : `layers that are no variant of ${base}`}: every program and library the base brings is for the wrong CPU.`
          : undefined,
      };
    },
  }, opts);
}

/** The image the final stage (or the lesson's target) ultimately starts from; undefined for scratch. */
function finalBase(ctx: LabContext): string | undefined {
  const stages = ctx.dockerfile.stages;
  let stage = targetStage(ctx.dockerfile, ctx.lesson.target);
  for (let hops = 0; stage && hops < stages.length; hops++) {
    const from = stage.from.toLowerCase();
    const parent = stages.find((s) => s.name?.toLowerCase() === from && s.line < (stage?.line ?? 0));
    if (!parent) return from === 'scratch' ? undefined : stage.from;
    stage = parent;
  }
  return undefined;
}

export interface BinarySpec extends GoalOptions {
  /** The binary to read; default: the program the image starts (ENTRYPOINT, else CMD). */
  path?: string;
}

/** In every platform's variant, the program is an ELF binary for that platform's CPU. */
export function binaryMatchesPlatform(spec: BinarySpec = {}): Goal {
  const expected = 'each variant\'s program compiled for its own CPU';
  return goal({
    id: 'binary-per-platform',
    title: 'Each platform\'s variant has a binary for its CPU',
    hint: 'Compile for the platform being built: `ARG TARGETOS` and `ARG TARGETARCH` in the build stage, then `GOOS=$TARGETOS GOARCH=$TARGETARCH go build`.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const variants = await ctx.platforms();
      if (!variants.length) return { pass: false, expected, measured: 'no platform variants' };
      const program = spec.path ?? (await startedProgram(ctx));
      if (!program) return { pass: false, expected, measured: 'no program', message: 'The image sets neither ENTRYPOINT nor CMD, so the harness cannot tell which binary it runs.' };
      const found = await Promise.all(variants.map(async (v) => {
        const bytes = await ctx.readFile(program, v.platform);
        const elf = bytes ? parseElf(bytes) : undefined;
        const want = elfMachineFor(splitPlatform(v.platform).arch);
        const machine = !bytes ? 'missing' : elf ? elf.machine : 'not an ELF binary';
        return { platform: v.platform, machine, ok: elf !== undefined && elf.machine === want, want };
      }));
      const wrong = found.filter((f) => !f.ok);
      const first = wrong[0];
      const what = (m: string): string => (m === 'missing' || m === 'not an ELF binary' ? m : `an ${m} program`);
      return {
        pass: wrong.length === 0, expected,
        measured: found.map((f) => `${f.platform}: ${f.machine}`).join(', '),
        message: first
          ? `In the ${first.platform} variant, ${program} is ${what(first.machine)}, not ${first.want ?? first.platform}: a ${first.platform} machine cannot run it (exec format error).`
          : undefined,
      };
    },
  }, spec);
}

/**
 * The file the image starts (ENTRYPOINT, else CMD), found as the engine would find it
 * (WORKDIR, PATH, symlinks) in the final filesystem of the engine's own variant.
 */
async function startedProgram(ctx: LabContext): Promise<string | undefined> {
  const facts = await ctx.facts();
  const argv0 = startArgv(facts.config)[0];
  if (!argv0) return undefined;
  const fs = finalFilesystem(facts.layers ?? []);
  const candidates = programCandidates(argv0, facts.config.env.PATH, facts.config.workdir);
  return candidates.map((c) => resolveInImage(fs, c)).find((p): p is string => p !== undefined && fs.get(p)?.type !== 'dir') ?? candidates[0];
}

export interface PlatformHttpSpec extends GoalOptions {
  /** `linux/arm64`: run this platform's variant (under QEMU where the engine is not that CPU). */
  platform: string;
  path: string;
  status?: number;
  /** Text the body must contain. */
  bodyIncludes?: string;
  /** Fields of a JSON answer and the values they must have: `{ machine: 'aarch64' }`. */
  json?: Record<string, string>;
}

/** The variant for another platform starts (emulated if need be) and answers as it should. */
export function answersOnPlatform(spec: PlatformHttpSpec): Goal {
  const status = spec.status ?? 200;
  const wants = [
    ...(spec.bodyIncludes ? [`"${spec.bodyIncludes}"`] : []),
    ...Object.entries(spec.json ?? {}).map(([k, v]) => `${k} = ${v}`),
  ];
  const expected = `GET ${spec.path} -> ${status}${wants.length ? ` with ${wants.join(', ')}` : ''}`;
  const arch = splitPlatform(spec.platform).arch;
  return goal({
    id: `runs-on-${arch}`,
    title: `The ${spec.platform} variant runs and answers GET ${spec.path}`,
    hint: `Run it yourself: \`docker run --rm --platform ${spec.platform} -p 8080:8080 IMAGE\` and ask it over HTTP.`,
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      if (!ctx.lesson.run) throw new Error(`lesson ${ctx.lesson.slug} sets no \`run\`, so there is no container to probe`);
      let app: RunningApp;
      try {
        // QEMU slows start-up: give the emulated variant more time than a native one.
        app = await ctx.run(`platform-${spec.platform}`, { startupTimeoutMs: 60_000, ...ctx.lesson.run, platform: spec.platform });
      } catch (e) {
        const logs = e instanceof ContainerStartError && e.logs ? ` Last output: ${e.logs.split('\n').slice(-5).join(' | ')}` : '';
        return { pass: false, expected, measured: 'not started', message: `The ${spec.platform} variant did not start: ${e instanceof Error ? e.message : String(e)}.${logs}` };
      }
      let res;
      try {
        res = await app.http(spec.path, 15_000);
      } catch (e) {
        return { pass: false, expected, measured: 'no answer', message: `The request failed: ${e instanceof Error ? e.message : String(e)}.` };
      }
      const measured = `${res.status} ${res.body.trim().slice(0, 120)}`;
      const wrongFields = Object.entries(spec.json ?? {}).filter(([k, v]) => jsonField(parseJson(res.body), k) !== v);
      const pass = res.status === status && (spec.bodyIncludes === undefined || res.body.includes(spec.bodyIncludes)) && wrongFields.length === 0;
      const field = wrongFields[0];
      return { pass, expected, measured,
        message: pass ? undefined : field
          ? `The ${spec.platform} variant reports ${field[0]} = ${String(jsonField(parseJson(res.body), field[0]) ?? 'nothing')}, not ${field[1]}: the program in it is not a ${spec.platform} program.`
          : `The ${spec.platform} variant did not answer as expected.` };
    },
  }, spec);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export interface EmulationSpec extends GoalOptions {
  /** Programs that must not run under emulation, by name: `['go']`. */
  programs: string[];
  /** Words for messages: "the Go compiler". */
  what: string;
}

/**
 * Every RUN step that starts one of the programs ran on the engine's own platform (the
 * BUILDPLATFORM), read from the platform BuildKit names each step with in its log: a step
 * of a multi-platform build that runs on another CPU ran under QEMU.
 */
export function notEmulated(spec: EmulationSpec): Goal {
  const expected = `${spec.what} runs on the build platform for every target`;
  return goal({
    id: `no-emulated-${spec.programs.join('-')}`,
    title: `${capitalise(spec.what)} runs natively, not under emulation`,
    hint: 'Start the build stage with `FROM --platform=$BUILDPLATFORM` so it runs on the machine doing the build, and cross-compile for the target.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      return emulationOutcome(ctx, spec, expected);
    },
  }, spec);
}

async function emulationOutcome(ctx: LabContext, spec: EmulationSpec, expected: string): Promise<GoalOutcome> {
  const native = await enginePlatform();
  const only = ctx.lesson.platforms?.length === 1 ? ctx.lesson.platforms[0] : undefined;
  const steps = ctx.build.log.ordered().flatMap((s) => {
    const parsed = parseStepName(s.name);
    if (!parsed?.instruction.startsWith('RUN ')) return [];
    if (!programsRun(parsed.instruction.slice(4)).some((p) => spec.programs.includes(p))) return [];
    // A single-platform build names no platform: its steps run on that platform.
    const runsOn = parsed.runsOn ?? only ?? native;
    return [{ ...parsed, runsOn, target: parsed.target ?? runsOn, emulated: !sameMachine(runsOn, native) }];
  });
  if (!steps.length) {
    return { pass: false, expected, measured: `no RUN step runs ${spec.programs.join(' or ')}`,
      message: `The build log shows no RUN step that starts ${spec.programs.join(' or ')}, so where ${spec.what} ran cannot be measured. Run it in its own RUN step.` };
  }
  const emulated = steps.filter((s) => s.emulated);
  const targets = [...new Set(steps.map((s) => s.target))].sort();
  if (!emulated.length) return { pass: true, expected, measured: `ran on ${native} for ${targets.join(', ')}` };
  const first = emulated[0];
  return {
    pass: false, expected,
    measured: `ran under emulation on ${[...new Set(emulated.map((s) => s.runsOn))].join(', ')}`,
    message: first ? `\`${first.instruction.slice(0, 100)}\` ran on ${first.runsOn}, emulated by QEMU on this ${native} engine: ${stageWord(first.stage)} ${
      sameMachine(first.runsOn, first.target) ? 'runs on the platform it builds for' : `is pinned to ${first.runsOn}`}.` : undefined,
  };
}

const stageWord = (stage: string | undefined): string => (stage ? `stage "${stage}"` : 'its stage');
const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
