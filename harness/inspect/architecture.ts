/** Platform strings and what they mean for binaries. */

/** `linux/arm64/v8` -> { os: 'linux', arch: 'arm64' }; the variant is kept apart. */
export function splitPlatform(platform: string): { os: string; arch: string; variant: string | undefined } {
  const [os = '', arch = '', variant] = platform.split('/');
  return { os, arch, variant };
}

/** Same OS and CPU architecture (variants such as amd64/v2 or arm64/v8 run on the same machine). */
export function sameMachine(a: string, b: string): boolean {
  const pa = splitPlatform(a);
  const pb = splitPlatform(b);
  return pa.os === pb.os && pa.arch === pb.arch;
}

/** The ELF `e_machine` name (as `parseElf` reports it) of binaries for an OCI architecture. */
const ELF_MACHINE: Record<string, string> = {
  amd64: 'x86-64',
  arm64: 'aarch64',
  arm: 'arm',
  '386': 'x86',
  riscv64: 'riscv',
  ppc64le: 'ppc64',
  s390x: 's390x',
};

export function elfMachineFor(architecture: string): string | undefined {
  return ELF_MACHINE[architecture];
}
