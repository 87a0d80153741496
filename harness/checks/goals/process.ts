import { goal, type Goal, type GoalOptions, type GoalOutcome } from '../goal.ts';
import { seconds } from '../format.ts';
import { RunningApp } from '../../run/container.ts';
import { containerProcesses, type ContainerProcess } from '../../run/processes.ts';
import { startedApp } from './app-start.ts';

/** `USER 65532:65532` split; `numeric` when the user part is a number (no passwd lookup). */
export interface UserSpec {
  user: string;
  group: string | undefined;
  numeric: boolean;
  uid: number | undefined;
}

export function parseUserSpec(configUser: string): UserSpec {
  const [user = '', group] = configUser.split(':');
  const numeric = /^\d+$/.test(user);
  return { user, group, numeric, uid: numeric ? Number(user) : undefined };
}

const NUMERIC_EXPECTED = 'USER set to a number other than 0, and every process running as that uid';

/**
 * Judges the configured user against the processes really running. A numeric uid is what
 * Kubernetes' `runAsNonRoot` can verify and what works with no /etc/passwd (scratch);
 * the processes show it is not undone by an entrypoint that switches user.
 */
export function numericUserVerdict(configUser: string, procs: ContainerProcess[]): GoalOutcome {
  const spec = parseUserSpec(configUser);
  const init = procs.find((p) => p.init) ?? procs[0];
  const running = init ? `PID 1 runs as uid ${init.uid}` : 'no process found';
  const others = procs.filter((p) => p.uid !== spec.uid);
  const base = { expected: NUMERIC_EXPECTED };
  if (!spec.user) {
    return { ...base, pass: false, measured: `no USER (root); ${running}`,
      message: 'The image sets no USER, so the app runs as root: a bug in it, or in a library it uses, then acts with root\'s rights in the container.' };
  }
  if (!spec.numeric) {
    return { ...base, pass: false, measured: `USER ${configUser}; ${running}`,
      message: `USER ${spec.user} is a name: the engine looks it up in the image's /etc/passwd when the container starts, and Kubernetes' runAsNonRoot cannot tell from the image that it is not root. Give the uid as a number.` };
  }
  if (spec.uid === 0) {
    return { ...base, pass: false, measured: `USER ${configUser} (root); ${running}`, message: 'uid 0 is root, whatever the name.' };
  }
  if (!init) return { ...base, pass: false, measured: `USER ${configUser}; no process found`, message: 'The container had no running process to look at.' };
  if (others.length) {
    const first = others[0];
    return { ...base, pass: false, measured: `USER ${configUser}; ${running}`,
      message: `\`${first?.args ?? ''}\` runs as uid ${first?.uid ?? '?'}, not ${spec.uid}: something in the image switches user.` };
  }
  return { ...base, pass: true, measured: `USER ${configUser}; ${running}${procs.length > 1 ? ` (all ${procs.length} processes)` : ''}` };
}

/**
 * The image names a numeric, non-root user, and the running container's processes (as the
 * engine lists them, `docker top`: no shell or `id` needed in the image) really run as it.
 */
export function runsAsNumericNonRoot(opts: GoalOptions = {}): Goal {
  return goal({
    id: 'numeric-non-root',
    title: 'The app runs as a numeric, non-root user',
    hint: 'Set `USER 65532:65532` (or another uid other than 0) in the final stage; the distroless `:nonroot` images and `nonroot` in their /etc/passwd use 65532.',
    async check(ctx) {
      const app = await startedApp(ctx, NUMERIC_EXPECTED);
      if (!(app instanceof RunningApp)) return app;
      // A container that has exited has no processes: the verdict then says so.
      const [facts, procs] = await Promise.all([ctx.facts(), containerProcesses(app.id).catch((): ContainerProcess[] => [])]);
      return numericUserVerdict(facts.config.user, procs);
    },
  }, opts);
}

export interface StopMeasurement {
  durationMs: number;
  exitCode: number | undefined;
  /** How long `docker stop` waited before SIGKILL. */
  graceMs: number;
  /** What PID 1 was, when the stop began. */
  init: string | undefined;
}

/** `/bin/sh -c ...`, `sh -c ...`, `/bin/bash -c ...`: a shell started to run a command line. */
const SHELL_INIT = /^(\S*\/)?(sh|bash|dash|ash)\s+-c\b/;

/** Exit code 137 is 128 + SIGKILL: the grace period ran out and the engine killed it. */
const KILLED = 137;

export function stopVerdict(m: StopMeasurement, withinMs: number): GoalOutcome {
  const expected = `exits within ${seconds(withinMs)} of \`docker stop\``;
  const killed = m.exitCode === KILLED;
  const measured = `${killed ? 'killed' : 'exited'} after ${seconds(m.durationMs)} (exit code ${m.exitCode ?? 'unknown'})`;
  if (!killed && m.durationMs <= withinMs) return { pass: true, expected, measured };
  const who = m.init ? ` PID 1 was \`${m.init}\`.` : '';
  // Which of the two usual causes it is: a shell in front of the app, or an app that
  // ignores SIGTERM (as PID 1, a process without a handler is not ended by it).
  const why = m.init && SHELL_INIT.test(m.init)
    ? ' A shell (shell-form CMD or ENTRYPOINT) does not pass SIGTERM on to the app: start the app in exec form so that it is PID 1.'
    : ' As PID 1, a process that installs no SIGTERM handler is not ended by SIGTERM: handle it in the app (close the server, exit), or run under an init such as `docker run --init`.';
  return { pass: false, expected, measured,
    message: killed
      ? `docker stop sent SIGTERM to PID 1, nothing exited, and after ${seconds(m.graceMs)} the engine killed it with SIGKILL.${who}${why}`
      : `The app took ${seconds(m.durationMs)} to exit after SIGTERM.${who}` };
}

/**
 * `docker stop` ends the container promptly: SIGTERM reaches the app and it exits, long
 * before the grace period after which the engine sends SIGKILL. Measured on a container of
 * its own (started like the lesson's), so the shared one stays up for other goals.
 */
export function stopsPromptly(withinMs = 3000, opts: GoalOptions & { graceSeconds?: number } = {}): Goal {
  const graceSeconds = opts.graceSeconds ?? 10; // docker stop's default
  const expected = `exits within ${seconds(withinMs)} of \`docker stop\``;
  return goal({
    id: 'stops-promptly',
    title: `docker stop ends the container within ${seconds(withinMs)}`,
    hint: 'Start the app in exec form (CMD ["node", "server.js"]), so it is PID 1 and gets SIGTERM itself, and let it exit on SIGTERM.',
    async check(ctx) {
      const app = await startedApp(ctx, expected, 'stop-probe');
      if (!(app instanceof RunningApp)) return app;
      const procs = await containerProcesses(app.id).catch((): ContainerProcess[] => []);
      // A container that already exited would "stop" at once: that is no pass.
      if (!procs.length) return { pass: false, expected, measured: 'not running', message: `The container had exited before docker stop was sent. ${await app.logs(5)}` };
      const init = procs.find((p) => p.init)?.args;
      const r = await app.stop(graceSeconds);
      return stopVerdict({ ...r, graceMs: graceSeconds * 1000, init }, withinMs);
    },
  }, opts);
}
