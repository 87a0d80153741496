/**
 * What graded code can reach, tried for real: the Debian archive (the one outside host
 * reachable from this machine) directly from a build step and from a container, the host
 * itself from a container, and what it must still reach: the npm mirror, and the archive
 * read-only through the package proxy.
 */
import dns from 'node:dns/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, type BuildResult } from '../../harness/build/buildx.ts';
import { newSessionId } from '../../harness/checks/build-lab.ts';
import { removeManaged } from '../../harness/engine/cleanup.ts';
import { docker } from '../../harness/engine/docker.ts';
import { GRADE_LABEL, managedLabels } from '../../harness/engine/labels.ts';
import { debianArchive } from '../../harness/images/debian-archive.ts';
import { ensureMirror } from '../../harness/mirror/index.ts';
import { startApp } from '../../harness/run/container.ts';
import { startIsolation, type StartedIsolation } from '../../harness/sandbox/isolation.ts';

const session = `isotest${newSessionId()}`;
const labels = { ...managedLabels(session), [GRADE_LABEL]: session };
let iso: StartedIsolation;
let dir: string;
let archive: URL;
let archiveIp: string;
let hostListener: net.Server;
let hostPort: number;
let build: BuildResult;

/** Each probe prints `NAME: ok|blocked (why)` and never fails the step. */
const PROBE = `
const net = require('node:net');
const tcp = (host, port) => new Promise((resolve) => {
  const s = net.connect({ host, port, timeout: 4000 });
  s.on('connect', () => { s.destroy(); resolve('ok'); });
  s.on('timeout', () => { s.destroy(); resolve('blocked (timeout)'); });
  s.on('error', (e) => resolve('blocked (' + e.code + ')'));
});
const get = (url) => fetch(url, { signal: AbortSignal.timeout(8000) }).then((r) => 'ok ' + r.status, (e) => 'blocked (' + (e.cause?.code ?? e.name) + ')');
`;

beforeAll(async () => {
  archive = new URL(debianArchive().main);
  archiveIp = (await dns.lookup(archive.hostname, { family: 4 })).address;
  hostListener = net.createServer((c) => c.end('host service\n'));
  await new Promise<void>((resolve) => hostListener.listen(0, '0.0.0.0', resolve));
  hostPort = (hostListener.address() as net.AddressInfo).port;

  const mirror = await ensureMirror();
  iso = await startIsolation({ sessionId: session, slot: 7, mirrorPort: Number(new URL(mirror.url).port), labels: { [GRADE_LABEL]: session } });
  dir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-isolation-'));
  // probe.js NAME tcp HOST PORT | NAME get URL | NAME proxy-other: prints `NAME: ok|blocked (why)`, never fails.
  await writeFile(path.join(dir, 'probe.js'), `${PROBE}
const [name, kind, a, b] = process.argv.slice(2);
const other = () => new Promise((resolve) => {
  const u = new URL(process.env.http_proxy);
  const s = net.connect(Number(u.port), u.hostname, () => s.write('GET http://example.invalid/ HTTP/1.0\\r\\nHost: example.invalid\\r\\n\\r\\n'));
  s.on('data', (d) => { resolve(d.toString().split('\\r\\n')[0]); s.destroy(); });
  s.on('error', (e) => resolve('error ' + e.code));
});
(kind === 'tcp' ? tcp(a, Number(b)) : kind === 'get' ? get(a) : other()).then((r) => console.log(name + ':', r));
`);
  await writeFile(path.join(dir, 'Dockerfile'), [
    'FROM node:24-trixie-slim',
    'COPY probe.js /probe.js',
    `RUN node /probe.js ARCHIVE-BY-NAME get ${archive.href}`,
    `RUN node /probe.js ARCHIVE-BY-ADDRESS tcp ${archiveIp} 80`,
    `RUN node /probe.js MIRROR get http://stagecraft-mirror:${new URL(mirror.url).port}/-/ping`,
    // apt honours http_proxy: the archive through the proxy works, another host through it does not.
    'RUN (apt-get -qq update >/dev/null 2>&1 && echo APT-VIA-PROXY: ok) || echo APT-VIA-PROXY: blocked',
    'RUN node /probe.js PROXY-OTHER-HOST proxy-other',
  ].join('\n'));
  const mirrorFlags = await mirror.buildArgs(['node:24-trixie-slim']);
  build = await buildImage({
    contextDir: dir, tag: `stagecraft-check/isolation-test:${session}`, labels, extraArgs: mirrorFlags, noCache: true,
    buildArgs: iso.buildArgs, dockerHost: iso.dockerHost, timeoutMs: 180_000,
  });
});

afterAll(async () => {
  await iso?.stop();
  hostListener?.close();
  await removeManaged(session);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const said = (name: string): string => {
  const line = build.steps.flatMap((s) => s.output).find((l) => l.startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim() ?? `(no ${name} line in the build log)`;
};

describe('isolation of graded code', () => {
  it('builds on the isolated engine, and the main engine sees the image', async () => {
    expect(build.outcome, build.reason).toBe('built');
    expect((await docker().getImage(build.tag).inspect()).Id).toBeTruthy();
  });

  it('a build step cannot reach the Debian archive, by name or by address', () => {
    expect(said('ARCHIVE-BY-NAME')).toMatch(/^blocked/);
    expect(said('ARCHIVE-BY-ADDRESS')).toMatch(/^blocked \((ENETUNREACH|EHOSTUNREACH)\)/);
  });

  it('a build step reaches the npm mirror, and Debian packages only through the proxy', () => {
    expect(said('MIRROR')).toBe('ok 200');
    expect(said('APT-VIA-PROXY')).toBe('ok');
    expect(said('PROXY-OTHER-HOST')).toMatch(/ 403 /);
  });

  it('a container reaches neither the archive nor the host', async () => {
    const app = await startApp('node:24-trixie-slim', {
      network: iso.network, waitFor: { log: 'DONE' }, startupTimeoutMs: 30_000,
      command: ['node', '-e', `${PROBE}
        (async () => {
          const gw = require('node:os').networkInterfaces().eth0?.[0]?.address.replace(/\\.\\d+$/, '.1');
          console.log('RUN-ARCHIVE:', await tcp(${JSON.stringify(archiveIp)}, 80));
          console.log('RUN-HOST:', await tcp(gw, ${hostPort}));
          console.log('DONE');
          setInterval(() => {}, 1000);
        })()`],
    }, labels);
    try {
      const logs = await app.logs();
      expect(logs).toMatch(/RUN-ARCHIVE: blocked \((ENETUNREACH|EHOSTUNREACH)\)/);
      expect(logs).toMatch(/RUN-HOST: blocked/);
    } finally {
      await app.remove();
    }
  });
});
