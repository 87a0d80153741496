import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockedPackages } from '../../harness/mirror/lockfile.ts';
import { mirrorNpmrc } from '../../harness/mirror/npmrc.ts';
import { derivedTag, familiarRef, isMirrorVariantTag, listedRef } from '../../harness/mirror/refs.ts';
import { tarballPath } from '../../harness/mirror/warm.ts';

const REGISTRY = 'https://registry.example.test/';

describe('image references', () => {
  it('uses the short form BuildKit matches FROM lines by', () => {
    expect(familiarRef('node:24-trixie-slim')).toBe('node:24-trixie-slim');
    expect(familiarRef('docker.io/library/node:24-trixie-slim')).toBe('node:24-trixie-slim');
    expect(familiarRef('node:latest')).toBe('node');
    expect(familiarRef('gcr.io/distroless/nodejs24-debian13:nonroot')).toBe('gcr.io/distroless/nodejs24-debian13:nonroot');
    expect(familiarRef('localhost:5000/team/app:1')).toBe('localhost:5000/team/app:1');
    expect(listedRef('node')).toBe('node:latest');
  });

  it('names variants per base and, off the default port, per mirror', () => {
    expect(derivedTag('node:24-trixie-slim', 4873, 4873)).toBe('stagecraft-mirror/node:24-trixie-slim');
    expect(derivedTag('node:24-trixie-slim', 4973, 4873)).toBe('stagecraft-mirror-4973/node:24-trixie-slim');
    expect(derivedTag('localhost:5000/app', 4873, 4873)).toBe('stagecraft-mirror/localhost-5000/app:latest');
    expect(isMirrorVariantTag('stagecraft-mirror-4973/node:24-trixie-slim')).toBe(true);
    expect(isMirrorVariantTag('stagecraft-mirrors/node:24')).toBe(false);
  });
});

describe('npm config of a variant', () => {
  it('keeps the image\'s own settings and replaces its registry', () => {
    const rc = mirrorNpmrc('http://stagecraft-mirror:4873/', 'fund=false\nregistry=https://elsewhere.test/\n');
    expect(rc.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      'fund=false', 'registry=http://stagecraft-mirror:4873/', 'replace-registry-host=always',
    ]);
  });
});

describe('lockfiles', () => {
  it('lists registry packages, not links, bundled or git ones', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-lock-'));
    const file = path.join(dir, 'package-lock.json');
    await writeFile(file, JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'x' },
        'node_modules/a': { version: '1.0.0', resolved: `${REGISTRY}a/-/a-1.0.0.tgz`, integrity: 'sha512-x' },
        'node_modules/@s/b': { version: '2.0.0' },
        'node_modules/a/node_modules/c': { version: '3.0.0', inBundle: true },
        'node_modules/local': { resolved: 'packages/local', link: true },
        'node_modules/g': { version: '1.0.0', resolved: 'git+ssh://git@example.test/g.git#abc' },
      },
    }));
    const pkgs = await lockedPackages(file);
    await rm(dir, { recursive: true, force: true });
    expect(pkgs.map((p) => `${p.name}@${p.version}`)).toEqual(['a@1.0.0', '@s/b@2.0.0']);
    expect(pkgs.map((p) => tarballPath(p, REGISTRY))).toEqual(['a/-/a-1.0.0.tgz', '@s/b/-/b-2.0.0.tgz']);
  });
});
