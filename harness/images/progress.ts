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
 * priority order (lower first), so the image the course needs first is built first.
 */
export class Limiter {
  private running = 0;
  private readonly queue: { priority: number; seq: number; start: () => void }[] = [];
  private seq = 0;

  constructor(private readonly slots: number) {}

  async run<T>(priority: number, job: () => Promise<T>): Promise<T> {
    if (this.running >= this.slots) {
      await new Promise<void>((start) => {
        this.queue.push({ priority, seq: this.seq++, start });
        this.queue.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      });
    } else {
      this.running++;
    }
    try {
      return await job();
    } finally {
      const next = this.queue.shift();
      if (next) next.start();
      else this.running--;
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
