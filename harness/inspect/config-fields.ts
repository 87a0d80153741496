/**
 * Every string of an image's config (Env, Cmd, Entrypoint, Labels, WorkingDir, User,
 * Healthcheck, OnBuild, Volumes, ...), with where it sits: what `docker inspect` shows anyone
 * who pulls the image.
 */
import { docker } from '../engine/docker.ts';

export interface ConfigField {
  /** `Config.Env[3]`, `Config.Labels["org.example.token"]`, or `... (key)` for a key itself. */
  path: string;
  value: string;
}

/** Strings anywhere in a JSON value, keys included (a label's key is as public as its value). */
export function flattenConfig(value: unknown, at: string): ConfigField[] {
  if (typeof value === 'string') return [{ path: at, value }];
  if (typeof value === 'number' || typeof value === 'boolean') return [{ path: at, value: String(value) }];
  if (Array.isArray(value)) return value.flatMap((v, i) => flattenConfig(v, `${at}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
      const child = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${at}.${k}` : `${at}[${JSON.stringify(k)}]`;
      return [{ path: `${child} (key)`, value: k }, ...flattenConfig(v, child)];
    });
  }
  return [];
}

/** The image's config and the other free-text fields of `docker image inspect`. */
export async function imageConfigFields(ref: string): Promise<ConfigField[]> {
  const info = await docker().getImage(ref).inspect();
  return [
    ...flattenConfig(info.Config, 'Config'),
    ...flattenConfig(info.Author, 'Author'),
    ...flattenConfig(info.Comment, 'Comment'),
  ];
}
