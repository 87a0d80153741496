import { describe, expect, it } from 'vitest';
import { numericUserVerdict, parseUserSpec, stopVerdict } from '../../harness/checks/goals/process.ts';
import { parseTop, type ContainerProcess } from '../../harness/run/processes.ts';

const proc = (uid: number, init = false, args = 'node server.js'): ContainerProcess => ({ hostPid: init ? 100 : 200, uid, gid: uid, args, init });

describe('parseUserSpec', () => {
  it('splits user and group and says whether the user is a number', () => {
    expect(parseUserSpec('65532:65532')).toEqual({ user: '65532', group: '65532', numeric: true, uid: 65532 });
    expect(parseUserSpec('node')).toEqual({ user: 'node', group: undefined, numeric: false, uid: undefined });
    expect(parseUserSpec('')).toMatchObject({ user: '', numeric: false });
  });
});

describe('numericUserVerdict', () => {
  it('passes a numeric non-root user that every process runs as', () => {
    expect(numericUserVerdict('65532:65532', [proc(65532, true), proc(65532)]).pass).toBe(true);
  });

  it('fails no USER, a name, and uid 0, saying what PID 1 runs as', () => {
    const none = numericUserVerdict('', [proc(0, true)]);
    expect(none).toMatchObject({ pass: false, measured: 'no USER (root); PID 1 runs as uid 0' });
    expect(numericUserVerdict('node', [proc(1000, true)]).message).toMatch(/is a name/);
    expect(numericUserVerdict('0', [proc(0, true)]).pass).toBe(false);
  });

  it('fails when a process runs as another uid than the configured one', () => {
    const v = numericUserVerdict('1000', [proc(0, true, 'gosu-wrapper'), proc(1000)]);
    expect(v.pass).toBe(false);
    expect(v.message).toMatch(/gosu-wrapper.*uid 0/);
  });
});

describe('parseTop', () => {
  it('reads docker top columns and puts the init process first', () => {
    const procs = parseTop({ Titles: ['PID', 'UID', 'GID', 'COMMAND'], Processes: [['812', '0', '0', 'node server.js'], ['790', '0', '0', '/bin/sh -c node server.js']] }, 790);
    expect(procs.map((p) => [p.hostPid, p.uid, p.init, p.args])).toEqual([[790, 0, true, '/bin/sh -c node server.js'], [812, 0, false, 'node server.js']]);
  });

  it('refuses a table without the columns it needs', () => {
    expect(() => parseTop({ Titles: ['CMD'], Processes: [] }, 1)).toThrow(/PID\/UID/);
  });
});

describe('stopVerdict', () => {
  it('passes a prompt exit, graceful or by SIGTERM', () => {
    expect(stopVerdict({ durationMs: 400, exitCode: 0, graceMs: 10_000, init: 'node' }, 3000).pass).toBe(true);
    expect(stopVerdict({ durationMs: 300, exitCode: 143, graceMs: 10_000, init: 'node' }, 3000).pass).toBe(true);
  });

  it('fails a container killed after the grace period, naming PID 1', () => {
    const v = stopVerdict({ durationMs: 10_300, exitCode: 137, graceMs: 10_000, init: '/bin/sh -c node server.js' }, 3000);
    expect(v).toMatchObject({ pass: false, measured: 'killed after 10.3 s (exit code 137)' });
    expect(v.message).toMatch(/SIGKILL.*\/bin\/sh -c node server.js.*exec form/);
  });

  it('blames the missing SIGTERM handler when PID 1 is the app itself', () => {
    const v = stopVerdict({ durationMs: 10_200, exitCode: 137, graceMs: 10_000, init: 'node server.js' }, 3000);
    expect(v.message).toMatch(/no SIGTERM handler/);
  });

  it('fails a slow exit even if it was not killed', () => {
    expect(stopVerdict({ durationMs: 5000, exitCode: 0, graceMs: 10_000, init: undefined }, 3000).pass).toBe(false);
  });
});
