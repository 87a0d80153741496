/**
 * A GitHub Actions workflow file, parsed (the `yaml` package, YAML 1.2 as GitHub reads it:
 * `on` stays a key) and read for what a container pipeline does: which steps run the
 * tests, push images, log in and use the GitHub Actions cache. Pure functions, no I/O.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

export interface WorkflowProblem {
  message: string;
  /** 1-based, when known. */
  line?: number;
}

export interface ActionRef {
  /** `docker/login-action` (lower case, no sub-path). */
  name: string;
  /** What follows `@`: `v4`, `v4.1.0`, a commit, a branch. */
  ref: string;
  /** The major version the ref (or, for a commit, its `# v4.1.0` comment) names. */
  major: number | undefined;
  /** Pinned to a full commit hash. */
  commit: boolean;
}

export interface WorkflowStep {
  job: string;
  index: number;
  /** The step's name, or what it uses or runs. */
  label: string;
  uses: ActionRef | undefined;
  run: string | undefined;
  /** `with:` inputs, as strings. */
  with: Record<string, string>;
  if: string | undefined;
  continueOnError: boolean;
  line: number | undefined;
}

export interface WorkflowJob {
  id: string;
  needs: string[];
  steps: WorkflowStep[];
}

export interface Workflow {
  file: string;
  problems: WorkflowProblem[];
  jobs: WorkflowJob[];
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v as number | boolean));

/** `owner/repo[/path]@ref`, with the trailing comment that commit pins carry (`# v4.1.0`). */
export function parseActionRef(uses: string, comment = ''): ActionRef | undefined {
  const at = uses.lastIndexOf('@');
  if (at < 0 || uses.startsWith('./') || uses.startsWith('docker://')) return undefined;
  const name = uses.slice(0, at).split('/').slice(0, 2).join('/').toLowerCase();
  const ref = uses.slice(at + 1).trim();
  const commit = /^[0-9a-f]{40}$/i.test(ref);
  const version = /^v?(\d+)(\.\d+){0,2}$/.exec(commit ? (/v?\d+(\.\d+){0,2}/.exec(comment)?.[0] ?? '') : ref);
  return { name, ref, major: version ? Number(version[1]) : undefined, commit };
}

export function parseWorkflow(file: string, text: string): Workflow {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined): number | undefined => (node?.range ? lines.linePos(node.range[0]).line : undefined);
  // The parser's messages end in ` at line N, column M:` and a snippet; the line is kept apart.
  const problems: WorkflowProblem[] = doc.errors.map((e) => ({ message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ''), line: e.linePos?.[0]?.line }));
  const jobs: WorkflowJob[] = [];
  if (problems.length) return { file, problems, jobs };
  if (!isMap(doc.contents)) return { file, problems: [{ message: 'the file is not a mapping of keys (name, on, jobs)' }], jobs };
  const root = doc.contents;
  if (!root.has('on')) problems.push({ message: 'no `on:` key: the workflow would never run' });
  const jobsNode = root.get('jobs', true);
  if (!isMap(jobsNode) || jobsNode.items.length === 0) {
    problems.push({ message: 'no `jobs:` mapping', line: lineOf(jobsNode as Node | undefined) });
    return { file, problems, jobs };
  }
  for (const pair of jobsNode.items) {
    const id = str(isScalar(pair.key) ? pair.key.value : pair.key);
    const job = pair.value;
    if (!isMap(job)) { problems.push({ message: `job ${id} is not a mapping`, line: lineOf(pair.key as Node) }); continue; }
    const needsRaw = job.toJSON() as Record<string, unknown>;
    const needs = Array.isArray(needsRaw.needs) ? needsRaw.needs.map(str) : needsRaw.needs ? [str(needsRaw.needs)] : [];
    const steps: WorkflowStep[] = [];
    if (!job.has('runs-on') && !job.has('uses')) problems.push({ message: `job ${id} has no \`runs-on:\``, line: lineOf(pair.key as Node) });
    const stepsNode = job.get('steps', true);
    if (job.has('steps') && !isSeq(stepsNode)) problems.push({ message: `job ${id}: \`steps:\` is not a list`, line: lineOf(stepsNode as Node) });
    if (isSeq(stepsNode)) {
      stepsNode.items.forEach((item, index) => {
        if (!isMap(item)) { problems.push({ message: `job ${id}, step ${index + 1} is not a mapping`, line: lineOf(item as Node) }); return; }
        const raw = item.toJSON() as Record<string, unknown>;
        const usesNode = item.get('uses', true);
        const uses = raw.uses !== undefined ? parseActionRef(str(raw.uses), isScalar(usesNode) ? (usesNode.comment ?? '') : '') : undefined;
        const run = raw.run !== undefined ? str(raw.run) : undefined;
        if (raw.uses === undefined && run === undefined) problems.push({ message: `job ${id}, step ${index + 1} has neither \`uses:\` nor \`run:\``, line: lineOf(item) });
        const withRaw = (raw.with ?? {}) as Record<string, unknown>;
        steps.push({
          job: id, index, uses, run,
          label: str(raw.name) || str(raw.uses) || (run ?? '').split('\n')[0] || `step ${index + 1}`,
          with: Object.fromEntries(Object.entries(typeof withRaw === 'object' ? withRaw : {}).map(([k, v]) => [k, str(v)])),
          if: raw.if !== undefined ? str(raw.if) : undefined,
          continueOnError: raw['continue-on-error'] === true || raw['continue-on-error'] === 'true',
          line: lineOf(item),
        });
      });
    }
    jobs.push({ id, needs, steps });
  }
  return { file, problems, jobs };
}

/**
 * The commands of a `run:` script as words: quotes removed, `\`-newlines joined, split at
 * `&&`, `||`, `;`, `|` and newlines. Enough to find `docker login -p`; not a shell.
 */
export function shellCommands(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  const endWord = (): void => { if (inWord) words.push(word); word = ''; inWord = false; };
  const endCommand = (): void => { endWord(); if (words.length) commands.push(words); words = []; };
  for (let i = 0; i < script.length; i++) {
    const c = script[i] ?? '';
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < script.length) word += script[++i] ?? '';
      else word += c;
      continue;
    }
    if (c === '\\' && script[i + 1] === '\n') { i++; continue; }
    if (c === '\\') { word += script[++i] ?? ''; inWord = true; continue; }
    if (c === '"' || c === "'") { quote = c; inWord = true; continue; }
    if (c === '#' && !inWord) { while (i < script.length && script[i] !== '\n') i++; endCommand(); continue; }
    if (c === '\n' || c === ';') { endCommand(); continue; }
    if (c === '&' || c === '|') { if (script[i + 1] === c) i++; endCommand(); continue; }
    if (c === ' ' || c === '\t') { endWord(); continue; }
    word += c;
    inWord = true;
  }
  endCommand();
  return commands;
}

/** A docker CLI command: `docker buildx bake ...` -> ['buildx', 'bake', ...]; undefined otherwise. */
function dockerArgs(words: string[]): string[] | undefined {
  const at = words.findIndex((w) => w === 'docker' || w.endsWith('/docker'));
  return at < 0 ? undefined : words.slice(at + 1);
}

/** `--flag value` or `--flag=value`, every occurrence. */
function flagValues(args: string[], ...names: string[]): string[] {
  const out: string[] = [];
  args.forEach((a, i) => {
    for (const n of names) {
      if (a === n && args[i + 1] !== undefined) out.push(args[i + 1] ?? '');
      else if (a.startsWith(`${n}=`)) out.push(a.slice(n.length + 1));
    }
  });
  return out;
}

const listInput = (v: string | undefined): string[] => (v ?? '').split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
const truthy = (v: string | undefined): boolean => v !== undefined && v.trim() !== '' && v.trim() !== 'false';
const isAction = (s: WorkflowStep, name: string): boolean => s.uses?.name === name;
const pushesOutput = (v: string): boolean => /(^|,)\s*type=registry\b/.test(v) || /(^|,)\s*push=true\b/.test(v);

/** Bake targets a step builds (`[]` for the default group), when it runs bake. */
function bakeTargets(step: WorkflowStep): string[] | undefined {
  if (isAction(step, 'docker/bake-action')) return listInput(step.with.targets);
  for (const words of shellCommands(step.run ?? '')) {
    const args = dockerArgs(words);
    const at = args?.indexOf('bake') ?? -1;
    if (!args || at < 0 || (at > 0 && args[at - 1] !== 'buildx')) continue;
    const rest = args.slice(at + 1);
    const valued = new Set(['-f', '--file', '--set', '--builder', '--progress', '--metadata-file', '--provenance', '--sbom', '--call', '--allow', '--var']);
    return rest.filter((a, i) => !a.startsWith('-') && !valued.has(rest[i - 1] ?? ''));
  }
  return undefined;
}

/** Whether the step builds the test target (`defaultTargets`: what bake builds with no target named). */
export function runsTests(step: WorkflowStep, testTarget: string, defaultTargets: string[] = []): boolean {
  const targets = bakeTargets(step);
  if (targets !== undefined) return (targets.length ? targets : defaultTargets).includes(testTarget);
  if (isAction(step, 'docker/build-push-action')) return step.with.target === testTarget;
  return shellCommands(step.run ?? '').some((words) => {
    const args = dockerArgs(words);
    return args !== undefined && args.includes('build') && flagValues(args, '--target').includes(testTarget);
  });
}

/** Whether the step pushes an image to a registry. */
export function pushes(step: WorkflowStep): boolean {
  if (isAction(step, 'docker/bake-action')) {
    return truthy(step.with.push) || listInput(step.with.set).some((s) => /^[^=]*\.(output|outputs)=/.test(s) && pushesOutput(s.slice(s.indexOf('=') + 1)));
  }
  if (isAction(step, 'docker/build-push-action')) return truthy(step.with.push) || listInput(step.with.outputs).some(pushesOutput);
  return shellCommands(step.run ?? '').some((words) => {
    const args = dockerArgs(words);
    if (!args) return false;
    if (args[0] === 'push' || (args[0] === 'image' && args[1] === 'push')) return true;
    const builds = args.includes('build') || args.includes('bake');
    return builds && (args.includes('--push') || flagValues(args, '--output', '-o').some(pushesOutput)
      || flagValues(args, '--set').some((s) => /\.(output|outputs)=/.test(s) && pushesOutput(s.slice(s.indexOf('=') + 1))));
  });
}

export type LoginMethod = 'login-action' | 'password-stdin' | 'password-argument';

/** How the step logs in to a registry, if it does. */
export function loginMethod(step: WorkflowStep): LoginMethod | undefined {
  if (isAction(step, 'docker/login-action')) return 'login-action';
  for (const words of shellCommands(step.run ?? '')) {
    const args = dockerArgs(words);
    if (!args || args[0] !== 'login') continue;
    if (args.some((a) => a === '-p' || a === '--password' || a.startsWith('--password=') || (/^-p.+/.test(a)))) return 'password-argument';
    return args.includes('--password-stdin') ? 'password-stdin' : 'password-argument';
  }
  return undefined;
}

export interface GhaCacheEntry {
  direction: 'from' | 'to';
  /** The image it caches: a bake target, or the step's target or tags. */
  images: string[];
  scope: string | undefined;
  raw: string;
  where: string;
}

const attrs = (entry: string): Record<string, string> => Object.fromEntries(entry.split(',').map((kv) => {
  const at = kv.indexOf('=');
  return at < 0 ? [kv.trim(), ''] : [kv.slice(0, at).trim(), kv.slice(at + 1).trim()];
}));

/** A bake target pattern (`*`, `prod*`) to the targets it names among those built. */
function targetsOf(pattern: string, built: string[]): string[] {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const hit = built.filter((t) => re.test(t));
  return hit.length ? hit : [pattern];
}

/** Every `type=gha` cache entry of a step: build-push-action inputs, bake `set` overrides, CLI flags. */
export function ghaCacheEntries(step: WorkflowStep, defaultTargets: string[] = []): GhaCacheEntry[] {
  const out: GhaCacheEntry[] = [];
  const where = `job ${step.job}, step "${step.label}"`;
  const add = (direction: 'from' | 'to', raw: string, images: string[]): void => {
    const a = attrs(raw);
    if (a.type === 'gha') out.push({ direction, images, scope: a.scope || undefined, raw, where });
  };
  const built = bakeTargets(step);
  const targets = built === undefined ? [] : built.length ? built : defaultTargets;
  const fromSet = (s: string): void => {
    const m = /^([^.=]+)\.cache-(from|to)=(.*)$/.exec(s);
    if (m) add(m[2] === 'to' ? 'to' : 'from', m[3] ?? '', targetsOf(m[1] ?? '', targets));
  };
  if (isAction(step, 'docker/build-push-action')) {
    const image = step.with.target || listInput(step.with.tags)[0] || where;
    for (const d of ['from', 'to'] as const) for (const raw of listInputLines(step.with[`cache-${d}`])) add(d, raw, [image]);
  }
  if (isAction(step, 'docker/bake-action')) for (const s of listInputLines(step.with.set)) fromSet(s);
  for (const words of shellCommands(step.run ?? '')) {
    const args = dockerArgs(words);
    if (!args) continue;
    for (const s of flagValues(args, '--set')) fromSet(s);
    const image = flagValues(args, '--target')[0] ?? flagValues(args, '-t', '--tag')[0] ?? where;
    for (const raw of flagValues(args, '--cache-from')) add('from', raw, [image]);
    for (const raw of flagValues(args, '--cache-to')) add('to', raw, [image]);
  }
  return out;
}

/** Newline-separated inputs whose lines may contain commas (bake `set`, cache entries). */
function listInputLines(v: string | undefined): string[] {
  return (v ?? '').split('\n').map((s) => s.trim()).filter(Boolean);
}

/** Jobs `job` waits for, directly or through other jobs. */
export function upstreamJobs(workflow: Workflow, job: string): Set<string> {
  const seen = new Set<string>();
  const visit = (id: string): void => {
    for (const n of workflow.jobs.find((j) => j.id === id)?.needs ?? []) if (!seen.has(n)) { seen.add(n); visit(n); }
  };
  visit(job);
  return seen;
}
