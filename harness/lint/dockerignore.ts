import { createRequire } from 'node:module';
import path from 'node:path';
import type { Ignore } from '@balena/dockerignore';

// A CommonJS module whose typings claim a default export: load it as what it is, a function.
const ignore = createRequire(import.meta.url)('@balena/dockerignore') as (opts?: { ignorecase?: boolean }) => Ignore;

/** A .dockerignore file, matched the way the Docker CLI sends (or leaves out) context files. */
export interface IgnoreRules {
  patterns: string[];
  /** Any `!pattern`: BuildKit then skips CopyIgnoredFile, as re-included paths are hard to judge statically. */
  hasExclusions: boolean;
  matcher: Ignore;
}

export function parseDockerignore(text: string): IgnoreRules {
  const patterns = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  return { patterns, hasExclusions: patterns.some((p) => p.startsWith('!')), matcher: ignore().add(patterns) };
}

/** Whether a COPY/ADD source (relative to the context) is left out of the context. */
export function sourceIgnored(rules: IgnoreRules, source: string): boolean {
  const clean = path.posix.normalize(source).replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
  if (clean === '' || clean === '.') {
    // The context root itself is only "ignored" when a pattern leaves out everything in it.
    return rules.patterns.some((p) => p === '*' || p === '**' || p === '**/*');
  }
  return rules.matcher.ignores(clean);
}
