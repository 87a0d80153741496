import { requireEngine } from '../engine/docker.ts';
import { removeManaged } from '../engine/cleanup.ts';
import { stopRecordedProcesses } from '../engine/processes.ts';
import { removeStaleHostGuards } from '../sandbox/host-guard.ts';

/** Removes every container, image and network labelled as the harness's; nothing else. */
export async function cleanCommand(): Promise<number> {
  await requireEngine();
  // Registries and fresh builders a dead check left running (see engine/processes.ts).
  const processes = await stopRecordedProcesses();
  const r = await removeManaged();
  // A grading run killed with SIGKILL leaves its firewall rule (only rules of dead processes go).
  await removeStaleHostGuards().catch(() => undefined);
  console.log(`Removed ${r.containers} containers, ${r.images} images, ${r.networks} networks created by Stagecraft${processes ? `, and stopped ${processes} leftover helper process group${processes > 1 ? 's' : ''}` : ''}.`);
  return 0;
}
