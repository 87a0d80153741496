/** The CLI contract other tools rely on: exit codes, messages, results.json. */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $ } from 'zx';
import { repoRoot } from '../../harness/paths.ts';
import { leftovers } from '../helpers/engine.ts';

const stagecraft = (...args: string[]) => $({ nothrow: true, quiet: true, cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } })`node bin/stagecraft.js ${args}`;

let scratch: string;
beforeAll(async () => { scratch = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-cli-test-')); });
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  expect(await leftovers()).toEqual({ containers: [], images: [] });
});

describe('stagecraft check', () => {
  it('exits 0 for lesson 02 solved', async () => {
    const r = await stagecraft('check', '02', '--dir', 'solutions/02-layer-cache');
    expect(r.stdout).toMatch(/4\/4 goals met/);
    expect(r.exitCode).toBe(0);
  });

  it('exits 1 for lesson 02 starter and names the failed goals', async () => {
    const r = await stagecraft('check', '02');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/✗ Editing server\.js reuses the dependency layer/);
    expect(r.stdout).toMatch(/✗ No dev dependencies/);
    expect(r.stdout).toMatch(/First failed goal:/);
  });

  it('--json prints exercism results.json version 3', async () => {
    const r = await stagecraft('check', '01', '--json');
    expect(r.exitCode).toBe(1);
    const json = JSON.parse(r.stdout) as { version: number; status: string; tests: { name: string; status: string; test_code: string; message?: string }[] };
    expect(json.version).toBe(3);
    expect(json.status).toBe('fail');
    expect(json.tests.length).toBe(6);
    for (const t of json.tests) {
      expect(['pass', 'fail', 'error']).toContain(t.status);
      expect(typeof t.name).toBe('string');
      expect(typeof t.test_code).toBe('string');
      if (t.status !== 'pass') expect(t.message).toBeTruthy();
    }
  });

  it('exits 2 with a one-line reason for a Dockerfile that does not parse', async () => {
    const dir = path.join(scratch, 'bad-syntax');
    await cp(path.join(repoRoot, 'solutions/02-layer-cache'), dir, { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM node:24-trixie-slim  # the base image\nWORKDIR /app\n');
    const r = await stagecraft('check', '02', '--dir', dir);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: .*Dockerfile line 1: .+$/m);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 2 with --json and an error results.json when the Dockerfile is missing', async () => {
    const dir = path.join(scratch, 'empty');
    await cp(path.join(repoRoot, 'labs/02-layer-cache/server.js'), path.join(dir, 'server.js'));
    const r = await stagecraft('check', '02', '--dir', dir, '--json');
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: 3, status: 'error', tests: [] });
    expect(r.stderr).toMatch(/no Dockerfile in/);
  });

  it('exits 2 for an unknown lesson, naming the lessons there are', async () => {
    const r = await stagecraft('check', '42');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no lesson "42"[\s\S]*01-build-context/);
  });

  it('a build that fails is a verdict (exit 1) with the failing step', async () => {
    const dir = path.join(scratch, 'failing-build');
    await cp(path.join(repoRoot, 'solutions/02-layer-cache'), dir, { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM node:24-trixie-slim\nRUN echo "about to fail" && exit 3\n');
    const r = await stagecraft('check', '02', '--dir', dir);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/did not build: step .*RUN echo "about to fail" && exit 3.* failed/);
    expect(r.stdout).toMatch(/\| about to fail/);
  });
});
