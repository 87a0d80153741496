/**
 * Archive entry names as safe relative paths. Refused rather than "fixed": a name with `..`
 * or an absolute path is never an accident in a student's lab, and stripping it (as unzip
 * does) would put the file somewhere the student did not mean.
 */
import { refuse } from './refusal.ts';

/**
 * `labs/02-x/Dockerfile` for the entry name `./labs/02-x/Dockerfile` or `labs\02-x\Dockerfile`;
 * `''` for the archive's root (`./`). Throws a refusal for absolute paths, `..` and NUL.
 */
export function safeEntryPath(name: string): string {
  // Some Windows zip tools write `\`; no lab file has a backslash in its name.
  const slashed = name.replace(/\\/g, '/');
  if (slashed.includes('\u0000')) refuse('archive-unsafe', `The archive has an entry whose name contains a NUL byte (${JSON.stringify(name)}).`);
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) {
    refuse('archive-unsafe', `The archive has an entry with an absolute path (${name}): archive the lab folder with paths relative to it.`);
  }
  const parts = slashed.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    refuse('archive-unsafe', `The archive has an entry that climbs out of it with ".." (${name}): archive the lab folder with paths inside it.`);
  }
  return parts.join('/');
}
