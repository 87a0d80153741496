import path from 'node:path';
import { parseArgs } from 'node:util';
import { targetStage, type ParsedDockerfile } from '../build/dockerfile.ts';
import { withBuiltLab } from '../checks/build-lab.ts';
import { bytes, seconds } from '../checks/format.ts';
import { loadLesson } from '../course/registry.ts';
import { docker } from '../engine/docker.ts';
import { StagecraftError } from '../errors.ts';
import { analyseImage, type ImageAnalysis } from '../inspect/analysis.ts';
import { isMirrorHistoryEntry } from '../mirror/index.ts';
import { bold, dim, green, red, yellow } from '../report/terminal.ts';
import { cancelOnSigint, progressLine } from './progress.ts';

/** What `inspect --json` prints. */
export interface InspectReport extends ImageAnalysis {
  lesson: string;
  dir: string;
  buildSeconds: number;
  /** The image the final stage starts from, and how many of its layers it contributes. */
  base: { ref: string; layers: number; size: number } | undefined;
}

/**
 * `stagecraft inspect <lesson> [--dir DIR] [--json]`: builds the lab as `check` does and
 * shows the facts the goals measure. Exit 0 shown, 1 the image did not build, 2 cannot build.
 */
export async function inspectCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { dir: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const query = positionals[0];
  if (!query) throw new StagecraftError('usage', 'Which lesson? `npx stagecraft inspect 02`.');
  const lesson = await loadLesson(query);
  const progress = progressLine();
  const cancel = cancelOnSigint();
  type Outcome = { failure: { reason: string; output: string[] } } | { report: InspectReport };
  const outcome = await withBuiltLab(lesson, { dir: values.dir, onProgress: progress.update, signal: cancel.signal }, async ({ dir, ctx, build }): Promise<Outcome> => {
    if (build.outcome !== 'built') {
      return { failure: { reason: build.reason ?? 'unknown reason', output: build.log.failedStep()?.output.slice(-15) ?? [] } };
    }
    progress.update('reading the image');
    const facts = await ctx.facts();
    const platforms = (lesson.platforms?.length ?? 0) > 1 ? await ctx.platforms() : undefined;
    const baseRef = finalBase(ctx.dockerfile, lesson.target);
    const base = baseRef ? await baseImage(baseRef) : undefined;
    const analysis = analyseImage(facts, {
      ...(base ? { baseDiffIds: base.diffIds, baseHistoryLength: base.historyLength } : {}),
      isHarnessLayer: isMirrorHistoryEntry,
      ...(platforms ? { platforms } : {}),
    });
    const baseLayers = analysis.layers.filter((l) => l.origin === 'base');
    const report: InspectReport = {
      lesson: lesson.slug,
      dir: path.relative(process.cwd(), dir) || '.',
      buildSeconds: Math.round(build.durationMs / 100) / 10,
      base: baseRef ? { ref: baseRef, layers: baseLayers.length, size: baseLayers.reduce((n, l) => n + l.size, 0) } : undefined,
      ...analysis,
    };
    return { report };
  }).finally(() => { progress.done(); cancel.release(); });

  if ('failure' in outcome) {
    const { reason, output } = outcome.failure;
    if (values.json) console.log(JSON.stringify({ lesson: lesson.slug, error: `The image did not build: ${reason}`, output }, null, 2));
    else console.log([red(`The image did not build: ${reason}`), ...output.map((l) => dim(`  | ${l}`))].join('\n'));
    return 1;
  }
  console.log(values.json ? JSON.stringify(outcome.report, null, 2) : renderInspect(outcome.report));
  return 0;
}

/** The external image the target stage starts from, following `FROM <stage>` chains. */
function finalBase(parsed: ParsedDockerfile, target: string | undefined): string | undefined {
  let stage = targetStage(parsed, target);
  for (let hops = 0; stage && hops < parsed.stages.length; hops++) {
    const from = stage.from.toLowerCase();
    const parent = parsed.stages.find((s) => s.name?.toLowerCase() === from && s !== stage);
    if (!parent) return from === 'scratch' ? undefined : stage.from;
    stage = parent;
  }
  return undefined;
}

async function baseImage(ref: string): Promise<{ diffIds: string[]; historyLength: number } | undefined> {
  try {
    const image = docker().getImage(ref);
    const [info, history] = await Promise.all([image.inspect(), image.history() as Promise<unknown[]>]);
    return { diffIds: info.RootFS.Layers ?? [], historyLength: history.length };
  } catch {
    return undefined;
  }
}

export function renderInspect(r: InspectReport): string {
  const out: string[] = [];
  const c = r.config;
  const json = (v: string[] | undefined): string => (v ? JSON.stringify(v) : dim('(none)'));
  out.push(bold(`Image of lab ${r.lesson} (${r.dir}), built in ${r.buildSeconds.toFixed(1)} s`));
  out.push(`  platform     ${r.platform}`);
  out.push(`  size         ${bytes(r.size)} uncompressed (the sum of its ${r.layers.length} layers)${r.compressedSize !== undefined ? `, ${bytes(r.compressedSize)} compressed` : ''}`);
  out.push(`  user         ${c.user ? c.user : `${red('root')} ${dim('(no USER)')}`}`);
  out.push(`  workdir      ${c.workdir}`);
  out.push(`  entrypoint   ${json(c.entrypoint)}`);
  out.push(`  cmd          ${json(c.cmd)}`);
  out.push(`  ports        ${c.exposedPorts.length ? c.exposedPorts.join(', ') : dim('(none exposed)')}`);
  out.push(`  healthcheck  ${c.healthcheck ? `${JSON.stringify(c.healthcheck.test)}${c.healthcheck.intervalMs ? ` every ${seconds(c.healthcheck.intervalMs)}` : ''}` : dim('(none)')}`);
  if (r.platforms) {
    out.push('', bold('Platforms'));
    for (const p of r.platforms) out.push(`  ${p.platform.padEnd(14)} ${bytes(p.size).padStart(9)} in ${p.layers} layers, ${bytes(p.wastedBytes)} wasted`);
  }

  out.push('', bold('Layers') + dim(' (oldest first; uncompressed size; the instruction that made each)'));
  const own = r.layers.filter((l) => l.origin !== 'base');
  if (r.base) out.push(`  ${dim('base'.padStart(4))} ${bytes(r.base.size).padStart(9)}  ${dim(`${r.base.layers} layers of ${r.base.ref}`)}`);
  for (const l of own) {
    const note = l.origin === 'harness' ? dim(" (added by the harness: the package mirror's npm config)") : '';
    out.push(`  ${String(l.index).padStart(4)} ${bytes(l.size).padStart(9)}  ${truncate(l.instruction, 96)}${note}`);
  }
  if (r.metadataInstructions.length) out.push(dim(`  no layer: ${truncate(r.metadataInstructions.join(' | '), 110)}`));

  const e = r.efficiency;
  out.push('', `${bold('Efficiency')} ${dim('(as dive computes it)')}: ${(e.score * 100).toFixed(2)} %, ${e.wastedBytes ? yellow(`${bytes(e.wastedBytes)} wasted`) : green('nothing wasted')}`
    + `; ${bytes(e.hiddenBytes)} in layers but not in the final filesystem`);
  if (e.inefficiencies.length) {
    out.push(dim('  paths held by more than one layer (overwritten or deleted later):'));
    for (const i of e.inefficiencies) out.push(`  ${bytes(i.cumulativeSize).padStart(9)}  ${middle(i.path, 90)} ${dim(`(layers ${i.layers.join(', ')})`)}`);
  }

  out.push('', bold('Largest files') + dim(' (final filesystem)'));
  for (const f of r.largestFiles) out.push(`  ${bytes(f.size).padStart(9)}  ${middle(f.path, 90)} ${dim(`(layer ${f.layer})`)}`);
  return out.join('\n');
}

const truncate = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
/** Long paths keep their start and their file name. */
const middle = (s: string, n: number): string => (s.length > n ? `${s.slice(0, Math.ceil(n / 2) - 1)}…${s.slice(s.length - Math.floor(n / 2))}` : s);
