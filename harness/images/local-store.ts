import { randomUUID } from 'node:crypto';
import { $ } from 'zx';
import { docker } from '../engine/docker.ts';
import { STANDIN_LABEL, managedLabels } from '../engine/labels.ts';
import type { Platform } from './catalogue.ts';

/** This process's session, for the probe containers it creates (and removes at once). */
const session = `images-${randomUUID().slice(0, 8)}`;

/**
 * Whether the local store holds `ref` for `platform`. Docker 26's API cannot list the
 * platforms of an image index, but creating (not starting) a container with `platform` and
 * no pull succeeds exactly when that platform's image is present.
 */
export async function platformPresent(ref: string, platform: Platform): Promise<boolean> {
  let id: string | undefined;
  try {
    const c = await docker().createContainer({
      _query: { platform },
      _body: { Image: ref, Cmd: ['true'], Labels: managedLabels(session), HostConfig: { NetworkMode: 'none' } },
    } as unknown as Parameters<ReturnType<typeof docker>['createContainer']>[0]);
    id = c.id;
    return true;
  } catch {
    return false;
  } finally {
    if (id) await docker().getContainer(id).remove({ force: true }).catch(() => undefined);
  }
}

export async function platformsPresent(ref: string, platforms: Platform[]): Promise<Platform[]> {
  const present: Platform[] = [];
  for (const p of platforms) if (await platformPresent(ref, p)) present.push(p);
  return present;
}

export async function isStandin(ref: string): Promise<boolean> {
  try {
    const info = await docker().getImage(ref).inspect();
    return info.Config?.Labels?.[STANDIN_LABEL] === 'true';
  } catch {
    return false;
  }
}

/** The registry part of a reference; references without one go to the engine's default registry. */
export function registryOf(ref: string): string {
  const first = ref.split('/')[0] ?? '';
  return ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'default registry';
}

/**
 * `docker pull` each platform, with a short timeout: here registries fail at once, elsewhere
 * a dead DNS could hang for minutes. Returns why it failed, or undefined on success.
 */
export async function pull(ref: string, platforms: Platform[], timeoutMs: number): Promise<string | undefined> {
  for (const p of platforms) {
    const r = await $({ quiet: true, nothrow: true, timeout: timeoutMs })`docker pull --platform ${p} ${ref}`;
    if (r.exitCode !== 0) {
      return r.signal ? `no answer within ${timeoutMs / 1000}s` : (r.stderr.trim().split('\n').at(-1) ?? 'pull failed');
    }
  }
  return undefined;
}
