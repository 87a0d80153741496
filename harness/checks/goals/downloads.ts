/**
 * Cache mounts measured by what a rebuild downloads: after a change, every RUN step runs
 * again (see ../rebuild.ts) through a recording proxy, and a package manager whose cache
 * is mounted fetches nothing it fetched before.
 */
import type { RecordedRequest } from '../../build/download-recorder.ts';
import { lockedPackages } from '../../mirror/lockfile.ts';
import { goal, type Goal, type GoalOptions, type GoalOutcome } from '../goal.ts';
import type { BuiltVariant, LabContext } from '../lab-context.ts';
import { bytes, list } from '../format.ts';
import { forcedRebuild, runStepsWithMounts, type ContextChange } from '../rebuild.ts';
import { notBuilt } from './common.ts';

/** A kind of download: which recorded requests fetch a package, and its name for messages. */
export interface DownloadKind {
  /** "Debian packages (.deb)" */
  what: string;
  /** The package file a request fetched (`tini_0.19.0-3+b8_amd64.deb`), or undefined if it fetched none. */
  packageFile(url: URL): string | undefined;
}

const baseName = (url: URL): string => decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));

export const DEB_PACKAGES: DownloadKind = {
  what: 'Debian packages (.deb)',
  packageFile: (url) => (url.pathname.endsWith('.deb') ? baseName(url) : undefined),
};

/** Tarballs (`/<name>/-/<name>-<version>.tgz`), not metadata: metadata is revalidated by design. */
export const NPM_TARBALLS: DownloadKind = {
  what: 'npm package tarballs',
  packageFile: (url) => (url.pathname.includes('/-/') && url.pathname.endsWith('.tgz') ? baseName(url) : undefined),
};

export interface RebuildDownloadsSpec extends GoalOptions {
  kind: DownloadKind;
  /** The change made before the rebuild; the same change shares one rebuild between goals. */
  change?: ContextChange;
  /** Package files the change itself brings in (new dependencies): fetching those is expected. */
  newFiles?: (ctx: LabContext) => Promise<string[]>;
}

interface Fetched { file: string; bytes: number }

function fetched(downloads: RecordedRequest[], kind: DownloadKind): Fetched[] {
  return downloads.flatMap((r) => {
    if (r.method !== 'GET' || r.status !== 200) return [];
    let url: URL;
    try { url = new URL(r.url); } catch { return []; }
    const file = kind.packageFile(url);
    return file ? [{ file, bytes: r.bytes }] : [];
  });
}

/**
 * After the change, the rebuild (every RUN step run again) fetches no package of `kind`
 * except the ones the change added. When it does fetch some and the build has cache
 * mounts, they may have been empty (a new engine, a pruned cache): the rebuild is made a
 * second time and that one decides.
 */
export function rebuildReusesDownloads(spec: RebuildDownloadsSpec): Goal {
  const after = spec.change ? `after ${spec.change.describe}` : 'when every step runs again';
  const expected = `the rebuild ${after} downloads no ${spec.kind.what} a previous build already fetched`;
  return goal({
    id: `reuses-${spec.kind.what.toLowerCase().replace(/\(.*\)/, '').trim().replace(/[^a-z0-9]+/g, '-')}`,
    title: `A rebuild ${after} downloads no ${spec.kind.what} again`,
    hint: 'Mount the package manager\'s download cache with RUN --mount=type=cache,target=<its cache dir>: BuildKit keeps it between builds, and no layer holds it.',
    async check(ctx): Promise<GoalOutcome> {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const allowed = new Set(await spec.newFiles?.(ctx) ?? []);
      const redundant = (v: BuiltVariant): Fetched[] => fetched(v.downloads ?? [], spec.kind).filter((f) => !allowed.has(f.file));

      const first = await forcedRebuild(ctx, spec.change, 1);
      if (first.build.outcome !== 'built') return rebuildFailed(first, after, expected);
      let measured = first;
      let again = redundant(first);
      const mounted = runStepsWithMounts(first.build.steps).some((s) => s.mounts.length > 0);
      if (again.length && mounted) {
        measured = await forcedRebuild(ctx, spec.change, 2);
        if (measured.build.outcome !== 'built') return rebuildFailed(measured, after, expected);
        again = redundant(measured);
      }
      const newOnes = fetched(measured.downloads ?? [], spec.kind).filter((f) => allowed.has(f.file));
      const note = newOnes.length ? ` (${newOnes.length} new, as expected: ${list(newOnes.map((f) => f.file))})` : '';
      if (!again.length) return { pass: true, expected, measured: `nothing downloaded again${note}` };
      const total = again.reduce((n, f) => n + f.bytes, 0);
      return {
        pass: false, expected,
        measured: `${again.length} downloaded again (${bytes(total)})`,
        message: `The rebuild ${after} fetched ${list(again.map((f) => f.file))} again${measured === first ? '' : ', twice in a row'}: `
          + (mounted ? 'a cache mount is there, but not where this package manager keeps its downloads, or they are deleted after each install.'
            : 'no RUN step mounts a cache, so every build starts with an empty download cache.'),
      };
    },
  }, spec);
}

function rebuildFailed(v: BuiltVariant, after: string, expected: string): GoalOutcome {
  return { pass: false, expected, measured: 'the rebuild failed', message: `The image did not build ${after}: ${v.build.reason ?? 'no reason given'}.` };
}

/** The tarball file names of packages `newLock` installs that `oldLock` does not (a dependency change). */
export async function npmTarballsAdded(oldLock: string, newLock: string): Promise<string[]> {
  const [before, after] = await Promise.all([lockedPackages(oldLock), lockedPackages(newLock)]);
  const had = new Set(before.map((p) => `${p.name}@${p.version}`));
  return [...new Set(after.filter((p) => !had.has(`${p.name}@${p.version}`)).map((p) => `${p.name.slice(p.name.lastIndexOf('/') + 1)}-${p.version}.tgz`))];
}
