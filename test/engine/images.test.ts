/**
 * What lessons rely on in the course's base images, checked on the real engine. The images
 * are made present first (seconds when they already are; a cold build takes minutes).
 * Everything a test creates carries this run's session label and is removed by id.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import tar from 'tar-stream';
import { docker } from '../../harness/engine/docker.ts';
import { managedLabels } from '../../harness/engine/labels.ts';
import { courseImages } from '../../harness/images/catalogue.ts';
import { ensureImages, imageStatus } from '../../harness/images/ensure.ts';

const session = `test-images-${randomUUID().slice(0, 8)}`;
const created: string[] = [];

/** debian:trixie-slim, linux/amd64, as docker-library/repo-info reports it (13-slim.md). */
const UPSTREAM_SLIM_BYTES = 78.64e6;

async function create(ref: string, opts: { platform?: string; cmd?: string[]; user?: string } = {}) {
  const c = await docker().createContainer({
    _query: opts.platform ? { platform: opts.platform } : {},
    _body: {
      Image: ref,
      Cmd: opts.cmd ?? ['true'],
      User: opts.user,
      Labels: managedLabels(session),
      HostConfig: { NetworkMode: 'none' },
    },
  } as unknown as Parameters<ReturnType<typeof docker>['createContainer']>[0]);
  created.push(c.id);
  return c;
}

/** Splits the engine's multiplexed log stream (no TTY) into stdout text. */
function stdoutOf(buf: Buffer): string {
  let out = '';
  for (let i = 0; i + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(i + 4);
    if (buf[i] === 1) out += buf.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return out;
}

async function run(ref: string, cmd: string[], opts: { platform?: string; user?: string } = {}): Promise<string> {
  const c = await create(ref, { ...opts, cmd });
  await c.start();
  const { StatusCode } = (await c.wait()) as { StatusCode: number };
  const out = stdoutOf((await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer);
  expect(StatusCode, `${cmd.join(' ')} in ${ref}`).toBe(0);
  return out;
}

async function readFile(ref: string, file: string): Promise<string> {
  const c = await create(ref);
  const archive = (await c.getArchive({ path: file })) as unknown as Readable;
  const extract = tar.extract();
  let content = '';
  extract.on('entry', (_h, stream, next) => {
    stream.on('data', (d: unknown) => (content += (d as Buffer).toString('utf8')));
    stream.on('end', next);
  });
  archive.pipe(extract);
  await new Promise<void>((resolve, reject) => extract.on('finish', () => resolve()).on('error', reject));
  return content;
}

async function exists(ref: string, file: string): Promise<boolean> {
  const c = await create(ref);
  try {
    await c.infoArchive({ path: file });
    return true;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return false;
    throw e;
  }
}

/**
 * The uncompressed size of an image for one platform: `docker save` (with the containerd
 * store an OCI layout holding the whole index) is read as a stream, every gzip layer blob is
 * gunzipped to count its bytes, and the layer tars of that platform's manifest are summed.
 * This counts tar headers too, so it is slightly above the sum of file sizes.
 */
async function unpackedBytes(ref: string, platform: string): Promise<number> {
  const [os, architecture] = platform.split('/');
  const saved = (await docker().getImage(ref).get()) as unknown as Readable;
  const json = new Map<string, unknown>();
  const sizes = new Map<string, number>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = header.name;
    const digest = name.startsWith('blobs/sha256/') ? `sha256:${name.slice('blobs/sha256/'.length)}` : name;
    const chunks: Buffer[] = [];
    let first: Buffer | undefined;
    let raw = 0;
    let unpacked = 0;
    const gunzip = createGunzip();
    gunzip.on('data', (d: Buffer) => (unpacked += d.length));
    gunzip.on('error', () => undefined);
    stream.on('data', (chunk: unknown) => {
      const d = chunk as Buffer;
      first ??= d;
      raw += d.length;
      if (first[0] === 0x1f && first[1] === 0x8b) gunzip.write(d);
      else if (raw < 1 << 20) chunks.push(d);
    });
    stream.on('end', () => {
      const gz = first !== undefined && first[0] === 0x1f && first[1] === 0x8b;
      const finish = (): void => {
        sizes.set(digest, gz ? unpacked : raw);
        if (!gz && raw < 1 << 20) {
          try {
            json.set(digest, JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            // a layer tar, not JSON
          }
        }
        next();
      };
      if (gz) gunzip.end(finish);
      else finish();
    });
  });
  saved.pipe(extract);
  await new Promise<void>((resolve, reject) => extract.on('finish', () => resolve()).on('error', reject));

  type Descriptor = { digest: string; platform?: { os: string; architecture: string }; mediaType?: string };
  type Manifest = { manifests?: Descriptor[]; layers?: Descriptor[] };
  const findManifest = (m: Manifest | undefined): Manifest | undefined => {
    if (m?.layers) return m;
    for (const d of m?.manifests ?? []) {
      if (d.platform && (d.platform.os !== os || d.platform.architecture !== architecture)) continue;
      const found = findManifest(json.get(d.digest) as Manifest | undefined);
      if (found) return found;
    }
    return undefined;
  };
  const manifest = findManifest(json.get('index.json') as Manifest);
  if (!manifest?.layers) throw new Error(`no ${platform} manifest in docker save of ${ref}`);
  return manifest.layers.reduce((sum, l) => sum + (sizes.get(l.digest) ?? Number.NaN), 0);
}

beforeAll(async () => {
  const results = await ensureImages({ onProgress: (line) => console.log(line) });
  expect(results.filter((r) => r.action === 'failed')).toEqual([]);
}, 30 * 60_000);

afterAll(async () => {
  for (const id of created) await docker().getContainer(id).remove({ force: true }).catch(() => undefined);
});

describe('course images', () => {
  it('are all present, with every platform the catalogue names', async () => {
    const status = await imageStatus();
    for (const image of courseImages) {
      const s = status.find((x) => x.ref === image.ref);
      expect(s?.present, image.ref).toBe(true);
      for (const p of image.platforms) expect(s?.platforms, image.ref).toContain(p);
    }
  });

  it('debian:trixie-slim (linux/amd64) unpacks to within 10% of upstream', async () => {
    const bytes = await unpackedBytes('debian:trixie-slim', 'linux/amd64');
    console.log(`debian:trixie-slim linux/amd64: ${(bytes / 1e6).toFixed(2)} MB unpacked; upstream 78.64 MB`);
    expect(Math.abs(bytes - UPSTREAM_SLIM_BYTES) / UPSTREAM_SLIM_BYTES).toBeLessThan(0.1);
  }, 120_000);

  it('debian:trixie-slim is slim: no man pages or docs beyond copyright, apt kept clean', async () => {
    expect(await exists('debian:trixie-slim', '/usr/share/man/man1')).toBe(false);
    expect(await readFile('debian:trixie-slim', '/etc/dpkg/dpkg.cfg.d/docker')).toContain('path-exclude /usr/share/doc/*');
    expect(await readFile('debian:trixie-slim', '/etc/apt/apt.conf.d/docker-clean')).toContain('Dir::Cache::pkgcache "";');
  });

  it('debian:trixie-slim runs as linux/arm64 (under emulation)', async () => {
    expect((await run('debian:trixie-slim', ['uname', '-m'], { platform: 'linux/arm64' })).trim()).toBe('aarch64');
  }, 60_000);

  it('the node images run as linux/arm64 where the catalogue says so', async () => {
    for (const image of courseImages.filter((i) => i.ref.includes('node') && i.platforms.includes('linux/arm64'))) {
      const cmd = image.ref.startsWith('gcr.io/') ? ['-p', 'process.arch'] : ['node', '-p', 'process.arch'];
      expect((await run(image.ref, cmd, { platform: 'linux/arm64' })).trim(), image.ref).toBe('arm64');
    }
  }, 120_000);

  it('the static distroless images have linux/arm64 variants', async () => {
    // no shell to run `uname` with: creating a container for the platform, without pulling,
    // succeeds only when that platform's image is in the local store
    for (const ref of ['gcr.io/distroless/static-debian13', 'gcr.io/distroless/static-debian13:nonroot']) {
      for (const platform of ['linux/amd64', 'linux/arm64']) {
        await expect(create(ref, { platform }), `${ref} ${platform}`).resolves.toBeTruthy();
      }
    }
  });

  it('node:24-trixie-slim has the node user (uid 1000) and a working npm', async () => {
    expect((await run('node:24-trixie-slim', ['id', '-u', 'node'])).trim()).toBe('1000');
    expect((await run('node:24-trixie-slim', ['sh', '-c', 'echo ~node'])).trim()).toBe('/home/node');
    expect((await run('node:24-trixie-slim', ['npm', '--version'])).trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await run('node:24-trixie-slim', ['node', '--version'])).trim()).toMatch(/^v24\./);
    // the entrypoint hands flags to node, as upstream's docker-entrypoint.sh does
    expect((await run('node:24-trixie-slim', ['-p', '1+1'])).trim()).toBe('2');
    const config = (await docker().getImage('node:24-trixie-slim').inspect()).Config;
    expect(config.Entrypoint).toEqual(['docker-entrypoint.sh']);
    expect(config.Cmd).toEqual(['node']);
    expect(config.Env).toEqual(expect.arrayContaining([expect.stringMatching(/^NODE_VERSION=24\./)]));
  }, 60_000);

  it('npm ci works in node:24-trixie-slim as the node user', async () => {
    const script = [
      'cd ~',
      `echo '{"name":"x","version":"1.0.0"}' > package.json`,
      `echo '{"name":"x","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"x","version":"1.0.0"}}}' > package-lock.json`,
      'npm ci --no-audit --no-fund >/dev/null && echo ok',
    ].join(' && ');
    expect((await run('node:24-trixie-slim', ['sh', '-c', script], { user: 'node' })).trim()).toBe('ok');
  }, 60_000);

  for (const ref of ['gcr.io/distroless/nodejs24-debian13', 'gcr.io/distroless/static-debian13']) {
    it(`${ref} has no shell, but users, CA bundle and tzdata`, async () => {
      expect(await exists(ref, '/bin/sh')).toBe(false);
      expect(await exists(ref, '/usr/bin/sh')).toBe(false);
      expect(await readFile(ref, '/etc/passwd')).toBe(
        'root:x:0:0:root:/root:/sbin/nologin\n' +
          'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' +
          'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n',
      );
      expect(await readFile(ref, '/etc/group')).toContain('nonroot:x:65532:');
      expect(await readFile(ref, '/etc/ssl/certs/ca-certificates.crt')).toContain('-----BEGIN CERTIFICATE-----');
      expect(await exists(ref, '/usr/share/zoneinfo/Europe/Paris')).toBe(true);
      expect(await exists(ref, '/home/nonroot')).toBe(true);
      const config = (await docker().getImage(ref).inspect()).Config;
      expect(['', '0']).toContain(config.User ?? '');
      expect(config.Env).toContain('SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt');
    });

    it(`${ref}:nonroot runs as uid 65532 in /home/nonroot`, async () => {
      const config = (await docker().getImage(`${ref}:nonroot`).inspect()).Config;
      expect(config.User).toBe('65532');
      expect(config.WorkingDir).toBe('/home/nonroot');
      expect(await exists(`${ref}:nonroot`, '/bin/sh')).toBe(false);
    });
  }

  it('the distroless node image runs node as its entrypoint', async () => {
    const config = (await docker().getImage('gcr.io/distroless/nodejs24-debian13').inspect()).Config;
    expect(config.Entrypoint).toEqual(['/nodejs/bin/node']);
    expect((await run('gcr.io/distroless/nodejs24-debian13', ['-p', 'process.getuid()'])).trim()).toBe('0');
    expect((await run('gcr.io/distroless/nodejs24-debian13:nonroot', ['-p', 'process.getuid()'])).trim()).toBe('65532');
  }, 60_000);

  it('golang:1.24-trixie ships Go 1.24 with GOPATH /go and cgo tools', async () => {
    const config = (await docker().getImage('golang:1.24-trixie').inspect()).Config;
    expect(config.WorkingDir).toBe('/go');
    expect(config.Env).toEqual(expect.arrayContaining(['GOPATH=/go', 'GOTOOLCHAIN=local']));
    expect(config.Env?.find((e) => e.startsWith('PATH='))).toContain('/usr/local/go/bin');
    const out = await run('golang:1.24-trixie', ['sh', '-c', 'go version && gcc --version >/dev/null && echo cgo-ok']);
    expect(out).toMatch(/go version go1\.24\.\d+ linux\/amd64/);
    expect(out).toContain('cgo-ok');
  }, 60_000);

  it('stand-ins say what they stand in for', async () => {
    for (const image of courseImages) {
      const labels = (await docker().getImage(image.ref).inspect()).Config.Labels ?? {};
      if (labels['org.stagecraft.standin'] !== 'true') continue; // an upstream image was pulled
      expect(labels['org.stagecraft.standin.for']).toBe(image.ref);
      expect(labels['org.opencontainers.image.source']).toBe(image.upstream.source);
    }
  });
});
