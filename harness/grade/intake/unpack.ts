/**
 * Unpacks a student's archive into a temp folder, or refuses it with a reason. What the
 * archive is comes from its first bytes, not its name: a .zip that is really a tar.gz is
 * read as one, and a renamed file of any other kind is refused.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { makeWorkDir } from '../../course/lab-files.ts';
import { DEFAULT_UNPACK_LIMITS, ExtractTree, type UnpackLimits } from './extract-tree.ts';
import { refuse } from './refusal.ts';
import { readTarGz } from './tar.ts';
import { readZip } from './zip.ts';

export { DEFAULT_UNPACK_LIMITS, type UnpackLimits } from './extract-tree.ts';

export interface UnpackOptions {
  /** An empty (or absent) folder to unpack into; default: a new temp folder. */
  dest?: string;
  limits?: Partial<UnpackLimits>;
}

/** Headers, names and compression overhead: what an archive may add to its content's size. */
const ARCHIVE_OVERHEAD_PER_ENTRY = 1024;
const ARCHIVE_OVERHEAD = 1024 * 1024;

/**
 * The folder the archive was unpacked into; it holds only files, folders and symlinks that
 * stay inside it. A temp folder made here is removed again when the archive is refused;
 * the caller removes it after grading.
 */
export async function unpackArchive(archive: string, options: UnpackOptions = {}): Promise<string> {
  const limits: UnpackLimits = { ...DEFAULT_UNPACK_LIMITS, ...options.limits };
  const { size } = await stat(archive);
  if (size > limits.maxTotalBytes + limits.maxEntries * ARCHIVE_OVERHEAD_PER_ENTRY + ARCHIVE_OVERHEAD) {
    refuse('too-large', `The archive is ${Math.round(size / (1024 * 1024))} MiB, more than a lab can need: leave out node_modules, build output and other large files.`);
  }
  const kind = await sniff(archive);
  const dest = options.dest ?? (await makeWorkDir('submission'));
  try {
    const tree = new ExtractTree(dest, limits);
    if (kind === 'zip') await readZip(await readFile(archive), tree);
    else await readTarGz(archive, tree);
    await tree.finish();
    return dest;
  } catch (e) {
    if (!options.dest) await rm(dest, { recursive: true, force: true });
    throw e;
  }
}

async function sniff(file: string): Promise<'zip' | 'tar.gz'> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
    // PK\3\4: a zip's first entry; PK\5\6: an empty zip (only its end record).
    if (bytesRead === 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) return 'zip';
  } finally {
    await handle.close();
  }
  return refuse('archive-unsupported', `${file.split(/[\\/]/).pop() ?? file} is neither a zip nor a gzip-compressed tar archive.`);
}
