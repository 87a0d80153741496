/**
 * The learner's progress: a small JSON file in the repository's git-ignored state folder
 * (`.stagecraft/progress.json`). It says which labs passed and when, and keeps the last
 * verdict of each lab (goals met, image size) for `list` and the course site's progress page.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { stateDir } from '../paths.ts';

/** What the last check of a lab measured. */
export interface LastVerdict {
  /** ISO time the check ended. */
  at: string;
  /** Every goal met. */
  passed: boolean;
  goalsMet: number;
  goalsTotal: number;
  /** Ids of the goals not met (failed or not measurable). */
  failed: string[];
  /** The built image's size (uncompressed, one platform), when it was read. */
  imageSize?: number;
  /** Whether the image built at all. */
  built: boolean;
  /** Hash of the lab's files as checked (see fingerprint.ts): a later edit makes the verdict stale. */
  fingerprint?: string;
}

export interface LabProgress {
  /** When the lab first passed (every goal met). */
  firstPassedAt?: string;
  /** When it last passed. */
  lastPassedAt?: string;
  last?: LastVerdict;
  /** Size of the starter's image, measured when the lab was checked unchanged. */
  starterSize?: number;
  /** How many of the lesson's hints the learner has asked for. */
  hintsShown?: number;
}

export interface Progress {
  version: 1;
  labs: Record<string, LabProgress>;
}

/** The progress file; STAGECRAFT_PROGRESS_FILE moves it (tests, benchmarks). */
export function progressFile(): string {
  return process.env.STAGECRAFT_PROGRESS_FILE ?? path.join(stateDir, 'progress.json');
}

export function emptyProgress(): Progress {
  return { version: 1, labs: {} };
}

/** Reads the progress file; a missing or unreadable one is an empty progress (never an error). */
export function loadProgress(file = progressFile()): Progress {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<Progress>;
    if (data.version !== 1 || typeof data.labs !== 'object' || data.labs === null) return emptyProgress();
    return { version: 1, labs: data.labs };
  } catch {
    return emptyProgress();
  }
}

/** Writes the whole file atomically: a temp file in the same folder, then a rename. */
export function saveProgress(progress: Progress, file = progressFile()): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(progress, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Read, change one lab's record, write: the one way the harness updates progress. */
export function updateLab(slug: string, change: (lab: LabProgress) => void, file = progressFile()): LabProgress {
  const progress = loadProgress(file);
  const lab = progress.labs[slug] ?? {};
  change(lab);
  progress.labs[slug] = lab;
  saveProgress(progress, file);
  return lab;
}

/**
 * A lab is done only while it still passes: its last check met every goal, and its files
 * are the ones that check saw (`fingerprint`, when the caller knows the current one).
 */
export function labDone(lab: LabProgress | undefined, fingerprint?: string): boolean {
  if (!lab?.last?.passed) return false;
  if (fingerprint !== undefined && lab.last.fingerprint !== undefined) return lab.last.fingerprint === fingerprint;
  return true;
}
