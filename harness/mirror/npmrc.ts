/** Hostname build steps reach the mirror by (mapped with `--add-host`). */
export const MIRROR_HOSTNAME = 'stagecraft-mirror';

/** Bump when mirrorNpmrc's output changes, so existing variants are made again. */
export const NPMRC_RECIPE = 1;

/** Settings the mirror owns; lines setting them in an image's own global config are replaced. */
const OWNED = ['registry', 'replace-registry-host'];

/**
 * The global npm config of a mirror variant: the image's own settings plus the mirror as
 * registry. `replace-registry-host=always` makes npm fetch lockfile `resolved` URLs of any
 * registry from the mirror too (by default only the public registry's are rewritten).
 */
export function mirrorNpmrc(registry: string, existing: string): string {
  const kept = existing.split('\n').filter((line) => {
    const key = line.split('=')[0]?.trim().toLowerCase() ?? '';
    return line.trim() !== '' && !OWNED.includes(key);
  });
  return [
    ...kept,
    '# Added by Stagecraft for lab builds: npm fetches packages through the course\'s local mirror.',
    `registry=${registry}`,
    'replace-registry-host=always',
    '',
  ].join('\n');
}
