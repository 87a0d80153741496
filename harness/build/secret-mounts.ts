/**
 * `RUN --mount=type=secret,...` options, read with dockerfile-ast: from a Dockerfile, or from
 * the instruction of a step as BuildKit's log names it (what the build actually ran).
 */
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import type { ParsedDockerfile } from './dockerfile.ts';

export interface SecretMount {
  /** The secret's id; BuildKit defaults it to the target's file name. */
  id: string;
  /** Where the file appears during the step; default `/run/secrets/<id>`. */
  target: string;
  /** `required=true`: the step fails at once when the build was given no such secret. */
  required: boolean;
  /** Options this engine's Dockerfile frontend rejects for secret mounts (`env`). */
  unsupported: string[];
  /** The instruction's zero-based line, in the text parsed. */
  line: number;
}

/** Options BuildKit 0.13's Dockerfile frontend knows for `type=secret` (no `env=`: that came later). */
const KNOWN = new Set(['type', 'id', 'target', 'dst', 'destination', 'required', 'mode', 'uid', 'gid']);

interface FlagLike { getName(): string; getOptions(): { getName(): string; getValue(): string | null }[] }

function mountsOf(ins: Instruction): SecretMount[] {
  if (ins.getKeyword() !== 'RUN' || !('getFlags' in ins) || typeof ins.getFlags !== 'function') return [];
  const flags = ins.getFlags() as FlagLike[];
  const out: SecretMount[] = [];
  for (const flag of flags.filter((f) => f.getName() === 'mount')) {
    const opts = new Map<string, string | null>();
    for (const o of flag.getOptions()) opts.set(o.getName().toLowerCase(), o.getValue());
    if (opts.get('type') !== 'secret') continue;
    const target = opts.get('target') ?? opts.get('dst') ?? opts.get('destination') ?? undefined;
    const id = opts.get('id') ?? (target ? target.slice(target.lastIndexOf('/') + 1) : '');
    const required = opts.has('required') && (opts.get('required') ?? 'true').toLowerCase() !== 'false';
    out.push({
      id,
      target: target ?? `/run/secrets/${id}`,
      required,
      unsupported: [...opts.keys()].filter((k) => !KNOWN.has(k)),
      line: ins.getRange().start.line,
    });
  }
  return out;
}

/** The secret mounts of one instruction as BuildKit's log shows it: `RUN --mount=... npm ci`. */
export function secretMountsOfInstruction(instruction: string): SecretMount[] {
  if (!/^RUN\s/i.test(instruction)) return [];
  // A one-instruction Dockerfile; the log shows continuation lines already joined.
  return DockerfileParser.parse(`FROM scratch\n${instruction}\n`).getInstructions().flatMap(mountsOf);
}

/** Every secret mount a Dockerfile declares, in any stage. */
export function secretMountsInDockerfile(parsed: ParsedDockerfile): SecretMount[] {
  return parsed.ast.getInstructions().flatMap(mountsOf);
}
