import { readFile } from 'node:fs/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { labsDir, lessonsDir } from '../../harness/paths.ts';
import { gzipStored, packPackage } from '../../harness/services/npm-pack.ts';
import { registryNpmrc } from '../../harness/services/private-registry.ts';
import { privateRegistryConfig } from '../../harness/services/registry-config.ts';
import { mergeProvisions } from '../../harness/services/service.ts';

describe('reproducible npm tarballs', () => {
  it('gzips with stored blocks that any gunzip reads, across block boundaries', () => {
    for (const size of [0, 1, 65_535, 65_536, 200_000]) {
      const data = Buffer.alloc(size, 'stagecraft ');
      expect(gunzipSync(gzipStored(data)).equals(data), `${size} bytes`).toBe(true);
    }
  });

  it('packs a folder to the same bytes every time', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-pack-'));
    try {
      await writeFile(path.join(dir, 'package.json'), '{ "name": "@t/p", "version": "0.1.0" }\n');
      await writeFile(path.join(dir, 'index.js'), 'export default 1;\n');
      const [a, b] = [await packPackage(dir), await packPackage(dir)];
      expect(a.tarball.equals(b.tarball)).toBe(true);
      expect(a.filename).toBe('p-0.1.0.tgz');
      expect(a.integrity).toMatch(/^sha512-/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('packs lesson 07\'s private package to the integrity its lab\'s lockfile pins', async () => {
    const pkg = await packPackage(path.join(lessonsDir, '07-build-secrets', 'private-packages', 'greeting'));
    const lock = JSON.parse(await readFile(path.join(labsDir, '07-build-secrets', 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; integrity?: string }> };
    const locked = lock.packages[`node_modules/${pkg.name}`];
    expect(locked?.version).toBe(pkg.version);
    expect(locked?.integrity).toBe(pkg.integrity);
  });
});

describe('the private registry', () => {
  it('serves private scopes from its own storage only, and everything else through the mirror', () => {
    const cfg = privateRegistryConfig({ storage: '/s', htpasswd: '/h', mirror: 'http://127.0.0.1:4873/', scopes: ['@stagecraft'] }) as {
      packages: Record<string, { access: string; proxy?: string }>; auth: { htpasswd: { max_users: number } }; uplinks: Record<string, { url: string }>;
    };
    expect(cfg.packages['@stagecraft/*']).toEqual({ access: '$authenticated', publish: '$authenticated', unpublish: '$authenticated' });
    expect(cfg.packages['**']?.proxy).toBe('mirror');
    expect(cfg.packages['**']?.access).toBe('$authenticated');
    expect(cfg.auth.htpasswd.max_users).toBe(1);
    expect(cfg.uplinks.mirror?.url).toBe('http://127.0.0.1:4873/');
  });

  it('gives builds an .npmrc with the registry and its token', () => {
    expect(registryNpmrc('http://stagecraft-registry:4880/', 'tok')).toBe('registry=http://stagecraft-registry:4880/\n//stagecraft-registry:4880/:_authToken=tok\n');
  });

  it('merges what several services provide', () => {
    expect(mergeProvisions([
      { secrets: { a: '1' }, buildArgs: { X: '1' }, extraArgs: ['--add-host', 'a:1'], search: ['s1'] },
      { secrets: { b: '2' }, search: ['s1', 's2'] },
    ])).toEqual({ secrets: { a: '1', b: '2' }, buildArgs: { X: '1' }, extraArgs: ['--add-host', 'a:1'], search: ['s1', 's2'], gatewayPorts: [] });
  });
});
