/**
 * The npm mirror against the real engine: an unchanged lesson Dockerfile installs its
 * packages through the mirror (npm ci, npm ci --omit=dev, npm install), also when the
 * registry cannot be reached once the packages were fetched. Everything it creates (its own
 * mirror, state folder, images) is removed afterwards; a developer's running mirror is left alone.
 */
import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A state folder and port of its own, set before the harness reads them at import.
const home = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-mirror-test-'));
const saved = { home: process.env.STAGECRAFT_HOME, port: process.env.STAGECRAFT_MIRROR_PORT };
process.env.STAGECRAFT_HOME = home;
process.env.STAGECRAFT_MIRROR_PORT = '4973';

const { ensureMirror, mirrorStatus, stopMirror } = await import('../../harness/mirror/index.ts');
const { warmMirror } = await import('../../harness/mirror/warm.ts');
const { upstreamRegistry } = await import('../../harness/mirror/upstream.ts');
const { readDerivedState } = await import('../../harness/mirror/derived-state.ts');
const { mirrorPaths } = await import('../../harness/mirror/paths.ts');
const { imagePresent } = await import('../../harness/engine/docker.ts');
const { MANAGED_LABEL } = await import('../../harness/engine/labels.ts');

const BASE = 'node:24-trixie-slim';
const run = `${Date.now().toString(36)}`;
const appDir = path.join(home, 'app');
const tags: string[] = [];
const figures: Record<string, string> = {};

const DOCKERFILE = (install: string): string => `FROM ${BASE}
WORKDIR /app
COPY package.json package-lock.json ./
RUN ${install}
COPY . .
CMD ["node", "server.js"]
`;

/** Builds the sample app with the mirror's flags; returns npm's own "added ... in ..." line. */
async function buildApp(install: string, extraArgs: string[]): Promise<{ tag: string; npmLine: string }> {
  const tag = `stagecraft-test/mirror-app:${install.replaceAll(/[^a-z]+/g, '-')}-${run}`;
  tags.push(tag);
  await writeFile(path.join(appDir, 'Dockerfile'), DOCKERFILE(install));
  const out = await $({ nothrow: true, quiet: true, cwd: appDir })`docker buildx build --progress=plain --no-cache --load -t ${tag} --label ${MANAGED_LABEL}=true ${extraArgs} .`;
  const log = out.stderr;
  expect(out.exitCode, log.split('\n').slice(-25).join('\n')).toBe(0);
  // BuildKit's time for the RUN step, and npm's own summary line.
  const lines = log.split('\n');
  const step = lines.find((l) => l.includes(`RUN ${install}`))?.match(/^#(\d+) /)?.[1];
  const done = lines.find((l) => l.startsWith(`#${step} DONE `))?.slice(`#${step} DONE `.length) ?? '?';
  const npm = lines.find((l) => /added \d+ packages in/.test(l))?.replace(/^#\d+ [\d.]+ /, '') ?? '';
  return { tag, npmLine: `RUN step ${done} (npm: ${npm})` };
}

/** Runs node in the built image without network: which packages are installed. */
async function installed(tag: string): Promise<{ express: boolean; typescript: boolean }> {
  const probe = "for (const m of ['express','typescript']) { try { require.resolve(m); console.log(m, 'yes') } catch { console.log(m, 'no') } }";
  const out = await $({ quiet: true })`docker run --rm --network none --label ${MANAGED_LABEL}=true ${tag} node -e ${probe}`;
  return { express: out.stdout.includes('express yes'), typescript: out.stdout.includes('typescript yes') };
}

/** A loopback port nothing listens on: an uplink that refuses every connection. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

beforeAll(async () => {
  if (!(await imagePresent(BASE))) throw new Error(`${BASE} is missing: run \`npx stagecraft images\` first`);
  // The sample app: express at run time, typescript to build; its lockfile made by the
  // host's npm against the host's registry, `resolved` URLs included as most lockfiles have them.
  await mkdir(appDir, { recursive: true });
  await writeFile(path.join(appDir, 'package.json'), `${JSON.stringify({
    name: 'mirror-sample', version: '1.0.0', private: true,
    dependencies: { express: '^5.1.0' }, devDependencies: { typescript: '^5.9.0' },
  }, null, 2)}\n`);
  await writeFile(path.join(appDir, 'server.js'), "const express = require('express');\nexpress().get('/', (_q, r) => r.send('ok')).listen(3000);\n");
  await writeFile(path.join(appDir, '.dockerignore'), 'node_modules\nDockerfile\n');
  await $({ quiet: true, cwd: appDir })`npm install --package-lock-only --ignore-scripts --no-audit --no-fund --omit-lockfile-registry-resolved=false`;
});

afterAll(async () => {
  await stopMirror();
  const variants = Object.values(readDerivedState(mirrorPaths().derived).derived).map((r) => r.tag);
  for (const tag of [...tags, ...variants]) await $({ nothrow: true, quiet: true })`docker rmi ${tag}`;
  await rm(home, { recursive: true, force: true });
  if (saved.home === undefined) delete process.env.STAGECRAFT_HOME; else process.env.STAGECRAFT_HOME = saved.home;
  if (saved.port === undefined) delete process.env.STAGECRAFT_MIRROR_PORT; else process.env.STAGECRAFT_MIRROR_PORT = saved.port;
  console.log(`mirror figures:\n${Object.entries(figures).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
});

describe('npm mirror', () => {
  it('starts in the background once, then is found with one ping', async () => {
    const t0 = performance.now();
    const first = await ensureMirror();
    figures['cold start'] = `${Math.round(performance.now() - t0)} ms`;
    const t1 = performance.now();
    const again = await ensureMirror();
    figures['warm ensureMirror'] = `${(performance.now() - t1).toFixed(1)} ms`;
    expect(again.url).toBe(first.url);
    expect(first.buildUrl).toMatch(/^http:\/\/stagecraft-mirror:\d+\/$/);
    const status = await mirrorStatus();
    expect(status.running).toBe(true);
    expect(status.uplink).toBe(await upstreamRegistry());
  });

  it('gives no flags for base images without npm', async () => {
    const tag = `stagecraft-test/mirror-no-npm:${run}`;
    tags.push(tag);
    const dir = path.join(home, 'no-npm');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY Dockerfile /\n');
    await $({ quiet: true })`docker buildx build -q --load -t ${tag} --label ${MANAGED_LABEL}=true ${dir}`;
    const mirror = await ensureMirror();
    expect(await mirror.buildArgs([tag, 'scratch'])).toEqual([]);
  });

  it('builds the unchanged Dockerfile with npm ci, npm ci --omit=dev and npm install', async () => {
    const mirror = await ensureMirror();
    const t0 = performance.now();
    const args = await mirror.buildArgs([BASE]);
    figures['buildArgs, variant made'] = `${Math.round(performance.now() - t0)} ms`;
    expect(args).toContain('--build-context');
    expect(args.find((a) => a.startsWith(`${BASE}=docker-image://`))).toBeDefined();

    const t1 = performance.now();
    const m2 = await ensureMirror();
    expect(await m2.buildArgs([BASE])).toEqual(args);
    figures['warm ensureMirror + buildArgs'] = `${(performance.now() - t1).toFixed(1)} ms`;

    const ci = await buildApp('npm ci', args);
    figures['npm ci in a build (cold mirror)'] = ci.npmLine;
    expect(await installed(ci.tag)).toEqual({ express: true, typescript: true });

    const prod = await buildApp('npm ci --omit=dev', args);
    figures['npm ci --omit=dev in a build'] = prod.npmLine;
    expect(await installed(prod.tag)).toEqual({ express: true, typescript: false });

    const install = await buildApp('npm install', args);
    figures['npm install in a build'] = install.npmLine;
    expect(await installed(install.tag)).toEqual({ express: true, typescript: true });

    // What the mechanism leaves in the learner's image: npm's global config, one layer.
    const npmrc = await $({ quiet: true })`docker run --rm --network none --label ${MANAGED_LABEL}=true ${prod.tag} cat /usr/local/etc/npmrc`;
    expect(npmrc.stdout).toContain(`registry=${mirror.buildUrl}`);
    const labels = await $({ quiet: true })`docker image inspect ${prod.tag} --format ${'{{json .Config.Labels}}'}`;
    expect(JSON.parse(labels.stdout) as Record<string, string>).toMatchObject({ 'org.stagecraft.mirror-base': 'false' });
  });

  it('warms from lockfiles', async () => {
    const mirror = await ensureMirror();
    const r = await warmMirror(mirror.url, await upstreamRegistry(), [appDir]);
    expect(r.failures).toEqual([]);
    expect(r.tarballs).toBeGreaterThan(60);
    expect((await mirrorStatus()).packages).toBeGreaterThanOrEqual(r.packuments);
  });

  it('installs cached packages when the registry cannot be reached', async () => {
    await stopMirror();
    const port = await closedPort();
    // maxAge 0s: every metadata request asks the (dead) uplink first, as it would after
    // the cache aged in an offline room, so the fallback to storage is what is tested.
    const mirror = await ensureMirror({ uplink: `http://127.0.0.1:${port}/`, maxAge: '0s' });
    const args = await mirror.buildArgs([BASE]);

    const ci = await buildApp('npm ci', args);
    figures['npm ci in a build (offline, from cache)'] = ci.npmLine;
    expect(await installed(ci.tag)).toEqual({ express: true, typescript: true });
    const install = await buildApp('npm install', args);
    expect(await installed(install.tag)).toEqual({ express: true, typescript: true });

    // Metadata (what `npm install <pkg>` reads) comes from storage once the uplink fails...
    const meta = await fetch(new URL('express', mirror.url));
    expect(meta.status).toBe(200);
    expect(((await meta.json()) as { name: string }).name).toBe('express');
    // ...and the uplink was really asked: verdaccio logs it going offline.
    expect(await readFile(mirrorPaths().log, 'utf8')).toContain(`127.0.0.1:${port}`);
    // A package never fetched is a quick 404, not a hang.
    const t0 = performance.now();
    const res = await fetch(new URL('stagecraft-never-fetched-package', mirror.url));
    expect(res.status).toBe(404);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});
