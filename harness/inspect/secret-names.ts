/**
 * Where an image records the names of its build arguments and environment variables, and
 * which names look like they hold a secret (BuildKit's SecretsUsedInArgOrEnv check, which
 * Docker's newer Dockerfile frontends run at build time and this engine's does not).
 */

/** Name words that suggest a secret, as whole `_`-separated words (BuildKit's list). */
const SECRET_WORDS = ['apikey', 'auth', 'credential', 'credentials', 'key', 'password', 'pword', 'passwd', 'secret', 'token'];
/** Words that mark a name as harmless even so: PUBLIC_KEY, TOKEN_FILE, KEY_VERSION. */
const ALLOW_WORDS = ['public', 'file', 'version'];

/** Whether a variable name looks like it holds a secret: NPM_TOKEN yes, NPM_REGISTRY no. */
export function looksSecret(name: string): boolean {
  const words = name.toLowerCase().split('_');
  return words.some((w) => SECRET_WORDS.includes(w)) && !words.some((w) => ALLOW_WORDS.includes(w));
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The build-argument names a history entry records. BuildKit writes `ARG NAME[=default]`
 * for the instruction itself, and prefixes every later RUN with the arguments in scope:
 * `RUN |2 NPM_REGISTRY=http://... NPM_TOKEN=abc /bin/sh -c npm ci`.
 */
export function argNamesInHistory(createdBy: string): string[] {
  const text = createdBy.trim();
  if (text.startsWith('ARG ')) {
    return text.slice(4).trim().split(/\s+/).map((t) => t.split('=')[0] ?? '').filter((n) => IDENT.test(n));
  }
  const run = /^RUN \|(\d+) (.*)$/s.exec(text);
  if (!run) return [];
  const count = Number(run[1]);
  const names: string[] = [];
  // Values are not quoted and may hold spaces: a token starting `NAME=` opens the next pair.
  for (const token of (run[2] ?? '').split(' ')) {
    if (names.length === count) break;
    const eq = token.indexOf('=');
    const name = eq > 0 ? token.slice(0, eq) : '';
    if (IDENT.test(name)) names.push(name);
  }
  return names;
}

/** `text` with every secret value replaced, so messages never print one. */
export function mask(text: string, secrets: string[], by = '***'): string {
  return secrets.filter(Boolean).reduce((t, s) => t.split(s).join(by), text);
}
