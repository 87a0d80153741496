import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { $ } from 'zx';
import { stateDir } from '../paths.ts';

/**
 * Processes a check starts outside the engine (a loopback registry, a fresh builder's
 * dockerd and containerd) are written down while they run, one small file per temp
 * folder, so a check that dies leaves something `stagecraft clean` can find. Only a
 * process whose command line still names its folder is stopped: a reused pid is never
 * killed.
 */
export interface ProcessGroup {
  kind: string;
  sessionId: string;
  /** The group's own temp folder; it appears in each process's command line. */
  dir: string;
  /** In the order to stop them. */
  pids: number[];
}

const ledger = (): string => path.join(stateDir, 'processes');
const entry = (dir: string): string => path.join(ledger(), `${path.basename(dir)}.json`);

export async function recordProcesses(group: ProcessGroup): Promise<void> {
  await mkdir(ledger(), { recursive: true });
  await writeFile(entry(group.dir), JSON.stringify(group));
}

/** Whether `pid` is alive and its command line mentions `dir` (the process we started). */
export function isOurProcess(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (alive(pid)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    while (alive(pid)) await new Promise((r) => setTimeout(r, 20));
  }
}

/** Mount points under `dir` (a builder's snapshots), deepest first. */
function mountsUnder(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const prefix = `${path.resolve(dir)}/`;
  return text.split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(prefix)).sort((a, b) => b.length - a.length);
}

/**
 * Stops a group's processes, unmounts anything left mounted in its folder, removes the
 * folder and the ledger entry. Safe to call twice.
 */
export async function stopProcesses(group: Pick<ProcessGroup, 'dir' | 'pids'>): Promise<void> {
  for (const pid of group.pids) if (isOurProcess(pid, group.dir)) await stopProcess(pid);
  for (const m of mountsUnder(group.dir)) await $({ nothrow: true, quiet: true })`umount ${m}`;
  await rm(group.dir, { recursive: true, force: true }).catch(() => undefined);
  await rm(entry(group.dir), { force: true });
}

/** Stops the recorded groups (of one session, or all: `stagecraft clean`; of one kind); returns how many. */
export async function stopRecordedProcesses(sessionId?: string, kind?: string): Promise<number> {
  let names: string[];
  try {
    names = (await readdir(ledger())).filter((n) => n.endsWith('.json'));
  } catch {
    return 0;
  }
  let stopped = 0;
  for (const name of names) {
    const file = path.join(ledger(), name);
    const g = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Partial<ProcessGroup>;
    if (typeof g.dir !== 'string' || !Array.isArray(g.pids)) { await rm(file, { force: true }); continue; }
    if (sessionId && g.sessionId !== sessionId) continue;
    if (kind && g.kind !== kind) continue;
    await stopProcesses({ dir: g.dir, pids: g.pids });
    stopped++;
  }
  return stopped;
}
