import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { StagecraftError } from '../errors.ts';

/** One package a lockfile installs from a registry. */
export interface LockedPackage {
  name: string;
  version: string;
  /** The lockfile's `resolved` URL, if it records one. */
  resolved: string | undefined;
  integrity: string | undefined;
}

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];

/** Lockfiles named directly, or found under the given folders (not in node_modules). */
export async function findLockfiles(targets: string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) await walk(path.join(dir, e.name));
      else if (e.isFile() && LOCKFILES.includes(e.name)) found.push(path.join(dir, e.name));
    }
  };
  for (const t of targets) {
    const abs = path.resolve(t);
    if (LOCKFILES.includes(path.basename(abs))) found.push(abs);
    else await walk(abs).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT' && e.code !== 'ENOTDIR') throw e;
      throw new StagecraftError('usage', `${t} is not a folder.`, 'Name folders that hold lockfiles (for example `labs solutions`).');
    });
  }
  return [...new Set(found)].sort();
}

interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  inBundle?: boolean;
  bundled?: boolean;
  dependencies?: Record<string, LockEntry>;
}

/** Registry packages of a lockfile (v2/v3 `packages`, or v1 nested `dependencies`). */
export async function lockedPackages(file: string): Promise<LockedPackage[]> {
  type Lock = { packages?: Record<string, LockEntry>; dependencies?: Record<string, LockEntry> };
  let lock: Lock;
  try {
    lock = JSON.parse(await readFile(file, 'utf8')) as Lock;
  } catch (e) {
    throw new StagecraftError('mirror-failed', `${file} is not a readable lockfile (${e instanceof Error ? e.message : String(e)}).`,
      'Regenerate it with `npm install --package-lock-only`, or leave it out.');
  }
  const out: LockedPackage[] = [];
  const add = (name: string, e: LockEntry): void => {
    // Links are local folders; bundled packages come inside their parent's tarball.
    if (!e.version || e.link || e.inBundle || e.bundled) return;
    if (e.resolved && !/^https?:/.test(e.resolved)) return;
    out.push({ name, version: e.version, resolved: e.resolved, integrity: e.integrity });
  };
  if (lock.packages) {
    for (const [key, e] of Object.entries(lock.packages)) {
      const at = key.lastIndexOf('node_modules/');
      if (at < 0) continue;
      add(e.name ?? key.slice(at + 'node_modules/'.length), e);
    }
  } else {
    const walk = (deps: Record<string, LockEntry>): void => {
      for (const [name, e] of Object.entries(deps)) {
        add(name, e);
        if (e.dependencies) walk(e.dependencies);
      }
    };
    walk(lock.dependencies ?? {});
  }
  return out;
}
