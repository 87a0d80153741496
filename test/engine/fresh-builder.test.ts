/**
 * The fresh builder and the loopback registry on the real machine: an empty cache, the
 * registry reachable from inside, the host's network untouched, nothing left afterwards.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { describe, expect, it } from 'vitest';
import { freshBuilderUnavailable, startFreshBuilder } from '../../harness/build/fresh-builder.ts';
import { stateDir } from '../../harness/paths.ts';
import { startRegistry } from '../../harness/run/registry.ts';

// The host's interfaces but the veths other containers come and go with (docker0 above all).
const links = async (): Promise<string> => (await $({ quiet: true, nothrow: true })`ip -o link show`).stdout.split('\n')
  .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '').filter((n) => n && !n.startsWith('veth')).sort().join(' ');
const ledger = (): string[] => (existsSync(path.join(stateDir, 'processes')) ? readdirSync(path.join(stateDir, 'processes')) : []);

describe.skipIf(process.platform !== 'linux' || process.getuid?.() !== 0)('a fresh builder', () => {
  it('starts empty, reaches the check registry, leaves the host network alone and leaves nothing behind', async () => {
    expect(await freshBuilderUnavailable()).toBeUndefined();
    const before = await links();
    const registry = await startRegistry('fresh-builder-test');
    const builder = await startFreshBuilder({ sessionId: 'fresh-builder-test', loopbackPorts: [registry.port] });
    const dir = builder.host.replace(/^unix:\/\//, '').replace(/\/docker\.sock$/, '');
    try {
      expect(await builder.cacheRecords()).toBe(0);
      // Inside, 127.0.0.1:PORT is the check's registry (through the relay): a pull of a missing image says "not found" from it.
      const pull = await $({ quiet: true, nothrow: true, env: { ...process.env, DOCKER_HOST: builder.host } })`docker pull ${registry.address}/nothing/here:1`;
      expect(pull.stderr).toMatch(/not found|manifest unknown/i);
      expect(await links()).toBe(before);
      const pids = JSON.parse(readFileSync(path.join(stateDir, 'processes', `${path.basename(dir)}.json`), 'utf8')) as { pids: number[] };
      expect(pids.pids.length).toBe(3);
    } finally {
      await builder.stop();
      await registry.stop();
    }
    expect(existsSync(dir)).toBe(false);
    expect(ledger().filter((n) => n.startsWith('scfb-') || n.startsWith('stagecraft-cache-registry-'))).toEqual([]);
    expect(await links()).toBe(before);
  });
});
