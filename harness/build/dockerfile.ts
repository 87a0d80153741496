import { DockerfileParser, type Dockerfile, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { StagecraftError } from '../errors.ts';
import { expandWord } from '../lint/shell-word.ts';

/** Diagnostics use the language-server severities, where 1 is an error. */
const LSP_ERROR = 1;

export interface Stage {
  /** The `AS name`, if any. */
  name: string | undefined;
  /** The image or stage the stage starts from, with global ARG defaults substituted. */
  from: string;
  /** The `--platform` flag value as written (e.g. `$BUILDPLATFORM`), if any. */
  platform: string | undefined;
  /** Zero-based line of the FROM instruction. */
  line: number;
  instructions: DockerInstruction[];
}

export interface DockerInstruction {
  keyword: string;
  /** Zero-based line where the instruction starts. */
  line: number;
  /** The arguments as written (continuations joined). */
  args: string;
  /** `--name=value` flags, e.g. `mount` -> `type=cache,target=/root/.npm`. */
  flags: { name: string; value: string | null }[];
}

export interface ParsedDockerfile {
  stages: Stage[];
  /** Images the build pulls from (not stage names, not scratch). */
  baseImages: string[];
  /** Parser directives (`# syntax=`, `# escape=`). */
  directives: { name: string; value: string }[];
  ast: Dockerfile;
}

/**
 * Parses a Dockerfile with dockerfile-ast and rejects what BuildKit would reject, with a
 * one-line reason naming the line. Binary junk and empty files are reported the same way.
 */
export function parseDockerfile(text: string, fileLabel = 'Dockerfile'): ParsedDockerfile {
  if (text.includes('\u0000')) {
    throw new StagecraftError('dockerfile-invalid', `${fileLabel} is not a text file (it contains NUL bytes).`,
      'Write the Dockerfile as plain text, starting with a FROM instruction.');
  }
  const errors = validate(text).filter((d) => d.severity === LSP_ERROR);
  const first = errors[0];
  if (first) {
    throw new StagecraftError('dockerfile-invalid',
      `${fileLabel} line ${first.range.start.line + 1}: ${first.message}.`,
      'Fix that line (comments must be on their own line, starting with #) and check again.');
  }
  const ast = DockerfileParser.parse(text);
  const globalArgs = new Map<string, string>();
  for (const arg of ast.getInitialARGs()) {
    const prop = arg.getProperty();
    const name = prop?.getName();
    if (name) globalArgs.set(name, prop?.getValue() ?? '');
  }

  const stages: Stage[] = [];
  for (const from of ast.getFROMs()) {
    const image = substitute(from.getImage() ?? '', globalArgs);
    stages.push({
      name: from.getBuildStage() ?? undefined,
      from: image,
      platform: from.getPlatformFlag()?.getValue() ?? undefined,
      line: from.getRange().start.line,
      instructions: [],
    });
  }
  for (const ins of ast.getInstructions()) {
    const line = ins.getRange().start.line;
    const stage = [...stages].reverse().find((s) => s.line <= line);
    if (stage && ins.getKeyword() !== 'FROM') stage.instructions.push(toInstruction(ins));
  }

  const stageNames = new Set(stages.map((s) => s.name?.toLowerCase()).filter(Boolean));
  const baseImages = [...new Set(stages.map((s) => s.from).filter((img) => img !== 'scratch' && !stageNames.has(img.toLowerCase())))];
  const directives = ast.getDirectives().map((d) => ({ name: d.getName().toLowerCase(), value: d.getValue() }));
  return { stages, baseImages, directives, ast };
}

function toInstruction(ins: Instruction): DockerInstruction {
  const flags = 'getFlags' in ins && typeof ins.getFlags === 'function'
    ? (ins.getFlags() as { getName(): string; getValue(): string | null }[]).map((f) => ({ name: f.getName(), value: f.getValue() }))
    : [];
  return { keyword: ins.getKeyword(), line: ins.getRange().start.line, args: ins.getArgumentsContent() ?? '', flags };
}

/** `${VAR}` / `$VAR` with global ARG defaults, as BuildKit's lexer does for FROM. */
function substitute(value: string, vars: Map<string, string>): string {
  return expandWord(value, vars).result;
}

/** The final stage of a build, or the named target. */
export function targetStage(parsed: ParsedDockerfile, target?: string): Stage | undefined {
  if (target) return parsed.stages.find((s) => s.name?.toLowerCase() === target.toLowerCase());
  return parsed.stages.at(-1);
}
