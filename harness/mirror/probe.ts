import { $ } from 'zx';
import { docker } from '../engine/docker.ts';
import { MANAGED_LABEL } from '../engine/labels.ts';
import { StagecraftError } from '../errors.ts';

export interface NpmConfigSite {
  /** Where npm in the image reads its global config (`npm config get globalconfig`). */
  globalconfig: string;
  /** That file's content in the image, kept when the mirror's settings are added. */
  existing: string;
}

const NO_NPM = 'STAGECRAFT-NO-NPM';
// Ask npm itself: the path depends on its prefix, which differs between images.
const SCRIPT = `if command -v npm >/dev/null 2>&1; then f=$(npm config get globalconfig) && echo "$f" && cat "$f" 2>/dev/null; true; else echo ${NO_NPM}; fi`;

/** Runs the image once (no network) to see whether it has npm and where its global config is. */
export async function probeNpm(imageId: string, ref: string): Promise<NpmConfigSite | undefined> {
  const out = await $({ quiet: true, nothrow: true })`docker run --rm --pull never --network none --label ${MANAGED_LABEL}=true --entrypoint sh ${imageId} -c ${SCRIPT}`;
  // 126/127: the image has no shell (distroless, scratch-based), so no npm for RUN steps either.
  if (out.exitCode === 126 || out.exitCode === 127) return undefined;
  const [first = '', ...rest] = out.stdout.split('\n');
  if (out.exitCode !== 0 || first.trim() === '') {
    throw new StagecraftError('mirror-failed', `Could not look inside ${ref} for npm: ${out.stderr.trim() || `exit code ${out.exitCode}`}.`,
      `Check that \`docker run --rm ${ref} true\` works, then try again.`);
  }
  if (first.trim() === NO_NPM) return undefined;
  return { globalconfig: first.trim(), existing: rest.join('\n') };
}

/**
 * Whether the local store holds `ref` for `platform`. Docker 26's API cannot list an image
 * index's platforms, but creating (never starting) a container for that platform without
 * pulling succeeds exactly when it is there (the same test harness/images uses).
 */
export async function platformPresent(ref: string, platform: string): Promise<boolean> {
  const out = await $({ quiet: true, nothrow: true })`docker create --pull never --platform ${platform} --network none --label ${MANAGED_LABEL}=true ${ref} true`;
  const id = out.stdout.trim();
  if (out.exitCode === 0 && id) await docker().getContainer(id).remove({ force: true }).catch(() => undefined);
  return out.exitCode === 0;
}
