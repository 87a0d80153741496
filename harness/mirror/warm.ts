/**
 * Fetches every package of some lockfiles through the mirror, so it can serve them later
 * without the internet (an instructor warms it before a workshop).
 */
import { createHash } from 'node:crypto';
import { findLockfiles, lockedPackages, type LockedPackage } from './lockfile.ts';

export interface WarmFailure {
  pkg: string;
  reason: string;
}

export interface WarmResult {
  lockfiles: string[];
  /** Distinct package versions fetched (tarball) and names fetched (metadata). */
  tarballs: number;
  packuments: number;
  failures: WarmFailure[];
}

const CONCURRENCY = 8;

/**
 * Scopes the course publishes only to a lesson's private registry (lesson 07's
 * `@stagecraft/greeting`): the public registry is never asked for them.
 */
export const PRIVATE_SCOPES = ['@stagecraft/'];

export async function warmMirror(mirrorUrl: string, uplink: string, targets: string[], onProgress?: (m: string) => void): Promise<WarmResult> {
  const lockfiles = await findLockfiles(targets);
  const byKey = new Map<string, LockedPackage>();
  for (const f of lockfiles) for (const p of await lockedPackages(f)) byKey.set(`${p.name}@${p.version}`, p);
  const packages = [...byKey.values()].filter((p) => !PRIVATE_SCOPES.some((s) => p.name.startsWith(s)));
  const names = [...new Set(packages.map((p) => p.name))];
  onProgress?.(`${lockfiles.length} lockfile(s): ${packages.length} package versions of ${names.length} packages`);

  const failures: WarmFailure[] = [];
  // Metadata too, so `npm install` (which reads it) works offline, not only `npm ci`.
  await pool(names, async (name) => {
    const reason = await fetchOk(new URL(encodeName(name), mirrorUrl), 'application/json');
    if (reason) failures.push({ pkg: name, reason: `metadata: ${reason}` });
  });
  let done = 0;
  await pool(packages, async (p) => {
    const reason = await fetchOk(new URL(tarballPath(p, uplink), mirrorUrl), 'application/octet-stream', p.integrity);
    if (reason) failures.push({ pkg: `${p.name}@${p.version}`, reason });
    if (++done % 50 === 0) onProgress?.(`${done}/${packages.length} tarballs`);
  });
  return { lockfiles, tarballs: packages.length, packuments: names.length, failures };
}

/** `@scope/name` is one path segment in registry URLs. */
function encodeName(name: string): string {
  return name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);
}

/**
 * The tarball's path on the mirror: the lockfile's URL relative to the registry it came
 * from, or npm's standard layout (`name/-/base-version.tgz`) when none is recorded.
 */
export function tarballPath(p: LockedPackage, uplink: string): string {
  if (p.resolved?.startsWith(uplink)) return p.resolved.slice(uplink.length);
  if (p.resolved) return new URL(p.resolved).pathname.replace(/^\/+/, '');
  const base = p.name.startsWith('@') ? p.name.slice(p.name.indexOf('/') + 1) : p.name;
  return `${p.name}/-/${base}-${p.version}.tgz`;
}

/** Fetches to the end; the reason it failed, or undefined. Checks integrity when given. */
async function fetchOk(url: URL, accept: string, integrity?: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { headers: { accept } });
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok) return `HTTP ${res.status}`;
    if (integrity) {
      const [algo, expected] = integrity.split(' ')[0]?.split('-', 2) ?? [];
      if (algo && expected && createHash(algo).update(body).digest('base64') !== expected) return 'integrity mismatch';
    }
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

async function pool<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}
