/**
 * Progress for long image builds: one line when a step starts and one when it ends, each
 * stamped with seconds since the run began. Plain lines only (no spinners, no cursor
 * movement), so CI logs read the same as a terminal.
 */
export class Progress {
  readonly started = Date.now();
  constructor(private readonly sink: (line: string) => void = () => {}) {}

  elapsed(): number {
    return (Date.now() - this.started) / 1000;
  }

  line(text: string): void {
    this.sink(`[${this.elapsed().toFixed(1).padStart(6)}s] ${text}`);
  }

  /** Runs `work` as a named step, reporting its start, its end and how long it took. */
  async step<T>(label: string, work: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    this.line(`${label} ...`);
    try {
      const result = await work();
      this.line(`${label}: done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      return result;
    } catch (e) {
      this.line(`${label}: FAILED after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      throw e;
    }
  }
}

/**
 * Runs at most `slots` heavy jobs (mmdebstrap, buildx) at once; waiting jobs start in
 * priority order (lower first). The first jobs wait `settleMs` for the others to queue, so
 * the order is decided by priority rather than by which image asked first.
 */
export class Limiter {
  private running = 0;
  private settled: boolean;
  private readonly queue: { priority: number; seq: number; start: () => void }[] = [];
  private seq = 0;

  constructor(
    private readonly slots: number,
    private readonly settleMs = 0,
  ) {
    this.settled = settleMs <= 0;
  }

  private dispatch(): void {
    while (this.settled && this.running < this.slots && this.queue.length) {
      this.running++;
      this.queue.shift()?.start();
    }
  }

  async run<T>(priority: number, job: () => Promise<T>): Promise<T> {
    if (!this.settled && this.queue.length === 0 && this.running === 0) {
      setTimeout(() => {
        this.settled = true;
        this.dispatch();
      }, this.settleMs);
    }
    await new Promise<void>((start) => {
      this.queue.push({ priority, seq: this.seq++, start });
      this.queue.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      this.dispatch();
    });
    try {
      return await job();
    } finally {
      this.running--;
      this.dispatch();
    }
  }
}

/** Memoises async work by key, so an artefact two images share is produced once. */
export class Once {
  private readonly jobs = new Map<string, Promise<unknown>>();

  get<T>(key: string, produce: () => Promise<T>): Promise<T> {
    let job = this.jobs.get(key) as Promise<T> | undefined;
    if (!job) {
      job = produce();
      this.jobs.set(key, job);
    }
    return job;
  }
}
