import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { LIBC_PATHS, SHELL_PATHS } from '../../harness/checks/goals/minimal.ts';

describe('shell and libc globs', () => {
  const shell = picomatch(SHELL_PATHS, { dot: true });
  const libc = picomatch(LIBC_PATHS, { dot: true });

  it('find the shells of Debian (merged /usr) and busybox images', () => {
    for (const p of ['/usr/bin/sh', '/bin/sh', '/usr/bin/dash', '/usr/bin/bash', '/bin/busybox']) expect(shell(p), p).toBe(true);
    for (const p of ['/usr/bin/shred', '/app/sh', '/greeter', '/nodejs/bin/node']) expect(shell(p), p).toBe(false);
  });

  it('find glibc and musl and their loaders, not other libraries', () => {
    for (const p of ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib64/ld-linux-x86-64.so.2', '/lib/ld-musl-x86_64.so.1', '/usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1']) expect(libc(p), p).toBe(true);
    for (const p of ['/usr/lib/x86_64-linux-gnu/libcrypto.so.3', '/usr/lib/x86_64-linux-gnu/libcap.so.2', '/etc/ssl/certs/ca-certificates.crt']) expect(libc(p), p).toBe(false);
  });
});
