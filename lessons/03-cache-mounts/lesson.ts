import { cp } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineLesson } from '../../harness/course/lesson.ts';
import {
  cachesMountedLocked, DEB_PACKAGES, execPrints, httpAnswers, noRecommendedOnlyPackages, NPM_TARBALLS, npmTarballsAdded,
  pathsAbsent, rebuildReusesDownloads,
} from '../../harness/checks/goals/index.ts';
import type { ContextChange } from '../../harness/checks/rebuild.ts';

/** package.json and package-lock.json with one more dependency (morgan): a teammate's change. */
const CHANGED = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dependency-change');

/** The rebuild every cache goal reads: the dependency change, then every RUN step again. */
const addMorgan: ContextChange = {
  key: 'add-morgan',
  describe: 'adding a dependency',
  async apply(dir) {
    for (const f of ['package.json', 'package-lock.json']) await cp(path.join(CHANGED, f), path.join(dir, f));
  },
};

export default defineLesson({
  title: 'Cache mounts',
  summary: 'Give apt and npm download caches that BuildKit keeps between builds and no layer ever holds.',
  owns: ['Dockerfile', '.dockerignore'],
  run: { port: 3000, waitFor: { http: '/healthz' } },
  goals: [
    pathsAbsent({ id: 'no-apt-lists-in-layers', what: 'apt package lists', where: 'any-layer',
      paths: ['/var/lib/apt/lists/*_*', '/var/lib/apt/lists/partial/*', '/var/lib/apt/lists/auxfiles/*'],
      hint: 'Run `apt-get update` with /var/lib/apt/lists as a cache mount (or delete the lists in the same RUN): a later RUN cannot take bytes out of an earlier layer.' }),
    pathsAbsent({ id: 'no-apt-cache-in-layers', what: 'downloaded .deb files or apt caches', where: 'any-layer',
      paths: ['**/*.deb', '/var/cache/apt/*.bin'],
      hint: 'Mount /var/cache/apt as a cache: apt downloads there, and a cache mount is never part of a layer.' }),
    pathsAbsent({ id: 'no-npm-cache-in-layers', what: 'npm cache or logs (/root/.npm)', where: 'any-layer',
      paths: ['/root/.npm/*', '/home/*/.npm/*'],
      hint: 'Run npm ci with --mount=type=cache,target=/root/.npm: npm keeps its downloads there.' }),
    noRecommendedOnlyPackages(),
    rebuildReusesDownloads({ id: 'apt-downloads-reused', kind: DEB_PACKAGES, change: addMorgan,
      hint: 'Mount /var/cache/apt (and /var/lib/apt/lists) as caches, and remove /etc/apt/apt.conf.d/docker-clean: the Debian images delete every download after an install.' }),
    rebuildReusesDownloads({ id: 'npm-downloads-reused', kind: NPM_TARBALLS, change: addMorgan,
      newFiles: (ctx) => npmTarballsAdded(path.join(ctx.contextDir, 'package-lock.json'), path.join(CHANGED, 'package-lock.json')),
      hint: 'Mount npm\'s cache: RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev.' }),
    cachesMountedLocked({ id: 'apt-caches-locked', tool: 'apt', programs: ['apt-get', 'apt', 'aptitude'], dirs: ['/var/cache/apt', '/var/lib/apt'],
      worked: (line) => /^(Reading package lists|Hit:\d|Get:\d|Need to get|Setting up )/.test(line), change: addMorgan }),
    execPrints(['cat', '/proc/1/comm'], (out) => out === 'tini', 'tini', { id: 'tini-is-init', title: 'tini runs as PID 1',
      hint: 'Install tini and start the app through it: ENTRYPOINT ["/usr/bin/tini", "--"].' }),
    httpAnswers({ id: 'serves-export', path: '/export.zip', status: 200, bodyIncludes: 'quarterly-sales.csv',
      hint: 'The export runs the `zip` program: the image needs the zip package.' }),
    httpAnswers({ path: '/', status: 200, bodyIncludes: 'Hello from Stagecraft' }),
  ],
  hints: [
    'Deleting files in a later RUN does not shrink the image: their bytes stay in the layer that added them. Look at `docker history` for the apt and npm steps.',
    'A cache mount (`RUN --mount=type=cache,target=DIR`) gives a step a folder that BuildKit keeps between builds and never puts in a layer. apt keeps its downloads in /var/cache/apt and its lists in /var/lib/apt/lists; npm keeps its downloads in /root/.npm.',
    'The Debian images delete apt\'s downloads after every install (/etc/apt/apt.conf.d/docker-clean): remove that file, or the apt cache mount stays empty. apt must not run twice at once on the same cache: add sharing=locked to its mounts.',
    'Install only what you name: apt-get install -y --no-install-recommends tini zip.',
  ],
  starterFails: ['no-apt-lists-in-layers', 'no-apt-cache-in-layers', 'no-npm-cache-in-layers', 'no-recommended-packages', 'apt-downloads-reused', 'npm-downloads-reused', 'apt-caches-locked'],
});
