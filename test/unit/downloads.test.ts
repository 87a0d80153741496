import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addedHosts, startDownloadRecorder, type DownloadRecorder } from '../../harness/build/download-recorder.ts';
import { DEB_PACKAGES, NPM_TARBALLS, npmTarballsAdded } from '../../harness/checks/goals/downloads.ts';
import { sameAnswer } from '../../harness/checks/goals/parity.ts';
import { repoRoot } from '../../harness/paths.ts';

describe('download kinds', () => {
  it('recognises .deb files and npm tarballs, not indexes or metadata', () => {
    const deb = (u: string): string | undefined => DEB_PACKAGES.packageFile(new URL(u));
    const tgz = (u: string): string | undefined => NPM_TARBALLS.packageFile(new URL(u));
    expect(deb('http://archive.test/debian/pool/main/t/tini/tini_0.19.0-3%2bb8_amd64.deb')).toBe('tini_0.19.0-3+b8_amd64.deb');
    expect(deb('http://archive.test/debian/dists/trixie/InRelease')).toBeUndefined();
    expect(tgz('http://stagecraft-mirror:4873/@types/node/-/node-24.1.0.tgz')).toBe('node-24.1.0.tgz');
    expect(tgz('http://stagecraft-mirror:4873/express')).toBeUndefined();
  });

  it('names the tarballs a dependency change adds (lesson 03: morgan and what it needs)', async () => {
    const added = await npmTarballsAdded(path.join(repoRoot, 'labs/03-cache-mounts/package-lock.json'),
      path.join(repoRoot, 'lessons/03-cache-mounts/dependency-change/package-lock.json'));
    expect(added).toContain('morgan-1.12.1.tgz');
    expect(added).not.toContain('express-5.1.0.tgz');
    expect(added.every((f) => f.endsWith('.tgz'))).toBe(true);
  });
});

describe('addedHosts', () => {
  it('reads --add-host flags as build steps resolve them', () => {
    expect(addedHosts(['--build-context', 'x=y', '--add-host', 'stagecraft-mirror:172.17.0.1', '--add-host=reg:host-gateway'])).toEqual({ 'stagecraft-mirror': '172.17.0.1', reg: '127.0.0.1' });
  });
});

describe('the download recorder', () => {
  let upstream: http.Server;
  let recorder: DownloadRecorder;
  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      if (req.url === '/missing') { res.writeHead(404).end(); return; }
      res.end(`body of ${req.url ?? ''}`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    recorder = await startDownloadRecorder({ listenHost: '127.0.0.1', hosts: { 'packages.test': '127.0.0.1' } });
  });
  afterAll(async () => {
    await recorder.close();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  const viaProxy = (url: string): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
    const proxy = new URL(recorder.url);
    http.get({ host: proxy.hostname, port: proxy.port, path: url, headers: { host: new URL(url).host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });

  it('forwards requests, resolving hosts as the build does, and records each one', async () => {
    const port = (upstream.address() as AddressInfo).port;
    const ok = await viaProxy(`http://packages.test:${port}/pool/tini.deb`);
    const missing = await viaProxy(`http://packages.test:${port}/missing`);
    expect(ok).toEqual({ status: 200, body: 'body of /pool/tini.deb' });
    expect(missing.status).toBe(404);
    expect(recorder.requests()).toEqual([
      { method: 'GET', url: `http://packages.test:${port}/pool/tini.deb`, status: 200, bytes: 'body of /pool/tini.deb'.length },
      { method: 'GET', url: `http://packages.test:${port}/missing`, status: 404, bytes: 0 },
    ]);
    expect(recorder.buildArgs.http_proxy).toBe(recorder.url);
  });
});

describe('sameAnswer', () => {
  it('compares JSON bodies by value and other bodies as text', () => {
    expect(sameAnswer({ status: 200, body: '{"a":1}', headers: {} }, { status: 200, body: '{ "a": 1 }', headers: {} })).toBe(true);
    expect(sameAnswer({ status: 200, body: '{"a":1}', headers: {} }, { status: 400, body: '{"a":1}', headers: {} })).toBe(false);
    expect(sameAnswer({ status: 200, body: 'hi', headers: {} }, { status: 200, body: 'hi!', headers: {} })).toBe(false);
  });
});
