import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, appendFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { StagecraftError } from '../errors.ts';
import type { DistrolessRecipe } from './catalogue.ts';

/**
 * A distroless root filesystem, assembled as GoogleContainerTools/distroless assembles it:
 * the data of a few Debian packages (no package scripts run, no dpkg database, no shell),
 * a generated CA bundle, /etc/passwd and /etc/group with root, nobody and nonroot, their
 * home directories, /tmp, nsswitch.conf and a "Distroless" os-release. Sources:
 * common/BUILD.bazel, static/static.bzl, base/config.bzl, cc/config.bzl, nodejs/nodejs.bzl.
 */

/** static/config.bzl STATIC_PACKAGES["debian13"] */
const STATIC_PACKAGES = ['base-files', 'netbase', 'tzdata', 'tzdata-legacy', 'media-types'];
/** base/config.bzl BASE_PACKAGES["debian13"] + cc/config.bzl CC_PACKAGES["debian13"] */
const CC_PACKAGES = ['libc6', 'libssl3t64', 'libzstd1', 'zlib1g', 'libgomp1', 'libstdc++6', 'libgcc-s1', 'gcc-14-base'];
/** Only its certificates are used (common/BUILD.bazel `cacerts`), not the package itself. */
const CACERTS_PACKAGE = 'ca-certificates';

export const NONROOT = 65532;
const NOBODY = 65534;

export function distrolessPackages(recipe: DistrolessRecipe): string[] {
  const pkgs = [...STATIC_PACKAGES, CACERTS_PACKAGE];
  if (recipe.flavour === 'nodejs') pkgs.push(...CC_PACKAGES);
  return pkgs;
}

/** Image config, as static/static.bzl sets it (the nodejs image inherits it). */
export function distrolessConfig(recipe: DistrolessRecipe): { user: string; workdir: string; env: Record<string, string> } {
  return {
    user: recipe.user === 'root' ? '0' : String(NONROOT),
    workdir: recipe.user === 'root' ? '/' : '/home/nonroot',
    env: {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
    },
  };
}

const PASSWD = [
  'root:x:0:0:root:/root:/sbin/nologin',
  `nobody:x:${NOBODY}:${NOBODY}:nobody:/nonexistent:/sbin/nologin`,
  `nonroot:x:${NONROOT}:${NONROOT}:nonroot:/home/nonroot:/sbin/nologin`,
];
const GROUP = ['root:x:0:', `nobody:x:${NOBODY}:`, 'tty:x:5:', 'staff:x:50:', `nonroot:x:${NONROOT}:`];
const NSSWITCH = `# /etc/nsswitch.conf
#
# Example configuration of GNU Name Service Switch functionality.
# If you have the \`glibc-doc-reference' and \`info' packages installed, try:
# \`info libc "Name Service Switch"' for information about this file.

passwd:         compat
group:          compat
shadow:         compat
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files

netgroup:       nis
`;

function osRelease(version: number, codename: string): string {
  const fields: [string, string][] = [
    ['PRETTY_NAME', 'Distroless'],
    ['NAME', 'Debian GNU/Linux'],
    ['ID', 'debian'],
    ['VERSION_ID', String(version)],
    ['VERSION', `Debian GNU/Linux ${version} (${codename})`],
    ['HOME_URL', 'https://github.com/GoogleContainerTools/distroless'],
    ['SUPPORT_URL', 'https://github.com/GoogleContainerTools/distroless/blob/master/README.md'],
    ['BUG_REPORT_URL', 'https://github.com/GoogleContainerTools/distroless/issues/new'],
  ];
  return fields.map(([k, v]) => `${k}="${v}"\n`).join('');
}

function dir(p: string, mode: number, uid = 0, gid = 0): void {
  mkdirSync(p, { recursive: true });
  chmodSync(p, mode);
  chownSync(p, uid, gid);
}

function file(p: string, content: string, mode = 0o644): void {
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
  chmodSync(p, mode);
}

/** Unpacks a package's files; existing directory symlinks (/lib -> usr/lib) stay links. */
async function unpackDeb(deb: string, root: string): Promise<void> {
  await $({ quiet: true })`dpkg-deb --fsys-tarfile ${deb} | tar -x --keep-directory-symlink -C ${root}`;
}

/** The bundle update-ca-certificates would write: every certificate, in sorted path order. */
async function installCaBundle(deb: string, root: string): Promise<void> {
  const tmp = `${root}.cacerts`;
  mkdirSync(tmp, { recursive: true });
  try {
    await unpackDeb(deb, tmp);
    const bundle = path.join(root, 'etc/ssl/certs/ca-certificates.crt');
    mkdirSync(path.dirname(bundle), { recursive: true });
    writeFileSync(bundle, '');
    const add = (d: string): void => {
      for (const name of readdirSync(d).sort()) {
        const p = path.join(d, name);
        if (lstatSync(p).isDirectory()) add(p);
        else appendFileSync(bundle, readFileSync(p));
      }
    };
    add(path.join(tmp, 'usr/share/ca-certificates'));
    chmodSync(bundle, 0o644);
    const copyright = path.join(root, 'usr/share/doc/ca-certificates/copyright');
    mkdirSync(path.dirname(copyright), { recursive: true });
    writeFileSync(copyright, readFileSync(path.join(tmp, 'usr/share/doc/ca-certificates/copyright')));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export interface DistrolessInputs {
  recipe: DistrolessRecipe;
  /** package -> .deb, for distrolessPackages(recipe) */
  debs: Map<string, string>;
  /** Unpacks /nodejs into the root (nodejs flavour only). */
  addNode?: (root: string) => Promise<void>;
}

/** Builds the rootfs in `stage` (a fresh directory) and writes it as a tar to `outTar`. */
export async function buildDistrolessRootfs(inputs: DistrolessInputs, stage: string, outTar: string): Promise<void> {
  const { recipe, debs } = inputs;
  rmSync(stage, { recursive: true, force: true });
  dir(stage, 0o755);
  try {
    // base-files first: it ships the merged-/usr links (/bin -> usr/bin, /lib -> usr/lib).
    const order = distrolessPackages(recipe).filter((p) => p !== CACERTS_PACKAGE);
    for (const pkg of order) {
      const deb = debs.get(pkg);
      if (!deb) throw new Error(`missing .deb for ${pkg}`);
      await unpackDeb(deb, stage);
    }
    const statusd = path.join(stage, 'var/lib/dpkg/status.d');
    dir(path.join(stage, 'var/lib/dpkg'), 0o755);
    dir(statusd, 0o755);
    // scanners (trivy, grype, syft) find distroless packages through these control files
    for (const pkg of distrolessPackages(recipe)) {
      const deb = debs.get(pkg);
      if (!deb) throw new Error(`missing .deb for ${pkg}`);
      const control = await $({ quiet: true })`dpkg-deb -f ${deb}`;
      file(path.join(statusd, pkg), control.stdout);
    }
    const caDeb = debs.get(CACERTS_PACKAGE);
    if (!caDeb) throw new Error('missing .deb for ca-certificates');
    await installCaBundle(caDeb, stage);

    file(path.join(stage, 'etc/passwd'), `${PASSWD.join('\n')}\n`);
    file(path.join(stage, 'etc/group'), `${GROUP.join('\n')}\n`);
    file(path.join(stage, 'etc/nsswitch.conf'), NSSWITCH);
    file(path.join(stage, 'usr/lib/os-release'), osRelease(recipe.debianVersion, recipe.suite));
    dir(path.join(stage, 'root'), 0o700);
    dir(path.join(stage, 'home'), 0o755);
    dir(path.join(stage, 'home/nonroot'), 0o700, NONROOT, NONROOT);
    dir(path.join(stage, 'tmp'), 0o1777);
    if (recipe.flavour === 'nodejs') {
      if (!inputs.addNode) throw new Error('the nodejs flavour needs node');
      await inputs.addNode(stage);
    }
    // The point of distroless: nothing to exec but the program.
    for (const shell of ['bin/sh', 'usr/bin/sh', 'bin/bash', 'usr/bin/bash']) {
      if (existsSync(path.join(stage, shell))) {
        throw new StagecraftError('images-failed', `The distroless stand-in unexpectedly contains /${shell}.`);
      }
    }
    await $({ quiet: true })`tar --numeric-owner --sort=name -C ${stage} -cf ${outTar} .`;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
