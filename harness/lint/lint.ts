import { DockerfileParser, type Dockerfile, type Instruction, type Property } from 'dockerfile-ast';
import { parseDockerignore, sourceIgnored, type IgnoreRules } from './dockerignore.ts';
import { isValidImageReference, parsePlatform } from './reference.ts';
import { RULE_NAMES, type LintFinding, type LintRule } from './rules.ts';
import { expandWord, type Expansion } from './shell-word.ts';

/** What a base image brings to a stage: its environment and its SHELL, if it sets one. */
export interface BaseImageInfo {
  env: Record<string, string>;
  shell?: string[];
}

export interface LintOptions {
  /** The build context's .dockerignore, for CopyIgnoredFile. */
  dockerignore?: string;
  /**
   * A base image's environment (from the engine). Without it UndefinedVar says nothing about
   * stages built on that image, since any variable may come from it.
   */
  baseImage?: (ref: string) => BaseImageInfo | undefined;
}

/** BuildKit's automatic platform ARGs, with the values of a build for the engine's platform. */
const PREDEFINED_ARGS: Record<string, string> = {
  BUILDPLATFORM: 'linux/amd64', BUILDOS: 'linux', BUILDOSVERSION: '', BUILDARCH: 'amd64', BUILDVARIANT: '',
  TARGETPLATFORM: 'linux/amd64', TARGETOS: 'linux', TARGETOSVERSION: '', TARGETARCH: 'amd64', TARGETVARIANT: '',
  TARGETSTAGE: 'default',
};
/** Build args BuildKit reads itself, never set in the environment. */
const NON_ENV_ARGS = new Set(['BUILDKIT_SBOM_SCAN_CONTEXT', 'BUILDKIT_SBOM_SCAN_STAGE']);
const RESERVED_STAGE_NAMES = new Set(['context', 'scratch']);
const SECRET_WORDS = new Set(['apikey', 'auth', 'credential', 'credentials', 'key', 'password', 'pword', 'passwd', 'secret', 'token']);
const NOT_SECRET_WORDS = new Set(['public', 'file', 'version']);

/** What one stage knows as BuildKit walks it: the variables set, the ARGs declared... */
interface StageState {
  name: string | undefined;
  /** Variables with values; `envKnown` false when a base image's environment is unknown. */
  env: Map<string, string>;
  envKnown: boolean;
  declared: Set<string>;
  shellSet: boolean;
  workdirSet: boolean;
  /** Line of the stage's CMD, ENTRYPOINT, HEALTHCHECK so far: only the last of each counts. */
  lastOnce: Map<string, number>;
}

/**
 * Runs Docker's build checks on a Dockerfile's text. Findings are sorted by line; those a
 * `# check=skip=...` directive suppresses are kept, marked `skipped`.
 */
export function lintDockerfile(text: string, opts: LintOptions = {}): LintFinding[] {
  const ast = DockerfileParser.parse(text);
  const escape = ast.getEscapeCharacter();
  const lines = text.split(/\r?\n/);
  const ignoreRules = opts.dockerignore !== undefined ? parseDockerignore(opts.dockerignore) : undefined;
  const fileSkips = skipsFrom(ast.getDirectives().filter((d) => d.getName().toLowerCase() === 'check').map((d) => d.getValue()));
  const instructions = ast.getInstructions();
  const findings: LintFinding[] = [];

  // A `# check=skip=...` comment above an instruction applies to that instruction only.
  const skipsOf = new Map<Instruction, Set<string>>();
  instructions.forEach((ins, i) => {
    const previousEnd = i > 0 ? (instructions[i - 1]?.getRange().end.line ?? -1) : -1;
    skipsOf.set(ins, new Set([...fileSkips, ...skipsFrom(checkComments(ast, previousEnd, ins.getRange().start.line))]));
  });
  const reporter = (ins: Instruction): Report => (rule, line0, message) => {
    const skips = skipsOf.get(ins) ?? fileSkips;
    const skipped = skips.has('all') || skips.has(rule);
    findings.push({ rule, line: line0 + 1, message, ...(skipped ? { skipped: true } : {}) });
  };

  // Instructions before the first FROM (global ARGs), then the stages.
  const firstFrom = instructions.findIndex((i) => i.getKeyword() === 'FROM');
  const globalIns = firstFrom === -1 ? instructions : instructions.slice(0, firstFrom);
  const globals = globalArgs(globalIns, escape);
  const stageGroups: Instruction[][] = [];
  for (const ins of firstFrom === -1 ? [] : instructions.slice(firstFrom)) {
    if (ins.getKeyword() === 'FROM') stageGroups.push([ins]);
    else stageGroups.at(-1)?.push(ins);
  }

  for (const ins of instructions) everyInstruction(ins, lines, reporter(ins));
  checkCasing(stageGroups.flat(), reporter);

  const stages: StageState[] = [];
  const seenNames = new Set<string>();
  for (const [from, ...rest] of stageGroups) {
    if (!from) continue;
    const state = startStage(from, globals, stages, seenNames, escape, opts, reporter(from));
    for (const ins of rest) stageInstruction(ins, state, globals, escape, ignoreRules, reporter(ins));
    stages.push(state);
  }
  return findings.sort((a, b) => a.line - b.line || RULE_NAMES.indexOf(a.rule) - RULE_NAMES.indexOf(b.rule));
}

type Report = (rule: LintRule, line0: number, message: string) => void;

/** Comment lines strictly between two instruction lines (where BuildKit looks for `# check=`). */
function checkComments(ast: Dockerfile, afterLine: number, beforeLine: number): string[] {
  return ast.getComments()
    .filter((c) => c.getRange().start.line > afterLine && c.getRange().start.line < beforeLine)
    .map((c) => c.getContent())
    .filter((c) => c.split('=')[0]?.trim().toLowerCase() === 'check')
    .map((c) => c.slice(c.indexOf('=') + 1));
}

/** `skip=RuleA,RuleB;error=true` (or `skip=all`) to the set of skipped rule names. */
function skipsFrom(values: string[]): Set<string> {
  const out = new Set<string>();
  for (const value of values) {
    for (const part of value.split(';')) {
      const [key = '', list = ''] = part.split('=');
      if (key.trim().toLowerCase() !== 'skip') continue;
      for (const rule of list.split(',')) if (rule.trim()) out.add(rule.trim());
    }
  }
  return out;
}

/** Rules about any instruction's form: MAINTAINER, empty continuation lines. */
function everyInstruction(ins: Instruction, lines: string[], report: Report): void {
  if (ins.getKeyword() === 'MAINTAINER') {
    report('MaintainerDeprecated', ins.getRange().start.line, 'MAINTAINER is deprecated: record the author with `LABEL org.opencontainers.image.authors="..."` instead.');
  }
  const { start, end } = ins.getRange();
  const heredocStart = heredocs(ins).map((h) => h.getStartRange().start.line)[0] ?? Infinity;
  for (let l = start.line + 1; l <= Math.min(end.line, heredocStart); l++) {
    if ((lines[l] ?? '').trim() === '') {
      report('NoEmptyContinuation', l, `An empty line inside the ${ins.getKeyword()} that starts on line ${start.line + 1}: remove it (a future Docker release will refuse it).`);
    }
  }
}

/** FROM and every instruction in a stage share one case, upper or lower (global ARGs excepted). */
function checkCasing(all: Instruction[], reporter: (ins: Instruction) => Report): void {
  let lower = 0;
  let upper = 0;
  for (const ins of all) {
    const word = ins.getInstruction();
    if (word === word.toLowerCase()) lower++;
    else if (word === word.toUpperCase()) upper++;
  }
  const majorityLower = lower > upper;
  for (const ins of all) {
    const word = ins.getInstruction();
    if (majorityLower ? word === word.toLowerCase() : word === word.toUpperCase()) continue;
    reporter(ins)('ConsistentInstructionCasing', ins.getRange().start.line,
      `'${word}' should be written in ${majorityLower ? 'lowercase' : 'uppercase'}, like most instructions in this Dockerfile.`);
  }
}

interface GlobalArgs {
  /** Every ARG declared before the first FROM. */
  declared: Set<string>;
  /** Their defaults (in order, each expanded with those before it) plus BuildKit's platform ARGs. */
  values: Map<string, string>;
}

function globalArgs(ins: Instruction[], escape: string): GlobalArgs {
  const values = new Map(Object.entries(PREDEFINED_ARGS));
  const declared = new Set<string>();
  for (const i of ins) {
    if (i.getKeyword() !== 'ARG') continue;
    for (const p of properties(i)) {
      declared.add(p.getName());
      const raw = p.getUnescapedValue();
      if (raw !== null) values.set(p.getName(), expandWord(raw, values, escape).result);
    }
  }
  return { declared, values };
}

function startStage(from: Instruction, globals: GlobalArgs, stages: StageState[], seenNames: Set<string>, escape: string, opts: LintOptions, report: Report): StageState {
  const line = from.getRange().start.line;
  const args = from.getArguments().map((a) => a.getValue());
  const [imageWord = '', asWord, rawName] = args;
  const keyword = from.getInstruction();

  if (args.length === 3 && asWord !== undefined && rawName !== undefined) {
    const fromLower = keyword === keyword.toLowerCase();
    const fromUpper = keyword === keyword.toUpperCase();
    if ((fromLower && asWord !== asWord.toLowerCase()) || (fromUpper && !fromLower && asWord !== asWord.toUpperCase())) {
      report('FromAsCasing', line, `'${asWord}' is not written in the same case as '${keyword}': write '${fromLower ? 'as' : 'AS'}'.`);
    }
    if (rawName !== rawName.toLowerCase()) report('StageNameCasing', line, `Stage name '${rawName}' should be lowercase ('${rawName.toLowerCase()}').`);
  }
  const name = args.length === 3 ? rawName?.toLowerCase() : undefined;
  if (name !== undefined) {
    if (RESERVED_STAGE_NAMES.has(name)) report('ReservedStageName', line, `'${name}' is a reserved word and should not name a stage.`);
    if (seenNames.has(name)) report('DuplicateStageName', line, `A stage named '${name}' already exists: stage names should be unique.`);
    seenNames.add(name);
  }

  // FROM sees only the global ARGs (and BuildKit's platform ARGs).
  const known = new Set([...globals.declared, ...globals.values.keys()]);
  const image = expandWord(imageWord, globals.values, escape);
  const platformFlag = 'getPlatformFlag' in from && typeof from.getPlatformFlag === 'function'
    ? (from.getPlatformFlag() as { getValue(): string | null } | null)?.getValue() ?? undefined : undefined;
  const platform = platformFlag !== undefined ? expandWord(platformFlag, globals.values, escape) : undefined;
  for (const expansion of [image, platform]) {
    for (const v of expansion?.unmatched ?? []) {
      if (known.has(v)) continue;
      report('UndefinedArgInFrom', line, `FROM uses $${v}, which no ARG before the first FROM declares${suggest(v, [...known])}.`);
    }
  }
  if (!isValidImageReference(image.result)) {
    report('InvalidDefaultArgInFrom', line, `With the ARG defaults alone, '${imageWord}' becomes '${image.result}', which is not a valid image name: give the ARG a default.`);
  }
  if (platform && platformFlag !== undefined) checkPlatformFlag(platformFlag, platform, name, globals, line, report);

  return initialState(name, image.result, stages, opts);
}

function checkPlatformFlag(flag: string, platform: Expansion, stageName: string | undefined, globals: GlobalArgs, line: number, report: Report): void {
  if (platform.matched.size === 1 && platform.unmatched.size === 0 && platform.matched.has('TARGETPLATFORM')
    && platform.result === globals.values.get('TARGETPLATFORM')) {
    report('RedundantTargetPlatform', line, `'--platform=${flag}' is redundant: a stage is built for the target platform by default.`);
  }
  if (platform.matched.size === 0 && platform.unmatched.size === 0) {
    const parsed = parsePlatform(platform.result);
    const named = stageName !== undefined && parsed !== undefined && (stageName.includes(parsed.os) || stageName.includes(parsed.architecture));
    if (parsed && !named) {
      report('FromPlatformFlagConstDisallowed', line, `'--platform=${platform.result}' pins this stage to one platform: use $BUILDPLATFORM or leave it out (or name the stage after the platform if that is the point).`);
    }
  }
}

function initialState(name: string | undefined, base: string, stages: StageState[], opts: LintOptions): StageState {
  const parent = [...stages].reverse().find((s) => s.name !== undefined && s.name === base.toLowerCase());
  if (parent) {
    return { name, env: new Map(parent.env), envKnown: parent.envKnown, declared: new Set(parent.declared), shellSet: parent.shellSet, workdirSet: parent.workdirSet, lastOnce: new Map() };
  }
  if (base === 'scratch') return { name, env: new Map(), envKnown: true, declared: new Set(), shellSet: false, workdirSet: false, lastOnce: new Map() };
  const info = opts.baseImage?.(base);
  return {
    name, env: new Map(Object.entries(info?.env ?? {})), envKnown: info !== undefined, declared: new Set(),
    shellSet: (info?.shell?.length ?? 0) > 0, workdirSet: false, lastOnce: new Map(),
  };
}

function stageInstruction(ins: Instruction, state: StageState, globals: GlobalArgs, escape: string, ignore: IgnoreRules | undefined, report: Report): void {
  const keyword = ins.getKeyword();
  const line = ins.getRange().start.line;
  // Variables looked up and not set; those an ARG declared (without a value) are fine.
  const unmatched = new Set<string>();
  const declaredBefore = new Set(state.declared);
  const expand = (word: string, declared: ReadonlySet<string> = declaredBefore): string => {
    const e = expandWord(word, state.env, escape);
    for (const v of e.unmatched) if (!declared.has(v)) unmatched.add(v);
    return e.result;
  };

  switch (keyword) {
    case 'ARG':
      for (const p of properties(ins)) {
        const key = p.getName();
        secretCheck('ARG', key, line, report);
        const raw = p.getUnescapedValue();
        if (raw !== null) state.env.set(key, expand(raw, state.declared)); // `ARG A B=$A` sees A
        else if (globals.values.has(key)) state.env.set(key, globals.values.get(key) ?? ''); // a global ARG's value
        state.declared.add(key);
      }
      break;
    case 'ENV':
    case 'LABEL': {
      const pairs = properties(ins);
      const expanded = pairs.map((p) => {
        if (p.getAssignmentOperator() === null && p.getValue() !== null) {
          report('LegacyKeyValueFormat', line, `Write '${keyword} ${p.getName()}=<value>': the '${keyword} key value' form without '=' is deprecated.`);
        }
        if (keyword === 'ENV') secretCheck('ENV', p.getName(), line, report);
        return [expand(p.getName()), expand(p.getUnescapedValue() ?? '')] as const;
      });
      // Every value is expanded before any is set, as BuildKit does.
      if (keyword === 'ENV') for (const [k, v] of expanded) state.env.set(k, v);
      break;
    }
    case 'COPY':
    case 'ADD':
      copyInstruction(ins, keyword, state, expand, ignore, line, report);
      break;
    case 'WORKDIR': {
      const dir = expand(ins.getArgumentsContent() ?? '');
      if (!state.workdirSet && !dir.startsWith('/')) {
        report('WorkdirRelativePath', line, `WORKDIR '${dir}' is relative to the base image's working directory, which may change: use an absolute path such as '/${dir.replace(/^\.\//, '')}'.`);
      }
      state.workdirSet = true;
      break;
    }
    case 'USER':
    case 'STOPSIGNAL':
      for (const a of ins.getArguments()) expand(a.getValue());
      break;
    case 'VOLUME':
      for (const w of jsonWords(ins) ?? ins.getArguments().map((a) => a.getValue())) expand(w);
      break;
    case 'RUN':
      for (const f of flags(ins)) if (f.name === 'mount' && f.value !== null) expand(f.value);
      break;
    case 'SHELL':
      state.shellSet = true;
      break;
    case 'CMD':
    case 'ENTRYPOINT':
    case 'HEALTHCHECK': {
      const previous = state.lastOnce.get(keyword);
      if (previous !== undefined) {
        report('MultipleInstructionsDisallowed', previous, `This ${keyword} is ignored: a later ${keyword} in the same stage (line ${line + 1}) replaces it.`);
      }
      state.lastOnce.set(keyword, line);
      if (keyword !== 'HEALTHCHECK' && jsonWords(ins) === undefined && !state.shellSet) {
        report('JSONArgsRecommended', line, `${keyword} in shell form runs your program under /bin/sh, which does not pass it signals such as SIGTERM: use the exec form, ${keyword} ["executable", "arg"].`);
      }
      break;
    }
    default:
      break;
  }

  if (!state.envKnown) return;
  for (const v of unmatched) {
    if (NON_ENV_ARGS.has(v)) continue;
    report('UndefinedVar', line, `$${v} is used here but no ARG or ENV before it (nor the base image) defines it${suggest(v, [...state.env.keys()])}.`);
  }
}

function copyInstruction(ins: Instruction, keyword: string, state: StageState, expand: (w: string) => string, ignore: IgnoreRules | undefined, line: number, report: Report): void {
  const flagList = flags(ins);
  for (const f of flagList) {
    if (['chown', 'chmod', 'checksum'].includes(f.name) && f.value !== null) expand(f.value);
  }
  const hereStart = heredocs(ins).length ? line : undefined;
  const words = jsonWords(ins)
    ?? ins.getArguments().filter((a) => hereStart === undefined || a.getRange().start.line === hereStart).map((a) => a.getValue()).filter((w) => !w.startsWith('<<'));
  const expanded = words.map((w) => expand(w));
  const sources = (heredocs(ins).length ? [] : expanded.slice(0, -1));
  const fromOtherStage = flagList.some((f) => f.name === 'from');
  if (!ignore || ignore.hasExclusions || fromOtherStage) return;
  for (const src of sources) {
    if (keyword === 'ADD' && (src.includes('://') || src.startsWith('git@'))) continue;
    if (sourceIgnored(ignore, src)) {
      report('CopyIgnoredFile', line, `${keyword} names '${src}', but .dockerignore leaves it out of the build context, so the build cannot see it.`);
    }
  }
}

function secretCheck(keyword: 'ARG' | 'ENV', key: string, line: number, report: Report): void {
  const words = key.toLowerCase().split('_');
  if (words.some((w) => SECRET_WORDS.has(w)) && !words.some((w) => NOT_SECRET_WORDS.has(w))) {
    report('SecretsUsedInArgOrEnv', line, `${keyword} ${key} looks like a secret: ${keyword} values stay in the image's config and history. Pass it with --secret and RUN --mount=type=secret.`);
  }
}

function properties(ins: Instruction): Property[] {
  return 'getProperties' in ins && typeof ins.getProperties === 'function' ? (ins.getProperties() as Property[]) : [];
}

function flags(ins: Instruction): { name: string; value: string | null }[] {
  return 'getFlags' in ins && typeof ins.getFlags === 'function'
    ? (ins.getFlags() as { getName(): string; getValue(): string | null }[]).map((f) => ({ name: f.getName(), value: f.getValue() }))
    : [];
}

interface HeredocLike { getStartRange(): { start: { line: number } } }
function heredocs(ins: Instruction): HeredocLike[] {
  // Only RUN, COPY and ADD expose their here-documents.
  const withHeredocs = ins as unknown as { getHeredocs?: () => HeredocLike[] };
  return ['RUN', 'COPY', 'ADD'].includes(ins.getKeyword()) && typeof withHeredocs.getHeredocs === 'function' ? withHeredocs.getHeredocs() : [];
}

/** The words of an exec-form (JSON array of strings) instruction, or undefined for shell form. */
function jsonWords(ins: Instruction): string[] | undefined {
  const content = ins.getArgumentsContent()?.trim() ?? '';
  if (!content.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(content);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** " (did you mean X?)" when an option is within edit distance 2, as BuildKit suggests. */
function suggest(name: string, options: string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const option of options) {
    if (option === name) return '';
    const d = levenshtein(name, option);
    if (d < bestDistance) { best = option; bestDistance = d; }
  }
  return best ? ` (did you mean $${best}?)` : '';
}

function levenshtein(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}
