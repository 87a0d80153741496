import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../harness/inspect/elf.ts';

describe('parseElf', () => {
  it('reads the machine and loader of a dynamically linked binary', () => {
    const node = parseElf(readFileSync(process.execPath));
    expect(node?.bits).toBe(64);
    expect(node?.machine).toBe(process.arch === 'arm64' ? 'aarch64' : 'x86-64');
    expect(node?.interpreter).toMatch(/ld-linux/);
  });

  it('says undefined for a file that is not ELF', () => {
    expect(parseElf(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(64)))).toBeUndefined();
  });

  it('finds no interpreter in a static binary header', () => {
    // A minimal 64-bit little-endian aarch64 executable header with no program headers.
    const h = Buffer.alloc(64);
    h.writeUInt32BE(0x7f454c46, 0); h[4] = 2; h[5] = 1; h.writeUInt16LE(2, 16); h.writeUInt16LE(0xb7, 18);
    expect(parseElf(h)).toEqual({ bits: 64, machine: 'aarch64', interpreter: undefined, type: 'executable' });
  });
});
