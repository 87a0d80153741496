import { requireEngine } from '../engine/docker.ts';
import { removeManaged } from '../engine/cleanup.ts';

/** Removes every container, image and network labelled as the harness's; nothing else. */
export async function cleanCommand(): Promise<number> {
  await requireEngine();
  const r = await removeManaged();
  console.log(`Removed ${r.containers} containers, ${r.images} images, ${r.networks} networks created by Stagecraft.`);
  return 0;
}
