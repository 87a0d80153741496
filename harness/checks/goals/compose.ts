/**
 * Goals on a lab's compose file, measured with `docker compose` itself: what it says about
 * the file, and the project it starts from the images the harness built (health, HTTP,
 * the users its processes run as).
 */
import { composeFacts, composeRun, DEFAULT_COMPOSE_FILE, type ComposeRun } from '../compose-services.ts';
import { ComposeError, type ComposeContainer } from '../../run/compose.ts';
import { list } from '../format.ts';
import { goal, type Goal, type GoalOptions, type GoalOutcome } from '../goal.ts';
import type { LabContext } from '../lab-context.ts';
import { containerProcesses } from '../../run/processes.ts';
import { numericUserVerdict } from './process.ts';

export interface ComposeGoalOptions extends GoalOptions {
  /** The compose file, relative to the lab; default compose.yaml. */
  file?: string;
}

/** The started project, or the failed outcome saying why it could not be started. */
async function started(ctx: LabContext, file: string, expected: string): Promise<ComposeRun | GoalOutcome> {
  try {
    return await composeRun(ctx, file);
  } catch (e) {
    if (e instanceof ComposeError) return { pass: false, expected, measured: 'not started', message: e.message };
    throw e;
  }
}

/** Why a service's container is not there to measure, with what `up` said about it. */
function notRunning(run: ComposeRun, service: string, c: ComposeContainer | undefined): string {
  const state = c ? `${c.state}${c.state === 'exited' ? ` (exit code ${c.exitCode})` : ''}` : 'never created';
  return `${service} is not running (${state}).${run.up.ok ? '' : ` docker compose up --wait said: ${run.up.output}`}`;
}

/** `docker compose config` reads the file without a warning (an obsolete `version:` ...). */
export function composeConfigClean(opts: ComposeGoalOptions = {}): Goal {
  const file = opts.file ?? DEFAULT_COMPOSE_FILE;
  const expected = `${file} read by docker compose without warnings`;
  return goal({
    id: 'compose-file-current',
    title: `docker compose reads ${file} without warnings`,
    hint: 'Run `docker compose config` and fix what it warns about; the Compose Specification has no top-level `version:` key.',
    async check(ctx) {
      try {
        const { warnings } = await composeFacts(ctx, file);
        return { pass: warnings.length === 0, expected, measured: warnings.length ? `${warnings.length} warning${warnings.length > 1 ? 's' : ''}` : 'no warnings',
          // Compose names the file by its path in the harness's copy: keep only its name.
          message: warnings.length ? warnings.map((w) => w.replace(/^\/\S*\//, '')).join(' ') : undefined };
      } catch (e) {
        if (e instanceof ComposeError) return { pass: false, expected, measured: 'not readable', message: e.message };
        throw e;
      }
    },
  }, opts);
}

export interface ComposeProbe {
  service: string;
  /** The container port the service publishes. */
  port: number;
  path: string;
  status?: number;
  bodyIncludes?: string;
}

const probeText = (p: ComposeProbe): string => `GET ${p.service}:${p.port}${p.path} -> ${p.status ?? 200}${p.bodyIncludes ? ` with "${p.bodyIncludes}"` : ''}`;

/** Repeats a probe briefly: a service without a HEALTHCHECK counts as up once it runs, not once it listens. */
async function probe(run: ComposeRun, p: ComposeProbe, withinMs: number): Promise<{ ok: boolean; measured: string }> {
  const t0 = performance.now();
  let measured = 'no answer';
  for (;;) {
    try {
      const res = await run.project.http(p.service, p.port, p.path);
      const bodyOk = p.bodyIncludes === undefined || res.body.includes(p.bodyIncludes);
      measured = `${res.status}${bodyOk ? '' : `, body ${JSON.stringify(res.body.slice(0, 60))}`}`;
      if (res.status === (p.status ?? 200) && bodyOk) return { ok: true, measured };
    } catch (e) {
      measured = e instanceof Error ? e.message : String(e);
      if (/publishes no port|has no container/.test(measured)) return { ok: false, measured };
    }
    if (performance.now() - t0 > withinMs) return { ok: false, measured };
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * `docker compose up --wait` starts the project from the harness's images, and HTTP
 * requests to its published ports answer as the app should (the API through the frontend,
 * for example). Everything is removed with `docker compose down -v` when the check ends.
 */
export function composeServesHttp(probes: ComposeProbe[], opts: ComposeGoalOptions = {}): Goal {
  const file = opts.file ?? DEFAULT_COMPOSE_FILE;
  const expected = `docker compose up, then ${probes.map(probeText).join('; ')}`;
  return goal({
    id: 'compose-serves',
    title: `docker compose up starts the project and it answers ${list(probes.map((p) => `${p.path}`), 4)}`,
    hint: 'Run `docker compose up --build --wait` yourself and read `docker compose logs`; a service another calls must be reachable by its service name on the project network.',
    async check(ctx) {
      const run = await started(ctx, file, expected);
      if (!('project' in run)) return run;
      if (!run.up.ok) {
        return { pass: false, expected, measured: 'up --wait failed', message: `docker compose up --wait failed: ${run.up.output}` };
      }
      const results: string[] = [];
      for (const p of probes) {
        const r = await probe(run, p, 10_000);
        results.push(`${p.service}:${p.port}${p.path} -> ${r.measured}`);
        if (!r.ok) {
          const logs = await run.project.logs(p.service, 5).catch(() => '');
          return { pass: false, expected, measured: results.join('; '),
            message: `${probeText(p)} did not answer as expected.${logs ? ` ${p.service}'s last output: ${logs.split('\n').join(' | ')}` : ''}` };
        }
      }
      return { pass: true, expected, measured: results.join('; ') };
    },
  }, opts);
}

/** Every listed service's container reports `healthy` once `up --wait` returns. */
export function composeServicesHealthy(services: string[], opts: ComposeGoalOptions = {}): Goal {
  const file = opts.file ?? DEFAULT_COMPOSE_FILE;
  const expected = `${services.join(', ')} healthy`;
  return goal({
    id: 'services-healthy',
    title: `The ${services.join(' and ')} containers become healthy`,
    hint: 'Give each image a HEALTHCHECK that uses what the image has (`node healthcheck.js`; distroless has no curl and no shell), with a short --interval.',
    async check(ctx) {
      const run = await started(ctx, file, expected);
      if (!('project' in run)) return run;
      const containers = await run.project.containers();
      const states = services.map((s) => {
        const c = containers.find((x) => x.service === s);
        if (!c || c.state !== 'running') return { s, state: c?.state ?? 'no container', ok: false, why: notRunning(run, s, c) };
        const state = c.health ?? 'running, no HEALTHCHECK';
        const probe = c.lastProbe ? ` Its last probe: ${c.lastProbe}.` : '';
        const why = !c.health ? `${s} has no HEALTHCHECK, so nothing tells compose (or an orchestrator) that it really answers.`
          : c.health === 'healthy' ? ''
            : `${s} is ${c.health === 'starting' ? 'still starting: its HEALTHCHECK has not passed yet' : 'unhealthy: its HEALTHCHECK fails'} (does the image have the program the probe runs?).${probe}`;
        return { s, state, ok: c.health === 'healthy', why };
      });
      const bad = states.filter((x) => !x.ok);
      return { pass: bad.length === 0, expected, measured: states.map((x) => `${x.s}: ${x.state}`).join('; '),
        message: bad.length ? bad.map((x) => x.why).join(' ') : undefined };
    },
  }, opts);
}

/**
 * Every listed service's container runs as a numeric uid other than 0: the user it was
 * started as, and every process in it (`docker top`, so no `id` is needed in the image).
 */
export function composeRunsAsNumericNonRoot(services: string[], opts: ComposeGoalOptions = {}): Goal {
  const file = opts.file ?? DEFAULT_COMPOSE_FILE;
  const expected = `${services.join(', ')}: a numeric user other than 0, and every process running as it`;
  return goal({
    id: 'numeric-non-root',
    title: `The ${services.join(' and ')} containers run as a numeric, non-root user`,
    hint: 'Set `USER 65532:65532` in each final stage (the distroless `:nonroot` images use 65532), or another uid other than 0.',
    async check(ctx) {
      const run = await started(ctx, file, expected);
      if (!('project' in run)) return run;
      const containers = await run.project.containers();
      const verdicts = await Promise.all(services.map(async (s) => {
        const c = containers.find((x) => x.service === s);
        if (!c || c.state !== 'running') return { s, v: { pass: false, expected, measured: c?.state ?? 'no container', message: notRunning(run, s, c) } };
        return { s, v: numericUserVerdict(c.user, await containerProcesses(c.id)) };
      }));
      const bad = verdicts.filter((x) => !x.v.pass);
      return { pass: bad.length === 0, expected, measured: verdicts.map((x) => `${x.s}: ${x.v.measured}`).join('; '),
        message: bad.length ? bad.map((x) => `${x.s}: ${x.v.message ?? x.v.measured}`).join(' ') : undefined };
    },
  }, opts);
}
