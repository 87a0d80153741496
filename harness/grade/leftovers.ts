/**
 * What a grading run leaves when it is killed: containers, images and networks carrying
 * the grade label, and the isolated engines' processes in the ledger. The next run removes
 * exactly those; one run at a time per machine (a lock), so a live run is never touched.
 */
import { readFile, writeFile, rm, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { docker } from '../engine/docker.ts';
import { processAlive } from '../mirror/lock.ts';
import { GRADE_LABEL } from '../engine/labels.ts';
import { stopRecordedProcesses } from '../engine/processes.ts';
import { StagecraftError } from '../errors.ts';
import { stateDir } from '../paths.ts';
import { removeStaleHostGuards } from '../sandbox/host-guard.ts';

const lockFile = (): string => path.join(stateDir, 'grade.lock');

/** Takes the machine's grading lock; a lock whose process is gone is stale and taken over. */
export async function takeGradeLock(): Promise<() => Promise<void>> {
  await mkdir(stateDir, { recursive: true });
  const held = Number((await readFile(lockFile(), 'utf8').catch(() => '')).trim());
  if (held && held !== process.pid && processAlive(held)) {
    throw new StagecraftError('usage', `Another grading run (process ${held}) is using this machine's engine.`,
      'Wait for it to finish, or stop it (Ctrl-C); then run the same command again: it continues where it stopped.');
  }
  await writeFile(lockFile(), String(process.pid));
  return async () => { await rm(lockFile(), { force: true }); };
}

/** Removes every grading leftover; returns how many engine objects went. */
export async function removeGradeLeftovers(): Promise<number> {
  const api = docker();
  const label = [GRADE_LABEL];
  let removed = 0;
  // Processes first: a killed run's engine may still be building into the shared image store.
  await stopRecordedProcesses(undefined, 'isolated-engine');
  for (const c of await api.listContainers({ all: true, filters: { label } })) {
    await api.getContainer(c.Id).remove({ force: true, v: true }).then(() => removed++, () => undefined);
  }
  for (const img of await api.listImages({ filters: { label } })) {
    const refs = img.RepoTags?.filter((t) => t !== '<none>:<none>') ?? [];
    for (const ref of refs.length ? refs : [img.Id]) await api.getImage(ref).remove({ force: true }).then(() => removed++, () => undefined);
  }
  for (const n of await api.listNetworks({ filters: { label } })) {
    await api.getNetwork(n.Id).remove().then(() => removed++, () => undefined);
  }
  for (const v of (await api.listVolumes({ filters: { label } })).Volumes ?? []) {
    await api.getVolume(v.Name).remove().then(() => removed++, () => undefined);
  }
  await removeStaleHostGuards();
  return removed;
}
