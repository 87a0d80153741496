/**
 * Image references and platform strings as the Docker toolchain validates them (the
 * grammar of distribution/reference and containerd's platform parser), for the checks
 * that ask whether a FROM line names an image at all.
 */

// The reference grammar, composed as distribution/reference composes it.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const name = `(?:${domainAndPort}/)?${pathComponent}(?:/${pathComponent})*`;
const REFERENCE = new RegExp(`^(${name})(?::${tag})?(?:@${digest})?$`);
const HEX64 = /^[a-f0-9]{64}$/;
const NAME_MAX = 255;

/** Whether `ref` is an image reference `docker pull` would accept (docker.io and library/ implied). */
export function isValidImageReference(ref: string): boolean {
  if (!ref || HEX64.test(ref)) return false;
  const slash = ref.indexOf('/');
  const first = slash === -1 ? '' : ref.slice(0, slash);
  const hasDomain = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  let remainder = hasDomain ? ref.slice(slash + 1) : ref;
  const domain = hasDomain ? first : 'docker.io';
  if (!hasDomain && !remainder.includes('/')) remainder = `library/${remainder}`;
  const colon = remainder.indexOf(':');
  const repository = (colon === -1 ? remainder : remainder.slice(0, colon)).split('@')[0] ?? '';
  if (repository.toLowerCase() !== repository) return false;
  const match = REFERENCE.exec(`${domain}/${remainder}`);
  return match !== null && (match[1]?.length ?? 0) <= NAME_MAX;
}

export interface Platform {
  os: string;
  architecture: string;
  variant: string | undefined;
}

const KNOWN_OS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'windows', 'zos']);
const KNOWN_ARCH = new Set(['386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'ppc64', 'ppc64le', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm']);
const ARCH_ALIASES: Record<string, [string, string | undefined]> = {
  i386: ['386', undefined], x86_64: ['amd64', undefined], 'x86-64': ['amd64', undefined],
  aarch64: ['arm64', undefined], armhf: ['arm', 'v7'], armel: ['arm', 'v6'],
};
const SPECIFIER = /^[A-Za-z0-9_-]+$/;

function normalizeArch(arch: string, variant: string | undefined): [string, string | undefined] {
  const lower = arch.toLowerCase();
  return ARCH_ALIASES[lower] ?? [lower, variant?.toLowerCase()];
}

/** `linux/arm64/v8`, `linux`, `arm64`... as containerd parses them; undefined when it would refuse. */
export function parsePlatform(spec: string): Platform | undefined {
  const parts = spec.split('/');
  if (parts.length > 3 || parts.some((p) => !SPECIFIER.test(p))) return undefined;
  const [first = '', second, third] = parts;
  if (second === undefined) {
    const os = first.toLowerCase() === 'macos' ? 'darwin' : first.toLowerCase();
    if (KNOWN_OS.has(os)) return { os, architecture: 'amd64', variant: undefined };
    const [architecture, variant] = normalizeArch(first, undefined);
    return KNOWN_ARCH.has(architecture) ? { os: 'linux', architecture, variant } : undefined;
  }
  const [architecture, variant] = normalizeArch(second, third);
  return { os: first.toLowerCase() === 'macos' ? 'darwin' : first.toLowerCase(), architecture, variant };
}
