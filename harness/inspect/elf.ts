/** What the ELF header of a binary says: its CPU, and whether it needs a dynamic loader. */
export interface ElfInfo {
  bits: 32 | 64;
  machine: string;
  /** The program interpreter (PT_INTERP), e.g. /lib64/ld-linux-x86-64.so.2; absent when static. */
  interpreter: string | undefined;
  type: 'executable' | 'shared-object' | 'other';
}

const MACHINES: Record<number, string> = { 0x03: 'x86', 0x28: 'arm', 0x3e: 'x86-64', 0xb7: 'aarch64', 0xf3: 'riscv', 0x15: 'ppc64', 0x16: 's390x' };
const PT_INTERP = 3;

/** Parses just enough of an ELF file; undefined when it is not one. */
export function parseElf(buf: Buffer): ElfInfo | undefined {
  if (buf.length < 52 || buf.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const bits = buf[4] === 2 ? 64 : 32;
  const le = buf[5] === 1;
  const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u64 = (o: number): number => Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o));
  const eType = u16(16);
  const machine = MACHINES[u16(18)] ?? `machine-0x${u16(18).toString(16)}`;
  const phoff = bits === 64 ? u64(32) : u32(28);
  const phentsize = u16(bits === 64 ? 54 : 42);
  const phnum = u16(bits === 64 ? 56 : 44);
  let interpreter: string | undefined;
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + phentsize > buf.length) break;
    if (u32(ph) !== PT_INTERP) continue;
    const offset = bits === 64 ? u64(ph + 8) : u32(ph + 4);
    const size = bits === 64 ? u64(ph + 32) : u32(ph + 16);
    interpreter = buf.subarray(offset, offset + size).toString('utf8').replace(/\0+$/, '');
  }
  return { bits, machine, interpreter, type: eType === 2 ? 'executable' : eType === 3 ? 'shared-object' : 'other' };
}
