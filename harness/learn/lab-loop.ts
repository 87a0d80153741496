/**
 * The watch loop of one lab: check it, then check it again on every save of a file in it.
 * A save while a check runs cancels the stale check (its cleanup still runs) and starts a
 * new one. The verdict is drawn the moment it is known, before the check's cleanup.
 * `npx stagecraft` (watch mode) drives it with keys; the benchmark drives it with saves.
 */
import path from 'node:path';
import { checkLab, type LabReport } from '../checks/check-lab.ts';
import type { Lesson } from '../course/lesson.ts';
import { isStagecraftError, StagecraftError } from '../errors.ts';
import { labFingerprint } from './fingerprint.ts';
import { hintsSoFar } from './hints.ts';
import { startRecording } from './record.ts';
import { Screen, stepViews, terminalSink, type ScreenModel, type ScreenSink } from './screen.ts';
import { watchFolder, type FolderWatcher } from './watcher.ts';

export interface VerdictShown {
  report: LabReport;
  /** What started the check: "Dockerfile saved", "Enter pressed". */
  cause: string;
  /** When the save that started it was seen (performance.now()), for saves. */
  savedAt: number | undefined;
  /** When the verdict was drawn (performance.now()). */
  shownAt: number;
}

export interface LabLoopOptions {
  /** The folder to watch and check; default the lab in `labs/`. */
  dir?: string;
  /** Where the screen is drawn; default the terminal. */
  sink?: ScreenSink;
  debounceMs?: number;
  /** Record verdicts in the progress file (only checks of the lab folder itself are). Default true. */
  record?: boolean;
  /** The lab after this one, named when this one passes. */
  next?: { number: string; title: string };
  onVerdictShown?: (e: VerdictShown) => void;
  /** A check that could not run (no engine, no Dockerfile, a base image missing). */
  onCheckError?: (e: StagecraftError) => void;
}

interface RunningCheck {
  abort: AbortController;
  fingerprint: string | undefined;
}

export class LabLoop {
  readonly lesson: Lesson;
  readonly dir: string;
  readonly model: ScreenModel;
  readonly screen: Screen;
  private readonly opts: LabLoopOptions;
  private watcher: FolderWatcher | undefined;
  private current: RunningCheck | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  /**
   * Removals of earlier checks' images, held until a later check has built (see
   * `BuildLabOptions.holdImages`): its unchanged layers are then still unpacked in the engine.
   */
  private held: (() => Promise<void>)[] = [];
  private ticker: NodeJS.Timeout | undefined;
  /** Fingerprint of the files the last check (running or finished) saw. */
  private checkedFingerprint: string | undefined;
  private paused = false;
  private savedWhilePaused: string | undefined;
  private stopped = false;

  constructor(lesson: Lesson, opts: LabLoopOptions = {}) {
    this.lesson = lesson;
    this.opts = opts;
    this.dir = path.resolve(opts.dir ?? lesson.labDir);
    const shown = path.relative(process.cwd(), this.dir) || '.';
    this.model = {
      lab: { number: lesson.number, slug: lesson.slug, title: lesson.title },
      dir: shown.startsWith('..') ? this.dir : shown,
      watchFailure: undefined,
      check: { phase: 'waiting' },
      hints: hintsSoFar(lesson),
      next: opts.next,
      panel: [],
      prompt: undefined,
    };
    this.screen = new Screen(opts.sink ?? terminalSink(), () => this.model);
  }

  /** Starts watching; checks first unless told not to. */
  start(opts: { checkFirst?: boolean } = {}): void {
    this.watcher = watchFolder(this.dir, (files) => this.saved(files), {
      debounceMs: this.opts.debounceMs,
      onFailure: (why) => { this.model.watchFailure = why; this.screen.draw(); },
    });
    this.model.watchFailure = this.watcher.failure;
    this.screen.clear();
    if (opts.checkFirst ?? true) this.checkNow('the first check');
    else this.screen.draw();
  }

  get checking(): boolean {
    return this.current !== undefined;
  }

  /** Checks now, cancelling a running check (Enter, a reset, the first check). */
  checkNow(cause: string, savedAt?: number): void {
    if (this.stopped) return;
    void this.runCheck(cause, savedAt, undefined);
  }

  /** While paused (check-all, a reset) saves only set a flag; `resume` checks if any came. */
  pause(): void {
    this.paused = true;
    this.cancel();
  }

  resume(opts: { check?: string } = {}): void {
    this.paused = false;
    const cause = opts.check ?? this.savedWhilePaused;
    this.savedWhilePaused = undefined;
    if (cause) this.checkNow(cause);
  }

  /** Cancels the running check, if any (its cleanup goes on in the background). */
  cancel(): void {
    this.current?.abort.abort();
    this.current = undefined;
    this.stopTicker();
  }

  /** Stops watching and checking, and waits until every check has cleaned up. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    this.cancel();
    this.screen.dispose();
    await Promise.allSettled([...this.inflight]);
    this.removeHeld();
    await Promise.allSettled([...this.inflight]);
  }

  /** Resolves when every check started so far has cleaned up. */
  async settled(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  private saved(files: string[]): void {
    if (this.stopped) return;
    const savedAt = performance.now();
    const cause = `${files.length === 1 ? files[0] : `${files.length} files`} saved`;
    if (this.paused) { this.savedWhilePaused = cause; return; }
    void this.runCheck(cause, savedAt, files);
  }

  private async runCheck(cause: string, savedAt: number | undefined, files: string[] | undefined): Promise<void> {
    const fingerprint = await labFingerprint(this.dir);
    // A save that changed nothing (`:w` twice, a folder made) needs no new check, unless
    // the last one could not run.
    if (files && fingerprint !== undefined && fingerprint === this.checkedFingerprint && this.model.check.phase !== 'error') return;
    if (this.stopped || (this.paused && files)) return;
    this.current?.abort.abort();
    const run: RunningCheck = { abort: new AbortController(), fingerprint };
    this.current = run;
    this.checkedFingerprint = fingerprint;
    const stale = (): boolean => this.current !== run;

    const view = { phase: 'running' as const, cause, startedAt: performance.now(), steps: [] as ReturnType<typeof stepViews>, activity: 'preparing the build', verdicts: [] as LabReport['verdicts'] };
    this.model.check = view;
    this.startTicker();
    this.screen.draw();

    const recorder = this.opts.record === false ? Promise.resolve(undefined) : startRecording(this.lesson, this.dir).catch(() => undefined);
    const check = checkLab(this.lesson, {
      dir: this.dir,
      signal: run.abort.signal,
      holdImages: (remove) => { this.held.push(remove); if (this.stopped) this.removeHeld(); },
      onProgress: (line) => { if (!stale()) { view.activity = line; this.screen.update(); } },
      onBuildLine: (_line, log) => { if (!stale()) { view.steps = stepViews(log); this.screen.update(); } },
      onVerdict: (v) => { if (!stale()) { view.verdicts.push(v); this.screen.update(); } },
      onReport: (report) => {
        if (stale()) return;
        this.current = undefined;
        this.stopTicker();
        this.model.check = { phase: 'done', cause, report };
        this.screen.draw();
        const shownAt = performance.now();
        void recorder.then((r) => r?.record(report)).catch(() => undefined);
        this.opts.onVerdictShown?.({ report, cause, savedAt, shownAt });
        // This check has built: what earlier ones held can go now.
        this.removeHeld();
      },
    });
    this.inflight.add(check);
    try {
      await check;
    } catch (e) {
      if (run.abort.signal.aborted || stale()) return;
      this.current = undefined;
      this.stopTicker();
      const err = isStagecraftError(e) ? e : new StagecraftError('usage', `The check stopped unexpectedly: ${e instanceof Error ? e.message : String(e)}`,
        'Save a file or press Enter to try again; if it keeps happening, run `npx stagecraft doctor`.');
      this.model.check = { phase: 'error', cause, error: err };
      this.screen.draw();
      this.opts.onCheckError?.(err);
      this.removeHeld();
    } finally {
      this.inflight.delete(check);
    }
  }

  /** Starts the held removals (each check's own joins them when it ends); `settled` and `stop` wait for them. */
  private removeHeld(): void {
    for (const remove of this.held.splice(0)) {
      const removal = remove();
      this.inflight.add(removal);
      void removal.finally(() => this.inflight.delete(removal));
    }
  }

  private startTicker(): void {
    this.stopTicker();
    // The elapsed time and spinner move even while BuildKit prints nothing.
    this.ticker = setInterval(() => this.screen.update(), 250);
    this.ticker.unref();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }
}

/** The loop for one lab, started: what the benchmark and tests call. */
export function watchLab(lesson: Lesson, opts: LabLoopOptions = {}): LabLoop {
  const loop = new LabLoop(lesson, opts);
  loop.start();
  return loop;
}
