import type { Goal, GoalOptions } from '../goal.ts';
import { pathsAbsent } from './files.ts';

/** Where shells live, merged-/usr or not: sh and the shells sh usually points to. */
export const SHELL_PATHS = ['/{bin,sbin,usr/bin,usr/sbin,usr/local/bin}/{sh,bash,dash,ash,zsh,ksh,mksh,busybox}'];

/** The C library and its dynamic loader (glibc or musl), wherever the distribution puts them. */
export const LIBC_PATHS = ['**/libc.so.6', '**/libc.so', '**/libc-*.so', '**/ld-linux*.so*', '**/ld-musl-*.so*', '**/libc.musl-*.so*'];

/**
 * No shell in the final image: nothing for an attacker who gets code execution to drive,
 * and no `/bin/sh -c` for a shell-form CMD or HEALTHCHECK to hide behind.
 */
export function noShell(opts: GoalOptions = {}): Goal {
  return pathsAbsent({
    id: 'no-shell',
    what: 'shell (/bin/sh, bash, busybox)',
    paths: SHELL_PATHS,
    where: 'final',
    title: 'No shell in the final image',
    hint: 'Run the app on a base without a shell (distroless, or scratch for a static binary); do the work that needs a shell in a build stage.',
    ...opts,
  });
}

/** No C library or dynamic loader in the final image: what a static binary does not need. */
export function noLibc(opts: GoalOptions = {}): Goal {
  return pathsAbsent({
    id: 'no-libc',
    what: 'C library or dynamic loader',
    paths: LIBC_PATHS,
    where: 'final',
    title: 'No C library in the final image',
    hint: 'A static binary needs no libc: start the final stage FROM scratch and copy in only the binary and the files it reads.',
    ...opts,
  });
}
