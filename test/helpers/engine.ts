import { docker } from '../../harness/engine/docker.ts';
import { MANAGED_LABEL } from '../../harness/engine/labels.ts';
import { isMirrorVariantTag } from '../../harness/mirror/index.ts';

/** Containers and (non-cache) images the harness left behind: tests assert there are none. */
export async function leftovers(): Promise<{ containers: string[]; images: string[] }> {
  const label = [`${MANAGED_LABEL}=true`];
  const containers = await docker().listContainers({ all: true, filters: { label } });
  const images = await docker().listImages({ filters: { label } });
  return {
    containers: containers.map((c) => c.Names.join(',')),
    // The mirror's derived base images are a cache the harness keeps on purpose.
    images: images.flatMap((i) => i.RepoTags ?? []).filter((t) => !isMirrorVariantTag(t)),
  };
}
