/**
 * Variable expansion in one Dockerfile word, as BuildKit's shell lexer does it for ENV,
 * COPY, WORKDIR, FROM and the others that expand variables themselves (not RUN or a
 * shell-form CMD: the shell expands those). It records which variables were looked up and
 * found (`matched`) or not (`unmatched`), which is what the build checks are made of.
 */
export interface Expansion {
  result: string;
  matched: Set<string>;
  unmatched: Set<string>;
}

const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

const isNameChar = (ch: string): boolean => /^[\p{L}\p{N}_]$/u.test(ch);
const isDigit = (ch: string): boolean => ch >= '0' && ch <= '9';

/**
 * Expands `$NAME`, `${NAME}` and `${NAME<modifier>word}` (`:-`, `-`, `:+`, `+`, `:?`, `?`;
 * pattern modifiers look the variable up and keep its value) outside single quotes.
 * `escape` is the Dockerfile's escape character.
 */
export function expandWord(word: string, env: ReadonlyMap<string, string>, escape = '\\'): Expansion {
  const lexer = new Lexer(word, env, escape);
  const result = lexer.until(undefined);
  return { result, matched: lexer.matched, unmatched: lexer.unmatched };
}

class Lexer {
  private pos = 0;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();

  constructor(private readonly s: string, private readonly env: ReadonlyMap<string, string>, private readonly escape: string) {}

  private peek(): string | undefined {
    return this.s[this.pos];
  }

  private next(): string | undefined {
    return this.s[this.pos++];
  }

  /** Reads up to `stop` (consumed) or the end of the word. */
  until(stop: string | undefined): string {
    let out = '';
    while (this.pos < this.s.length) {
      const ch = this.peek();
      if (stop !== undefined && ch === stop) { this.next(); return out; }
      if (ch === '$') out += this.dollar();
      else if (ch === "'") out += this.singleQuoted();
      else if (ch === '"') out += this.doubleQuoted();
      else {
        this.next();
        if (ch === this.escape) {
          const escaped = this.next();
          if (escaped !== undefined) out += escaped;
        } else {
          out += ch;
        }
      }
    }
    return out;
  }

  private singleQuoted(): string {
    this.next();
    let out = '';
    while (this.pos < this.s.length) {
      const ch = this.next();
      if (ch === "'") return out;
      out += ch;
    }
    return out;
  }

  private doubleQuoted(): string {
    this.next();
    let out = '';
    while (this.pos < this.s.length) {
      const ch = this.peek();
      if (ch === '"') { this.next(); return out; }
      if (ch === '$') { out += this.dollar(); continue; }
      this.next();
      if (ch === this.escape) {
        const following = this.peek();
        // Only ", $ and the escape character itself can be escaped inside double quotes.
        if (following === '"' || following === '$' || following === this.escape) { out += following; this.next(); continue; }
      }
      out += ch;
    }
    return out;
  }

  private name(): string {
    let name = '';
    const first = this.peek();
    if (first !== undefined && isDigit(first)) {
      while (this.peek() !== undefined && isDigit(this.peek() ?? '')) name += this.next();
      return name;
    }
    if (first !== undefined && SPECIAL_PARAMS.has(first)) return this.next() ?? '';
    while (this.peek() !== undefined && isNameChar(this.peek() ?? '')) name += this.next();
    return name;
  }

  private lookup(name: string): string | undefined {
    const value = this.env.get(name);
    if (value === undefined) this.unmatched.add(name);
    else this.matched.add(name);
    return value;
  }

  private dollar(): string {
    this.next();
    if (this.peek() !== '{') {
      const name = this.name();
      if (!name) return '$';
      return this.lookup(name) ?? '';
    }
    this.next();
    const name = this.name();
    let modifier = this.next() ?? '';
    if (modifier === '}') return this.lookup(name) ?? '';
    let nullIsUnset = false;
    if (modifier === ':') { nullIsUnset = true; modifier = this.next() ?? ''; }
    const argument = this.until('}');
    const value = this.lookup(name);
    const unset = value === undefined || (nullIsUnset && value === '');
    switch (modifier) {
      case '-': return unset ? argument : value ?? '';
      case '+': return unset ? '' : argument;
      default: return value ?? '';
    }
  }
}
