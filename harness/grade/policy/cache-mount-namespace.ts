/**
 * Gives each student's cache mounts their own ids, so one student's build never reads (or
 * poisons) another's `/root/.npm`: `--mount=type=cache,target=/root/.npm` becomes
 * `--mount=type=cache,target=/root/.npm,id=<key>//root/.npm`, and `id=npm` becomes
 * `id=<key>/npm`. Only those bytes are inserted; the rest of the file, continuation lines
 * and heredocs included, is kept as it was. (BuildKit's own `BUILDKIT_CACHE_MOUNT_NS`
 * build arg does the same on the engine side; doing both costs nothing.)
 *
 * Assumes checkPolicy passed: flags are then plain (no quotes or escapes), so splitting a
 * mount's value at commas reads it as BuildKit's CSV reader does.
 */
import { DockerfileParser } from 'dockerfile-ast';
import { cacheMountsInDockerfile } from '../../build/cache-mounts.ts';
import { sourceOf, lastOption, mountOptions, runInstructions } from './instructions.ts';

const SAFE_KEY = /^[A-Za-z0-9._-]+$/;

interface Insertion {
  at: number;
  text: string;
}

export function namespaceCacheMounts(dockerfileText: string, studentKey: string): string {
  // The key lands inside a comma-separated mount value: it must not contain , = or spaces.
  if (!SAFE_KEY.test(studentKey)) throw new Error(`cache namespace key "${studentKey}" must match ${SAFE_KEY}`);
  const ast = DockerfileParser.parse(dockerfileText);
  const source = sourceOf(dockerfileText, ast);
  const insertions: Insertion[] = [];

  for (const run of runInstructions(ast)) {
    for (const flag of run.getFlags()) {
      if (flag.getName() !== 'mount') continue;
      const options = mountOptions(source, flag);
      if ((lastOption(options, 'type')?.value ?? 'bind').toLowerCase() !== 'cache') continue;
      const target = lastOption(options, 'target', 'dst', 'destination')?.value ?? '';
      const ids = options.filter((o) => o.key === 'id');
      if (ids.length === 0) {
        // No id: BuildKit uses the target, so the namespaced id keeps that sharing.
        insertions.push({ at: source.offsetOf(flag.getRange().end), text: `,id=${studentKey}/${target}` });
      }
      for (const id of ids) {
        if (id.valueAt === undefined) continue; // `id` without `=`: BuildKit rejects the mount
        insertions.push({ at: id.valueAt, text: id.value ? `${studentKey}/` : `${studentKey}/${target}` });
      }
    }
  }

  let out = dockerfileText;
  for (const { at, text } of insertions.sort((a, b) => b.at - a.at)) out = out.slice(0, at) + text + out.slice(at);
  assertNamespaced(out, studentKey);
  return out;
}

/**
 * A second reading, by the harness's own cache-mount reader: if any cache mount still has
 * an id outside the namespace, this is a bug to stop at, not a build to run.
 */
function assertNamespaced(text: string, key: string): void {
  // cacheMountsInDockerfile reads only the AST; the rest of ParsedDockerfile is not needed.
  const parsed = { stages: [], baseImages: [], directives: [], ast: DockerfileParser.parse(text) };
  const stray = cacheMountsInDockerfile(parsed).find((m) => !m.id.startsWith(`${key}/`));
  if (stray) throw new Error(`cache mount on line ${stray.line + 1} kept id "${stray.id}" outside the namespace ${key}/`);
}
