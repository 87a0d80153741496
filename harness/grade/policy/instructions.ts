/**
 * The instructions a graded build may execute, read with dockerfile-ast, and the text of
 * their flags with the offset of every character (for edits that keep every other byte).
 *
 * Flags are read from the text inside the range dockerfile-ast gives for them, not from
 * its option ranges: those are wrong when an option starts on a continuation line
 * (`--mount=type=cache,\` then `id=x` puts the value two characters early).
 */
import { Add, Run, type Dockerfile, type Flag, type Instruction } from 'dockerfile-ast';

/** dockerfile-ast's (the language server's) zero-based position. */
export interface Position {
  line: number;
  character: number;
}

/**
 * Every instruction of the file plus those inside ONBUILD: a trigger runs in any stage
 * built FROM this one, so it is checked (and rewritten) as if it were written there.
 */
function allInstructions(ast: Dockerfile): Instruction[] {
  return [...ast.getInstructions(), ...ast.getOnbuildTriggers()];
}

export function runInstructions(ast: Dockerfile): Run[] {
  return allInstructions(ast).filter((i): i is Run => i instanceof Run);
}

export function addInstructions(ast: Dockerfile): Add[] {
  return allInstructions(ast).filter((i): i is Add => i instanceof Add);
}

/** A Dockerfile's text with what is needed to map dockerfile-ast's positions back onto it. */
export class DockerfileText {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string, readonly escape: string) {
    // Lines end at \r\n, \n or a lone \r: the language server's rules, which dockerfile-ast uses.
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '\r' && text[i + 1] === '\n') i++;
      if (c === '\r' || c === '\n') this.lineStarts.push(i + 1);
    }
  }

  offsetOf(pos: Position): number {
    return (this.lineStarts[pos.line] ?? this.text.length) + pos.character;
  }

  /**
   * A flag as BuildKit reads it once continuation lines are joined (`--mount=type=cache,`
   * `\` newline `target=/x` is `--mount=type=cache,target=/x`), with each character's offset.
   */
  flag(flag: Flag): { text: string; at: number[] } {
    const range = flag.getRange();
    const start = this.offsetOf(range.start);
    const end = this.offsetOf(range.end);
    let text = '';
    const at: number[] = [];
    for (let i = start; i < end; i++) {
      const skip = this.continuationAt(i);
      if (skip > 0) {
        i += skip - 1;
        continue;
      }
      text += this.text[i];
      at.push(i);
    }
    return { text, at };
  }

  /** The length of the escape-newline sequence (with spaces before the newline) at `i`, or 0. */
  private continuationAt(i: number): number {
    if (this.text[i] !== this.escape) return 0;
    let j = i + 1;
    while (this.text[j] === ' ' || this.text[j] === '\t') j++;
    if (this.text[j] === '\r' && this.text[j + 1] === '\n') return j + 2 - i;
    if (this.text[j] === '\n' || this.text[j] === '\r') return j + 1 - i;
    return 0;
  }
}

export function sourceOf(text: string, ast: Dockerfile): DockerfileText {
  return new DockerfileText(text, ast.getEscapeCharacter());
}

export interface MountOption {
  /** Lower-cased, as BuildKit reads it. */
  key: string;
  value: string;
  /** Where the value starts in the Dockerfile text (after `=`); undefined for a bare key. */
  valueAt: number | undefined;
}

/**
 * `--mount=` options, split at commas the way BuildKit's CSV reader does for values with
 * no quotes (the policy refuses quoted flags).
 */
export function mountOptions(source: DockerfileText, flag: Flag): MountOption[] {
  const { text, at } = source.flag(flag);
  const eq = text.indexOf('=');
  if (eq < 0) return [];
  const options: MountOption[] = [];
  let fieldStart = eq + 1;
  for (let i = fieldStart; i <= text.length; i++) {
    if (i < text.length && text[i] !== ',') continue;
    const field = text.slice(fieldStart, i);
    const sep = field.indexOf('=');
    if (sep < 0) {
      options.push({ key: field.toLowerCase(), value: '', valueAt: undefined });
    } else {
      const valueStart = fieldStart + sep + 1;
      // An empty value (`id=`) starts right after its `=`.
      const valueAt = valueStart < i ? at[valueStart] : (at[valueStart - 1] ?? 0) + 1;
      options.push({ key: field.slice(0, sep).toLowerCase(), value: field.slice(sep + 1), valueAt });
    }
    fieldStart = i + 1;
  }
  return options;
}

/** The last value of an option (BuildKit lets a repeated option's last value win). */
export function lastOption(options: MountOption[], ...keys: string[]): MountOption | undefined {
  return options.filter((o) => keys.includes(o.key)).at(-1);
}
