import { describe, expect, it } from 'vitest';
import { programCandidates, resolveInImage, startArgv, staticVerdict } from '../../harness/checks/goals/binary.ts';
import { jsonField } from '../../harness/checks/goals/http-json.ts';
import { percent } from '../../harness/checks/goals/size-ratio.ts';
import type { LayerFile } from '../../harness/inspect/layer-contents.ts';
import type { ElfInfo } from '../../harness/inspect/elf.ts';

type Entry = Pick<LayerFile, 'type' | 'target'>;
const fsOf = (entries: Record<string, Entry>): Map<string, Entry> => new Map(Object.entries(entries));

describe('startArgv and programCandidates', () => {
  it('joins entrypoint and cmd as docker run does', () => {
    expect(startArgv({ entrypoint: ['/nodejs/bin/node'], cmd: ['server.js'] })).toEqual(['/nodejs/bin/node', 'server.js']);
    expect(startArgv({ entrypoint: undefined, cmd: ['greeter'] })).toEqual(['greeter']);
  });

  it('looks a bare name up on PATH, and a relative path from WORKDIR', () => {
    expect(programCandidates('greeter', '/usr/local/bin:/bin', '/')).toEqual(['/usr/local/bin/greeter', '/bin/greeter']);
    expect(programCandidates('./bin/app', undefined, '/srv')).toEqual(['/srv/bin/app']);
    expect(programCandidates('/greeter', undefined, '/app')).toEqual(['/greeter']);
    expect(programCandidates('x', undefined, '/')[0]).toBe('/usr/local/sbin/x');
  });
});

describe('resolveInImage', () => {
  const fs = fsOf({
    '/bin': { type: 'symlink', target: 'usr/bin' },
    '/usr/bin/dash': { type: 'file' },
    '/usr/bin/sh': { type: 'symlink', target: 'dash' },
    '/greeter': { type: 'file' },
    '/loop': { type: 'symlink', target: '/loop' },
  });

  it('follows symlinks in folders and in the file itself', () => {
    expect(resolveInImage(fs, '/bin/sh')).toBe('/usr/bin/dash');
    expect(resolveInImage(fs, '/usr/bin/sh')).toBe('/usr/bin/dash');
  });

  it('finds a file whose folder has no entry of its own, and nothing that is absent', () => {
    expect(resolveInImage(fs, '/greeter')).toBe('/greeter');
    expect(resolveInImage(fsOf({ '/usr/local/bin/x': { type: 'file' } }), '/usr/local/bin/x')).toBe('/usr/local/bin/x');
    expect(resolveInImage(fs, '/usr/local/bin/greeter')).toBeUndefined();
    expect(resolveInImage(fs, '/loop')).toBeUndefined();
  });
});

describe('staticVerdict', () => {
  const elf = (over: Partial<ElfInfo>): ElfInfo => ({ bits: 64, machine: 'x86-64', interpreter: undefined, type: 'executable', ...over });
  const none = Buffer.alloc(0);

  it('passes a static binary for the image architecture', () => {
    expect(staticVerdict('/greeter', elf({}), none, 'amd64').pass).toBe(true);
  });

  it('fails a dynamically linked binary, naming its loader', () => {
    const v = staticVerdict('/usr/local/bin/greeter', elf({ interpreter: '/lib64/ld-linux-x86-64.so.2' }), none, 'amd64');
    expect(v).toMatchObject({ pass: false, measured: 'dynamically linked (needs /lib64/ld-linux-x86-64.so.2)' });
    expect(v.message).toMatch(/CGO_ENABLED=0/);
  });

  it('fails a binary for another CPU, and a script', () => {
    expect(staticVerdict('/greeter', elf({ machine: 'aarch64' }), none, 'amd64').message).toMatch(/GOARCH/);
    expect(staticVerdict('/entry.sh', undefined, Buffer.from('#!/bin/sh\nexec app\n'), 'amd64').measured).toBe('a script (#!/bin/sh)');
  });
});

describe('jsonField and percent', () => {
  it('reads dotted paths, undefined when absent', () => {
    expect(jsonField({ systemRoots: 146 }, 'systemRoots')).toBe(146);
    expect(jsonField({ tls: { roots: 0 } }, 'tls.roots')).toBe(0);
    expect(jsonField({ tls: null }, 'tls.roots')).toBeUndefined();
    expect(jsonField('text', 'a')).toBeUndefined();
  });

  it('prints small ratios with a decimal', () => {
    expect(percent(0.05)).toBe('5%');
    expect(percent(0.0071)).toBe('0.7%');
    expect(percent(0.436)).toBe('44%');
  });
});
