import path from 'node:path';
import { stateSubdir } from '../paths.ts';

/** Where the mirror keeps its files, all under `.stagecraft/mirror/`. */
export interface MirrorPaths {
  dir: string;
  /** verdaccio's package storage: cached packuments and tarballs. */
  storage: string;
  /** The verdaccio config the daemon was started with (JSON, which is valid YAML). */
  config: string;
  /** The pid file: the running daemon's pid, port and addresses (JSON). */
  daemon: string;
  log: string;
  /** Held while one process starts the daemon. */
  startLock: string;
  /** Mirror variants of base images, and bases without npm (see derived-state.ts). */
  derived: string;
  /** Held while one process derives mirror variants of base images. */
  deriveLock: string;
}

export function mirrorPaths(): MirrorPaths {
  const dir = stateSubdir('mirror');
  return {
    dir,
    storage: path.join(dir, 'storage'),
    config: path.join(dir, 'config.yaml'),
    daemon: path.join(dir, 'daemon.json'),
    log: path.join(dir, 'verdaccio.log'),
    startLock: path.join(dir, 'start.lock'),
    derived: path.join(dir, 'derived.json'),
    deriveLock: path.join(dir, 'derive.lock'),
  };
}
