import path from 'node:path';
import { finalFilesystem, type ImageConfig } from '../../inspect/image-facts.ts';
import type { LayerFile } from '../../inspect/layer-contents.ts';
import { parseElf, type ElfInfo } from '../../inspect/elf.ts';
import { elfMachineFor } from '../../inspect/architecture.ts';
import { goal, type Goal, type GoalOptions, type GoalOutcome } from '../goal.ts';
import { notBuilt } from './common.ts';

/** The PATH the engine uses when the image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What `docker run` executes: the entrypoint followed by the command. */
export function startArgv(config: Pick<ImageConfig, 'entrypoint' | 'cmd'>): string[] {
  return [...(config.entrypoint ?? []), ...(config.cmd ?? [])];
}

/** Where the engine looks for argv[0]: as given if it has a slash (from WORKDIR), else each PATH entry. */
export function programCandidates(argv0: string, pathEnv: string | undefined, workdir: string): string[] {
  if (argv0.includes('/')) return [path.posix.resolve(workdir || '/', argv0)];
  return (pathEnv ?? DEFAULT_PATH).split(':').filter(Boolean).map((dir) => path.posix.join(dir, argv0));
}

type FsEntry = Pick<LayerFile, 'type' | 'target'>;

/**
 * Resolves symlinks (in the file itself and in its folders, like /bin -> usr/bin) against an
 * image's final file list. Undefined when the path does not exist or loops.
 */
export function resolveInImage(fs: Map<string, FsEntry>, p: string, hops = 0): string | undefined {
  if (hops > 32) return undefined;
  const parts = path.posix.normalize(p).split('/').filter(Boolean);
  let cur = '';
  for (let i = 0; i < parts.length; i++) {
    const next = `${cur}/${parts[i] ?? ''}`;
    const entry = fs.get(next);
    if (entry?.type === 'symlink' && entry.target !== undefined) {
      const target = entry.target.startsWith('/') ? entry.target : path.posix.join(cur || '/', entry.target);
      return resolveInImage(fs, path.posix.join(target, ...parts.slice(i + 1)), hops + 1);
    }
    // Folders may have no entry of their own (a COPY to / lists only the file): only the
    // last component must exist.
    if (i === parts.length - 1 && !entry) return undefined;
    cur = next;
  }
  return cur || '/';
}

export function staticVerdict(program: string, elf: ElfInfo | undefined, firstBytes: Buffer, architecture: string): GoalOutcome {
  const expected = `a static executable for ${architecture} (no program interpreter)`;
  if (!elf) {
    const shebang = firstBytes.subarray(0, 2).toString() === '#!' ? firstBytes.toString('utf8').split('\n')[0] : undefined;
    return { pass: false, expected, measured: shebang ? `a script (${shebang})` : 'not an ELF binary',
      message: `${program} is not a compiled program${shebang ? `: it is run by ${shebang.slice(2).trim()}` : ''}.` };
  }
  const want = elfMachineFor(architecture);
  if (want && elf.machine !== want) {
    return { pass: false, expected, measured: `built for ${elf.machine}`,
      message: `${program} is a ${elf.machine} binary in a ${architecture} image: was GOARCH (or the target) hard-coded? Use the TARGETARCH build argument.` };
  }
  if (elf.interpreter) {
    return { pass: false, expected, measured: `dynamically linked (needs ${elf.interpreter})`,
      message: `${program} asks the kernel to start ${elf.interpreter} first, which then loads the C library: it cannot run in an image without them. For Go, build with CGO_ENABLED=0.` };
  }
  return { pass: true, expected, measured: `static ${elf.machine} executable (${program})` };
}

/**
 * The program the image starts (ENTRYPOINT/CMD, found on the image's PATH and read out of
 * the image) is a statically linked ELF executable for the image's own architecture: its
 * program headers name no interpreter (PT_INTERP), so it needs no loader and no libc.
 */
export function staticBinary(opts: GoalOptions = {}): Goal {
  const expected = 'a static executable (no program interpreter)';
  return goal({
    id: 'static-binary',
    title: 'The image starts a statically linked binary',
    hint: 'Build with CGO_ENABLED=0: the Go toolchain then links everything into the binary and it needs no libc or loader.',
    async check(ctx) {
      const nb = notBuilt(ctx, expected);
      if (nb) return nb;
      const facts = await ctx.facts();
      const argv = startArgv(facts.config);
      const argv0 = argv[0];
      if (!argv0) return { pass: false, expected, measured: 'nothing to start', message: 'The image has no ENTRYPOINT or CMD.' };
      const fs = finalFilesystem(facts.layers ?? []);
      const candidates = programCandidates(argv0, facts.config.env.PATH, facts.config.workdir);
      const found = candidates.map((c) => resolveInImage(fs, c)).find((p): p is string => p !== undefined && fs.get(p)?.type !== 'dir');
      if (!found) return { pass: false, expected, measured: `${argv0} not found`, message: `The image starts ${argv0}, but no such file is in it (looked in ${candidates.join(', ')}).` };
      const bytes = await ctx.readFile(found);
      if (!bytes) return { pass: false, expected, measured: `${found} unreadable`, message: `${found} is listed in a layer but could not be read from the image.` };
      return staticVerdict(found, parseElf(bytes), bytes.subarray(0, 200), facts.config.architecture);
    },
  }, opts);
}
