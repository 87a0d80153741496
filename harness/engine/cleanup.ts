import { docker } from './docker.ts';
import { MANAGED_LABEL, SESSION_LABEL } from './labels.ts';

export interface Removed {
  containers: number;
  images: number;
  networks: number;
}

/**
 * Removes containers, images and networks carrying the harness's label: one session's
 * (`sessionId`) or every one. Nothing without the label is touched.
 */
export async function removeManaged(sessionId?: string): Promise<Removed> {
  const label = sessionId ? [`${SESSION_LABEL}=${sessionId}`] : [`${MANAGED_LABEL}=true`];
  const api = docker();
  const removed: Removed = { containers: 0, images: 0, networks: 0 };

  const containers = await api.listContainers({ all: true, filters: { label } });
  await Promise.all(containers.map(async (c) => {
    await api.getContainer(c.Id).remove({ force: true, v: true }).then(() => removed.containers++, () => undefined);
  }));
  const images = await api.listImages({ filters: { label } });
  // Remove by tag: on the containerd store an image ID may be shared with other tags.
  const refs = images.flatMap((img) => {
    const tags = img.RepoTags?.filter((t) => t !== '<none>:<none>') ?? [];
    return tags.length ? tags : [img.Id];
  });
  await Promise.all(refs.map((ref) => api.getImage(ref).remove({ force: true }).then(() => removed.images++, () => undefined)));
  const networks = await api.listNetworks({ filters: { label } });
  for (const n of networks) await api.getNetwork(n.Id).remove().then(() => removed.networks++, () => undefined);
  return removed;
}
