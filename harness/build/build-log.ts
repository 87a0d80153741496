/** What the plain BuildKit progress log says about one step (a vertex). */
export interface BuildStep {
  /** `#7` in the log. */
  id: number;
  /** e.g. `[build 3/5] RUN npm ci` */
  name: string;
  cached: boolean;
  done: boolean;
  error: string | undefined;
  /** The step's own output lines (RUN output), capped. */
  output: string[];
  /** When the log introduced the step (`performance.now()` as the line arrived). */
  seenAt: number;
  /** When it ended (DONE, CACHED or ERROR arrived); undefined while it runs. */
  endedAt: number | undefined;
  /** BuildKit's own duration from `DONE 1.2s`, in ms. */
  durationMs: number | undefined;
}

const MAX_STEP_LINES = 200;

/**
 * Reads `--progress=plain` output into steps. BuildKit prints `#N name` when a step
 * starts, then `#N CACHED`, `#N DONE 1.2s` or `#N ERROR: ...`, with output lines in between.
 */
export class BuildLog {
  readonly steps = new Map<number, BuildStep>();
  /** Bytes BuildKit reported sending as the build context. */
  contextBytes: number | undefined;
  /** The final `ERROR: failed to solve: ...` line, if any. */
  solveError: string | undefined;
  private text = '';
  private readonly maxBytes: number;
  private dropped = 0;
  private partial = '';

  private readonly clock: () => number;

  /** `clock` stamps steps as their lines arrive (tests pass their own). */
  constructor(maxBytes = 1024 * 1024, clock: () => number = () => performance.now()) {
    this.maxBytes = maxBytes;
    this.clock = clock;
  }

  /** Feeds a chunk of output; returns the complete lines it contained. */
  push(chunk: string): string[] {
    const data = this.partial + chunk;
    const lines = data.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
    return lines;
  }

  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  /** The whole log, with the middle dropped past the cap. */
  toString(): string {
    return this.dropped ? `${this.text}\n[... ${this.dropped} bytes of build output not kept ...]` : this.text;
  }

  /** Steps in the order the log introduced them. */
  ordered(): BuildStep[] {
    return [...this.steps.values()].sort((a, b) => a.id - b.id);
  }

  failedStep(): BuildStep | undefined {
    return this.ordered().find((s) => s.error !== undefined);
  }

  private line(line: string): void {
    if (this.text.length + line.length < this.maxBytes) this.text += `${line}\n`;
    else this.dropped += line.length + 1;

    const solve = /^ERROR: (.*)$/.exec(line);
    if (solve) { this.solveError = solve[1]; return; }
    const m = /^#(\d+) (.*)$/.exec(line);
    if (!m) return;
    const id = Number(m[1]);
    const rest = m[2] ?? '';
    let step = this.steps.get(id);
    // Arrival times let goals compare when steps of concurrent builds ran.
    const now = this.clock();
    if (!step) {
      step = { id, name: rest, cached: false, done: false, error: undefined, output: [], seenAt: now, endedAt: undefined, durationMs: undefined };
      this.steps.set(id, step);
      return;
    }
    if (rest === 'CACHED') { step.cached = true; step.endedAt = now; }
    else if (rest.startsWith('DONE')) {
      step.done = true;
      step.endedAt = now;
      const took = /^DONE ([\d.]+)s/.exec(rest);
      if (took) step.durationMs = Number(took[1]) * 1000;
    }
    else if (rest.startsWith('ERROR:') || rest.startsWith('ERROR ')) { step.error = rest.replace(/^ERROR:?\s*/, ''); step.endedAt = now; }
    else {
      const ctx = /^transferring context: ([\d.]+)([kMG]?B)/.exec(rest);
      if (ctx && step.name.includes('load build context')) this.contextBytes = toBytes(Number(ctx[1]), ctx[2] ?? 'B');
      // Output lines look like `#7 0.512 text`; keep the text.
      const out = /^\d+\.\d+ (.*)$/.exec(rest);
      if (out && step.output.length < MAX_STEP_LINES) step.output.push(out[1] ?? '');
    }
  }
}

function toBytes(n: number, unit: string): number {
  const mult: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 };
  return Math.round(n * (mult[unit] ?? 1));
}
