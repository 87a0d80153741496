/**
 * Watches a lab folder and reports saves of the learner's files, debounced (an editor's
 * save is often several events: a temp file, a rename, a chmod). Editor temp files and
 * backups are ignored. Where the file system cannot be watched (some network or container
 * mounts), `failure` says why and the caller falls back to a key press.
 */
import { watch, type FSWatcher } from 'node:fs';
import { isIgnoredLabPath } from './ignored-files.ts';

export interface FolderWatcher {
  /** Undefined while watching works; why it does not otherwise. */
  readonly failure: string | undefined;
  close(): void;
}

export interface WatchFolderOptions {
  /** Quiet time after the last event before reporting (ms). */
  debounceMs?: number;
  /** Called when watching stops working after it started. */
  onFailure?: (reason: string) => void;
}

export function watchFolder(dir: string, onSave: (files: string[]) => void, opts: WatchFolderOptions = {}): FolderWatcher {
  // An editor's save is a burst of events a few milliseconds long: 50 ms of quiet ends it, and
  // a later write (a formatter's) only starts the check again (the loop cancels the stale one).
  const debounceMs = opts.debounceMs ?? 50;
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let fsw: FSWatcher | undefined;
  let failure: string | undefined;

  const flush = (): void => {
    timer = undefined;
    const files = [...pending].sort();
    pending.clear();
    if (files.length) onSave(files);
  };
  const fail = (e: unknown): void => {
    failure = e instanceof Error ? e.message : String(e);
    fsw?.close();
    fsw = undefined;
    opts.onFailure?.(failure);
  };

  try {
    fsw = watch(dir, { recursive: true, persistent: true }, (_event, filename) => {
      // Some platforms give no name; then any change counts.
      const rel = filename === null ? '.' : filename.toString();
      if (rel !== '.' && isIgnoredLabPath(rel)) return;
      pending.add(rel);
      if (timer) clearTimeout(timer);
      timer = setTimeout(flush, debounceMs);
    });
    fsw.on('error', fail);
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
  }

  return {
    get failure() { return failure; },
    close() {
      if (timer) clearTimeout(timer);
      fsw?.close();
      fsw = undefined;
    },
  };
}
