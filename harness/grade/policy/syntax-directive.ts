/**
 * Finds a `syntax` parser directive the way BuildKit's frontend gateway does before it
 * hands the build to the image named there: after a BOM and a `#!` line, in the leading
 * `# key=value` lines, else the leading `// key=value` lines, else a JSON body with a
 * "syntax" key. One difference, on the safe side: BuildKit stops at the first directive
 * it does not know (older versions do not know `check`), this keeps looking.
 */
export interface SyntaxDirective {
  /** One-based line. */
  line: number;
  value: string;
}

export function findSyntaxDirective(text: string): SyntaxDirective | undefined {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  // BuildKit scans lines split at \n with a trailing \r dropped.
  const lines = body.split('\n').map((l) => l.replace(/\r$/, ''));
  const first = lines[0]?.startsWith('#!') ? 1 : 0;
  for (const comment of ['#', '//']) {
    const directive = new RegExp(`^${comment}\\s*([a-zA-Z][a-zA-Z0-9]*)\\s*=\\s*(.+?)\\s*$`);
    for (let i = first; i < lines.length; i++) {
      const match = directive.exec(lines[i] ?? '');
      if (!match) break;
      if (match[1]?.toLowerCase() === 'syntax') return { line: i + 1, value: match[2] ?? '' };
    }
  }
  return jsonSyntax(body, first + 1);
}

function jsonSyntax(body: string, line: number): SyntaxDirective | undefined {
  if (!body.trimStart().startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  // Go's JSON decoding into a struct matches keys case-insensitively.
  const entry = Object.entries(parsed).find(([k]) => k.toLowerCase() === 'syntax');
  return entry ? { line, value: String(entry[1]) } : undefined;
}
