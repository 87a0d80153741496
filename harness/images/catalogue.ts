/**
 * The base images the course names, as data. A later lesson that needs another image adds an
 * entry here (for example `node:22-trixie-slim` is one more `node-debian` entry); only a new
 * *kind* of image needs code, in `recipes.ts`.
 *
 * Each entry says how to get a faithful stand-in when no registry answers. Stand-ins follow the
 * upstream build recipes (debuerreotype for Debian, docker-library for node and golang,
 * GoogleContainerTools/distroless for distroless) but take every file from Debian's archive
 * and the npm registry, the only sources these machines reach.
 */

export type Platform = 'linux/amd64' | 'linux/arm64';

/** Debian's name for the architecture of a platform (also BuildKit's TARGETARCH). */
export function debArch(p: Platform): 'amd64' | 'arm64' {
  return p === 'linux/amd64' ? 'amd64' : 'arm64';
}

/** Debian slim, built like the official images (debuerreotype `--slim`). */
export interface DebianSlimRecipe {
  kind: 'debian-slim';
  suite: string;
}

/** The official Node.js image on a Debian slim base (docker-library/node `*-slim`). */
export interface NodeDebianRecipe {
  kind: 'node-debian';
  suite: string;
  /** Node.js major line; the newest release of it on the npm registry is used. */
  nodeMajor: number;
  /** npm major bundled with that Node line (npm itself comes from the npm registry). */
  npmMajor: number;
  /** corepack line bundled with that Node line; `null` for lines that no longer bundle it. */
  corepackRange: string | null;
  /** The yarn v1 the official image installs into /opt. */
  yarnVersion: string;
}

/** A distroless image assembled from Debian packages (GoogleContainerTools/distroless). */
export interface DistrolessRecipe {
  kind: 'distroless';
  suite: string;
  /** Debian major version, for /usr/lib/os-release (`debian13` -> 13). */
  debianVersion: number;
  /** `static`: no libc; `nodejs`: the cc image (libc, libssl, libstdc++) plus node. */
  flavour: 'static' | 'nodejs';
  user: 'root' | 'nonroot';
  nodeMajor?: number;
}

/** The official golang image, with Debian's Go instead of the go.dev tarball. */
export interface GolangDebianRecipe {
  kind: 'golang-debian';
  suite: string;
  /** Debian's versioned Go package; its version must match the tag's Go minor. */
  goPackage: string;
  /** The Go minor the tag promises (checked against what Debian really ships). */
  goMinor: string;
}

export type Recipe = DebianSlimRecipe | NodeDebianRecipe | DistrolessRecipe | GolangDebianRecipe;

export interface Upstream {
  /** Where the real image's build recipe lives (goes into org.opencontainers.image.source). */
  source: string;
  /** What the upstream image measures, and where that figure comes from. */
  size?: string;
}

export interface CourseImage {
  ref: string;
  /** Platforms the course needs locally (arm64 only where a lesson runs or builds for it). */
  platforms: Platform[];
  /** Platforms a lesson may want later; not built now. */
  laterPlatforms?: Platform[];
  recipe: Recipe;
  upstream: Upstream;
  /** Which lessons rely on it (documentation only). */
  usedFor: string;
}

const DISTROLESS_SOURCE = 'https://github.com/GoogleContainerTools/distroless';

export const courseImages: CourseImage[] = [
  {
    ref: 'debian:trixie-slim',
    platforms: ['linux/amd64', 'linux/arm64'],
    recipe: { kind: 'debian-slim', suite: 'trixie' },
    upstream: {
      source: 'https://github.com/debuerreotype/docker-debian-artifacts',
      // docker-library/repo-info repos/debian/local/13-slim.md (build of 2026-08-24):
      // "Virtual Size: ~ 78.64 Mb (total size of all layers on-disk)", linux/amd64, one layer.
      size: 'linux/amd64 78.64 MB unpacked (docker-library/repo-info, repos/debian/local/13-slim.md)',
    },
    usedFor: 'base of the node images; multi-platform lessons run it as linux/arm64',
  },
  {
    ref: 'node:24-trixie-slim',
    // arm64 costs ~15 s once the arm64 debian rootfs exists, and lets a Node lesson go multi-platform
    platforms: ['linux/amd64', 'linux/arm64'],
    recipe: {
      kind: 'node-debian',
      suite: 'trixie',
      nodeMajor: 24,
      npmMajor: 11,
      corepackRange: '0.34',
      yarnVersion: '1.22.22',
    },
    upstream: {
      source: 'https://github.com/nodejs/docker-node',
      size: 'linux/amd64 234.17 MB unpacked, NODE_VERSION 24.21.0 (docker-library/repo-info, repos/node/local/24-trixie-slim.md)',
    },
    usedFor: 'the Node lessons: build stages, non-root user, npm ci',
  },
  {
    ref: 'gcr.io/distroless/nodejs24-debian13',
    // arm64 needs no emulation here (package data only), a few seconds
    platforms: ['linux/amd64', 'linux/arm64'],
    recipe: { kind: 'distroless', suite: 'trixie', debianVersion: 13, flavour: 'nodejs', user: 'root', nodeMajor: 24 },
    upstream: { source: DISTROLESS_SOURCE, size: 'no published figure found; measure it (the seeds quote sizes of other variants)' },
    usedFor: 'distroless runtime stage for Node',
  },
  {
    ref: 'gcr.io/distroless/nodejs24-debian13:nonroot',
    platforms: ['linux/amd64', 'linux/arm64'],
    recipe: { kind: 'distroless', suite: 'trixie', debianVersion: 13, flavour: 'nodejs', user: 'nonroot', nodeMajor: 24 },
    upstream: { source: DISTROLESS_SOURCE },
    usedFor: 'distroless runtime stage for Node, as uid 65532',
  },
  {
    ref: 'gcr.io/distroless/static-debian13',
    platforms: ['linux/amd64', 'linux/arm64'],
    recipe: { kind: 'distroless', suite: 'trixie', debianVersion: 13, flavour: 'static', user: 'root' },
    upstream: { source: DISTROLESS_SOURCE, size: '"around 2 MiB" (distroless README, for static-debian12)' },
    usedFor: 'runtime stage for static Go binaries, multi-platform',
  },
  {
    ref: 'gcr.io/distroless/static-debian13:nonroot',
    platforms: ['linux/amd64', 'linux/arm64'],
    recipe: { kind: 'distroless', suite: 'trixie', debianVersion: 13, flavour: 'static', user: 'nonroot' },
    upstream: { source: DISTROLESS_SOURCE },
    usedFor: 'runtime stage for static Go binaries as uid 65532, multi-platform',
  },
  {
    ref: 'golang:1.24-trixie',
    // arm64 for lesson 08's starter, whose build stage runs the Go compiler under QEMU (the
    // mistake the lesson fixes). Its rootfs runs every package's maintainer scripts under
    // QEMU: about 8 CPU-minutes (13 min wall on a busy 2-core machine) of a cold `images`.
    platforms: ['linux/amd64', 'linux/arm64'],
    recipe: { kind: 'golang-debian', suite: 'trixie', goPackage: 'golang-1.24-go', goMinor: '1.24' },
    upstream: {
      source: 'https://github.com/docker-library/golang',
      // 1.24 left docker-library when 1.26 shipped; the nearest current figure is 1.25 on trixie.
      size: 'golang:1.25-trixie linux/amd64 847.55 MB unpacked (docker-library/repo-info, repos/golang/local/1.25-trixie.md); no current 1.24 figure',
    },
    usedFor: 'Go build stage (cross-compiles for arm64 with GOARCH, no emulation needed); lesson 08\'s starter runs its arm64 variant',
  },
];

/** Normalises `name` to `name:latest` so `--only gcr.io/distroless/static-debian13` matches. */
export function normaliseRef(ref: string): string {
  const lastSlash = ref.lastIndexOf('/');
  return ref.slice(lastSlash + 1).includes(':') ? ref : `${ref}:latest`;
}

export function findImage(ref: string): CourseImage | undefined {
  const want = normaliseRef(ref);
  return courseImages.find((i) => normaliseRef(i.ref) === want);
}
