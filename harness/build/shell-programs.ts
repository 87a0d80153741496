/**
 * The programs a RUN step's command line starts, as far as a reader can tell without a
 * shell: the first word of each simple command (after `VAR=value` assignments and the
 * RUN flags), by base name, looking inside `sh -c '...'` and through `env`/`exec`.
 *   RUN --mount=type=cache,target=/root/.cache/go-build CGO_ENABLED=0 go build .  -> ['go']
 *   RUN apt-get update && apt-get install -y curl                               -> ['apt-get', 'apt-get']
 */
export function programsRun(runArgs: string): string[] {
  const trimmed = runArgs.trim();
  // Exec form: RUN ["go", "build", "."]
  if (trimmed.startsWith('[')) {
    try {
      const argv = JSON.parse(trimmed) as unknown;
      if (Array.isArray(argv) && typeof argv[0] === 'string') return programsOfArgv(argv.filter((a): a is string => typeof a === 'string'));
    } catch {
      // not JSON after all: read it as shell
    }
  }
  const programs: string[] = [];
  let argv: string[] = [];
  const flush = (): void => {
    programs.push(...programsOfArgv(argv));
    argv = [];
  };
  let leadingFlags = true;
  for (const token of tokenize(trimmed)) {
    if (token.operator) {
      flush();
      continue;
    }
    // RUN's own flags (--mount=..., --network=...) come before the command
    if (leadingFlags && token.text.startsWith('--') && argv.length === 0) continue;
    leadingFlags = false;
    argv.push(token.text);
  }
  flush();
  return programs;
}

const WRAPPERS = new Set(['env', 'exec', 'command', 'nice', 'time', 'nohup', 'sudo']);
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh']);

function programsOfArgv(argv: string[]): string[] {
  let i = 0;
  while (i < argv.length && isAssignment(argv[i] ?? '')) i++;
  const word = argv[i];
  if (word === undefined) return [];
  const program = word.slice(word.lastIndexOf('/') + 1);
  if (WRAPPERS.has(program)) {
    // `env -i X=1 go build`: skip the wrapper's options and assignments
    let j = i + 1;
    while (j < argv.length && ((argv[j] ?? '').startsWith('-') || isAssignment(argv[j] ?? ''))) j++;
    return programsOfArgv(argv.slice(j));
  }
  if (SHELLS.has(program)) {
    const c = argv.indexOf('-c', i + 1);
    const script = c >= 0 ? argv[c + 1] : undefined;
    return script === undefined ? [program] : [program, ...programsRun(script)];
  }
  return [program];
}

const isAssignment = (word: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*=/.test(word);

interface Token { text: string; operator: boolean }

/** Words with quotes removed, and the operators that separate simple commands. */
function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let word = '';
  let inWord = false;
  const end = (): void => {
    if (inWord) tokens.push({ text: word, operator: false });
    word = '';
    inWord = false;
  };
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] ?? '';
    if (ch === "'" || ch === '"') {
      const close = line.indexOf(ch, i + 1);
      const stop = close < 0 ? line.length : close;
      word += line.slice(i + 1, stop);
      inWord = true;
      i = stop;
    } else if (ch === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      end();
    } else if (ch === ';' || ch === '|' || ch === '&' || ch === '(' || ch === ')' || ch === '\n') {
      end();
      // `&&`, `||`, `|`, `;`, `&`, subshell parentheses all start a new command
      if ((ch === '&' || ch === '|') && line[i + 1] === ch) i++;
      tokens.push({ text: ch, operator: true });
    } else {
      word += ch;
      inWord = true;
    }
  }
  end();
  return tokens;
}
