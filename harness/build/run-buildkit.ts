import { $ } from 'zx';
import { BuildLog } from './build-log.ts';

export interface BuildkitRun {
  exitCode: number | null;
  timedOut: boolean;
  log: BuildLog;
  durationMs: number;
}

export interface BuildkitRunOptions {
  /** `build` or `bake`. */
  verb: 'build' | 'bake';
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal?: AbortSignal;
  onLine?: (line: string, log: BuildLog) => void;
  /** The most of the log kept (default: BuildLog's 1 MiB). */
  logBytes?: number;
}

/**
 * Runs `docker buildx <verb>` with a wall-clock limit and cancellation, feeding BuildKit's
 * plain progress output into a BuildLog line by line.
 */
export async function runBuildkit(opts: BuildkitRunOptions): Promise<BuildkitRun> {
  const log = new BuildLog(opts.logBytes);
  const started = performance.now();
  const env = { ...(opts.env ?? process.env), BUILDKIT_PROGRESS: 'plain', NO_COLOR: '1' };
  const proc = $({ nothrow: true, quiet: true, env, ...(opts.cwd ? { cwd: opts.cwd } : {}) })`docker buildx ${opts.verb} ${opts.args}`;
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; void proc.kill('SIGTERM'); }, opts.timeoutMs);
  const onAbort = (): void => { void proc.kill('SIGTERM'); };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  proc.stderr.on('data', (chunk: Buffer) => {
    for (const line of log.push(chunk.toString('utf8'))) opts.onLine?.(line, log);
  });
  const result = await proc;
  clearTimeout(timer);
  opts.signal?.removeEventListener('abort', onAbort);
  log.end();
  return { exitCode: result.exitCode, timedOut, log, durationMs: performance.now() - started };
}
