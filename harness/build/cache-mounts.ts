/**
 * `RUN --mount=type=cache,...` options, read with dockerfile-ast from the instruction of a
 * step as BuildKit's log names it (what the build actually ran) or from a Dockerfile.
 */
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import type { ParsedDockerfile } from './dockerfile.ts';

export type CacheSharing = 'shared' | 'private' | 'locked';

export interface CacheMount {
  /** Where the cache appears during the step. */
  target: string;
  /** The cache's id; BuildKit defaults it to the target, so equal targets share a cache. */
  id: string;
  /** How concurrent builds use it; BuildKit's default is `shared`. */
  sharing: CacheSharing;
  /** Whether the option was written (false: the default applies). */
  sharingWritten: boolean;
  /** The instruction's zero-based line, in the text parsed. */
  line: number;
}

interface FlagLike { getName(): string; getOptions(): { getName(): string; getValue(): string | null }[] }

const unquote = (v: string): string => v.replace(/^(["'])(.*)\1$/, '$2');

function mountsOf(ins: Instruction): CacheMount[] {
  if (ins.getKeyword() !== 'RUN' || !('getFlags' in ins) || typeof ins.getFlags !== 'function') return [];
  const out: CacheMount[] = [];
  for (const flag of (ins.getFlags() as FlagLike[]).filter((f) => f.getName() === 'mount')) {
    const opts = new Map<string, string>();
    for (const o of flag.getOptions()) opts.set(o.getName().toLowerCase(), unquote(o.getValue() ?? ''));
    if (opts.get('type') !== 'cache') continue;
    const target = opts.get('target') ?? opts.get('dst') ?? opts.get('destination') ?? '';
    const written = opts.get('sharing')?.toLowerCase();
    const sharing: CacheSharing = written === 'private' || written === 'locked' ? written : 'shared';
    out.push({ target: target.replace(/\/+$/, '') || '/', id: opts.get('id') || target, sharing, sharingWritten: written !== undefined, line: ins.getRange().start.line });
  }
  return out;
}

/** The cache mounts of one instruction as BuildKit's log shows it: `RUN --mount=... apt-get ...`. */
export function cacheMountsOfInstruction(instruction: string): CacheMount[] {
  if (!/^RUN\s/i.test(instruction)) return [];
  // A one-instruction Dockerfile; the log shows continuation lines already joined.
  return DockerfileParser.parse(`FROM scratch\n${instruction}\n`).getInstructions().flatMap(mountsOf);
}

/** Every cache mount a Dockerfile declares, in any stage. */
export function cacheMountsInDockerfile(parsed: ParsedDockerfile): CacheMount[] {
  return parsed.ast.getInstructions().flatMap(mountsOf);
}

/** Whether a mount target is one of `dirs` or inside one (`/var/cache/apt/archives` is in `/var/cache/apt`). */
export function mountCovers(target: string, dirs: string[]): boolean {
  return dirs.some((d) => target === d || target.startsWith(`${d}/`));
}
