import { docker } from '../engine/docker.ts';

/** One process of a running container, as the engine sees it. */
export interface ContainerProcess {
  /** The process id on the engine's host (not the container's own numbering). */
  hostPid: number;
  /** Effective user and group ids, numeric. */
  uid: number;
  gid: number;
  args: string;
  /** The container's first process (its PID 1). */
  init: boolean;
}

/** What `docker top` prints: a title row and one row per process. */
export interface TopTable {
  Titles: string[];
  Processes: string[][];
}

/**
 * The container's processes with their numeric ids, from the engine (`docker top`, run
 * by the engine on its own host), so it works for images that have no shell, no `ps` and
 * no `id`: scratch and distroless. Under `userns-remap` the ids would be the host's.
 */
export async function containerProcesses(containerId: string): Promise<ContainerProcess[]> {
  const c = docker().getContainer(containerId);
  const [top, info] = await Promise.all([
    c.top({ ps_args: '-o pid,uid,gid,args' }) as Promise<TopTable>,
    c.inspect(),
  ]);
  return parseTop(top, info.State.Pid);
}

/** Rows of `ps -o pid,uid,gid,args` as typed processes; the init process first. */
export function parseTop(top: TopTable, initPid: number): ContainerProcess[] {
  const col = (name: string): number => top.Titles.findIndex((t) => t.trim().toUpperCase() === name);
  const [pid, uid, gid, args] = [col('PID'), col('UID'), col('GID'), col('COMMAND')];
  if (pid < 0 || uid < 0) throw new Error(`docker top gave no PID/UID columns (${top.Titles.join(', ')})`);
  const procs = top.Processes.map((row) => {
    const hostPid = Number(row[pid]);
    return {
      hostPid,
      uid: Number(row[uid]),
      gid: gid < 0 ? Number.NaN : Number(row[gid]),
      args: args < 0 ? '' : row[args] ?? '',
      init: hostPid === initPid,
    };
  });
  return procs.sort((a, b) => Number(b.init) - Number(a.init) || a.hostPid - b.hostPid);
}
