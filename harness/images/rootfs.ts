import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { StagecraftError } from '../errors.ts';
import { hooksDir } from './cache.ts';
import { sourceLines, type DebianArchive } from './debian-archive.ts';

export type DebArch = 'amd64' | 'arm64';

const SETUP_FIX = 'Run `sudo bash scripts/setup-engine.sh` (it installs mmdebstrap and qemu-user-static), then try again.';

export function hostDebArch(): DebArch | undefined {
  if (process.arch === 'x64') return 'amd64';
  if (process.arch === 'arm64') return 'arm64';
  return undefined;
}

/** mmdebstrap builds every Debian-based stand-in; say how to get it when it is missing. */
export async function requireMmdebstrap(): Promise<void> {
  const found = await $({ quiet: true, nothrow: true })`mmdebstrap --version`;
  if (found.exitCode !== 0) {
    throw new StagecraftError(
      'images-failed',
      'No registry answers and mmdebstrap is not installed, so the stand-in base images cannot be built.',
      SETUP_FIX,
    );
  }
  if (process.getuid?.() !== 0) {
    throw new StagecraftError(
      'images-failed',
      'Building stand-in base images runs mmdebstrap as root (it chroots into the new Debian tree).',
      'Run `sudo stagecraft images`, or `stagecraft images --load FILE` with images saved on another machine.',
    );
  }
}

/** A foreign-architecture rootfs runs its package scripts under QEMU (binfmt_misc). */
export function requireEmulation(arch: DebArch): void {
  if (arch === hostDebArch()) return;
  const qemu = arch === 'arm64' ? 'qemu-aarch64' : 'qemu-x86_64';
  const entry = `/proc/sys/fs/binfmt_misc/${qemu}`;
  if (!existsSync(entry) || !readFileSync(entry, 'utf8').startsWith('enabled')) {
    throw new StagecraftError(
      'images-failed',
      `Building the ${arch} stand-ins needs QEMU emulation, and ${entry} is not registered.`,
      SETUP_FIX,
    );
  }
}

async function mmdebstrap(args: string[], logFile: string, what: string): Promise<void> {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const r = await $({ quiet: true, nothrow: true })`mmdebstrap ${args}`;
  writeFileSync(logFile, `$ mmdebstrap ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  if (r.exitCode !== 0) {
    const tail = `${r.stdout}${r.stderr}`.trim().split('\n').slice(-6).join('\n  ');
    const network = /Could not resolve|Failed to fetch|Connection (refused|timed out)|Temporary failure/i.test(r.stderr);
    throw new StagecraftError(
      'images-failed',
      `mmdebstrap failed while building ${what}${network ? ' (the Debian archive did not answer)' : ''}:\n  ${tail}`,
      `The full log is ${logFile}. ${network ? 'Check the network and the apt sources, then try again.' : 'Fix the cause and run `stagecraft images` again.'}`,
    );
  }
}

export interface DebianRootfsSpec {
  suite: string;
  arch: DebArch;
  /** Packages on top of minbase (Priority: required + apt), like debootstrap --variant=minbase. */
  include: string[];
  /** Apply the official images' slim treatment (no docs, man pages, locales). */
  slim: boolean;
  /** More customize hooks (shell; "$1" is the rootfs), run after the package installs. */
  hooks?: string[];
}

/**
 * A Debian rootfs tarball built the way debuerreotype builds the official images: minbase
 * from the suite plus its -updates and -security suites (so security fixes are in), the
 * container apt/dpkg tweaks, optionally slimmed, and the deb822 sources upstream ships.
 */
export async function buildDebianRootfs(
  spec: DebianRootfsSpec,
  archive: DebianArchive,
  outTar: string,
  logFile: string,
): Promise<void> {
  requireEmulation(spec.arch);
  const hook = (name: string, ...args: string[]): string =>
    // through bash, so a checkout without exec bits still works
    `--customize-hook=${['bash', `'${path.join(hooksDir, name)}'`, '"$1"', ...args.map((a) => `'${a}'`)].join(' ')}`;
  const args = [
    '--variant=minbase',
    `--arch=${spec.arch}`,
    '--mode=root',
    // requireEmulation() has checked binfmt; mmdebstrap's own check needs arch-test
    ...(spec.arch === hostDebArch() ? [] : ['--skip=check/qemu']),
    '--format=tar',
    ...(spec.include.length ? [`--include=${spec.include.join(',')}`] : []),
    hook('debian-minimize.sh'),
    ...(spec.hooks ?? []).map((h) => `--customize-hook=${h}`),
    ...(spec.slim ? [hook('debian-slimify.sh')] : []),
    hook('debian-sources.sh', spec.suite, archive.main, archive.security ?? ''),
    hook('debian-fixup.sh'),
    spec.suite,
    outTar,
    ...sourceLines(archive, spec.suite),
  ];
  await mmdebstrap(args, logFile, `a ${spec.suite} ${spec.arch} rootfs`);
}

/**
 * Downloads Debian packages (and, unavoidably, their dependencies) without installing
 * anything: mmdebstrap's `extract` variant runs no package scripts, so a foreign
 * architecture needs no emulation. Returns package name -> .deb path for `packages`.
 */
export async function downloadDebs(
  suite: string,
  arch: DebArch,
  packages: string[],
  archive: DebianArchive,
  outDir: string,
  logFile: string,
): Promise<Map<string, string>> {
  mkdirSync(outDir, { recursive: true });
  await mmdebstrap(
    [
      '--variant=extract',
      `--arch=${arch}`,
      '--mode=root',
      `--include=${packages.join(',')}`,
      `--extract-hook=sync-out /var/cache/apt/archives ${outDir}`,
      suite,
      '/dev/null',
      ...sourceLines(archive, suite),
    ],
    logFile,
    `the ${suite} ${arch} packages ${packages.join(', ')}`,
  );
  return debsIn(outDir, packages);
}

/** Maps package names to the .deb files for them in `dir` (the cached download). */
export async function debsIn(dir: string, packages: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.deb'))) {
    const pkg = name.split('_')[0];
    if (pkg && packages.includes(pkg)) found.set(pkg, path.join(dir, name));
  }
  const missing = packages.filter((p) => !found.has(p));
  if (missing.length) {
    throw new StagecraftError(
      'images-failed',
      `The Debian archive did not provide ${missing.join(', ')} for ${path.basename(dir)}.`,
      'Check the package names in harness/images/recipes.ts against the suite, then try again.',
    );
  }
  return found;
}
