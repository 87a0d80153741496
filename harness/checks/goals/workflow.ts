/**
 * Goals on the lab's GitHub Actions workflows (`.github/workflows/*.yml`). A workflow runs
 * on GitHub, not here, so these goals read the file: parsed as YAML, then its jobs and
 * steps (see harness/ci/github-workflow.ts). That is text structure, by necessity; the
 * build those steps run is measured by the pipeline goals.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { bakeDefinition } from '../../build/bake.ts';
import {
  ghaCacheEntries, loginMethod, parseWorkflow, pushes, runsTests, upstreamJobs,
  type Workflow, type WorkflowStep,
} from '../../ci/github-workflow.ts';
import { list } from '../format.ts';
import { goal, type Goal, type GoalOptions, type GoalOutcome } from '../goal.ts';
import type { LabContext } from '../lab-context.ts';

export const WORKFLOW_DIR = '.github/workflows';

/**
 * The oldest major of each action a current workflow may use. All of these run on Node.js
 * 24; their previous majors run on Node.js 20, which reached end of life in April 2026 and
 * which GitHub's runners stopped defaulting to in June 2026. Checked November 2026 against
 * the actions' release notes: actions/checkout v5.0.0 ("use node 24", v6.0.0 current);
 * docker/setup-buildx-action v4.0.0 ("Node 24 as default runtime", March 2026);
 * docker/build-push-action v7.0.0 (March 2026, v7.4.0 by August); docker/login-action v4
 * (March 2026, v4.6.0 by August); docker/bake-action v7.0.0 (March 2026: `workdir` folded
 * into `source`); docker/metadata-action v6 (with the others, spring 2026).
 */
export const MINIMUM_ACTION_MAJORS: Record<string, number> = {
  'actions/checkout': 5,
  'docker/setup-buildx-action': 4,
  'docker/build-push-action': 7,
  'docker/login-action': 4,
  'docker/bake-action': 7,
  'docker/metadata-action': 6,
};

/** The lab's workflow files, parsed; one read per check. */
export function workflows(ctx: LabContext): Promise<Workflow[]> {
  return ctx.shared('github-workflows', async () => {
    const dir = path.join(ctx.contextDir, WORKFLOW_DIR);
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /\.ya?ml$/.test(n)).sort();
    return Promise.all(names.map(async (n) => parseWorkflow(`${WORKFLOW_DIR}/${n}`, await readFile(path.join(dir, n), 'utf8'))));
  });
}

/** The parsed workflows, or the outcome saying there is none or one does not parse. */
async function usable(ctx: LabContext, expected: string): Promise<Workflow[] | GoalOutcome> {
  const all = await workflows(ctx);
  if (!all.length) return { pass: false, expected, measured: 'no workflow', message: `There is no workflow file in ${WORKFLOW_DIR}/.` };
  const broken = all.find((w) => w.problems.length);
  const first = broken?.problems[0];
  if (broken && first) return { pass: false, expected, measured: 'not a valid workflow', message: `${broken.file}${first.line ? ` line ${first.line}` : ''}: ${first.message}.` };
  return all;
}

const steps = (all: Workflow[]): WorkflowStep[] => all.flatMap((w) => w.jobs.flatMap((j) => j.steps));
const at = (s: WorkflowStep): string => `job ${s.job}, step "${s.label}"`;

/** Targets `docker buildx bake` builds with none named (what bake-action builds without `targets:`). */
async function defaultTargets(ctx: LabContext): Promise<string[]> {
  return ctx.shared('bake-default-targets', () => bakeDefinition({ cwd: ctx.contextDir }).then((d) => Object.keys(d.target), () => []));
}

/** Every workflow file parses as YAML and has the shape of a workflow: `on`, jobs, steps. */
export function workflowValid(opts: GoalOptions = {}): Goal {
  const expected = `valid workflow files in ${WORKFLOW_DIR}/`;
  return goal({
    id: 'workflow-valid',
    title: 'The GitHub Actions workflow is valid YAML with jobs and steps',
    hint: 'YAML is indented with spaces, never tabs; each job needs `runs-on:` and a list of `steps:`, each with `uses:` or `run:`.',
    async check(ctx) {
      const all = await usable(ctx, expected);
      if (!Array.isArray(all)) return all;
      const n = steps(all).length;
      return { pass: true, expected, measured: `${all.length} file${all.length > 1 ? 's' : ''}, ${n} step${n === 1 ? '' : 's'}` };
    },
  }, opts);
}

export interface TestsBeforePushSpec extends GoalOptions {
  /** The bake target (or Dockerfile stage) that runs the tests. */
  testTarget: string;
}

/** Every step that pushes an image runs after a step that ran the tests, in its job or a job it needs. */
export function workflowTestsBeforePush(spec: TestsBeforePushSpec): Goal {
  const expected = 'every push after the tests passed';
  return goal({
    id: 'workflow-tests-before-push',
    title: 'The workflow pushes an image only after the tests passed',
    hint: `Build the \`${spec.testTarget}\` target in a step before the push, in the same job (or in a job the pushing job \`needs:\`), and without \`continue-on-error\`.`,
    async check(ctx) {
      const all = await usable(ctx, expected);
      if (!Array.isArray(all)) return all;
      const defaults = await defaultTargets(ctx);
      const problems: string[] = [];
      let pushCount = 0;
      let testCount = 0;
      for (const w of all) {
        const tests = w.jobs.flatMap((j) => j.steps).filter((s) => runsTests(s, spec.testTarget, defaults));
        testCount += tests.length;
        for (const job of w.jobs) {
          for (const step of job.steps.filter(pushes)) {
            pushCount++;
            const upstream = upstreamJobs(w, job.id);
            const gate = tests.find((t) => !t.continueOnError && t !== step && (upstream.has(t.job) || (t.job === job.id && t.index < step.index)));
            if (runsTests(step, spec.testTarget, defaults)) problems.push(`${at(step)} builds the tests and pushes in one call, and bake builds targets in parallel: the push does not wait for them`);
            else if (/\balways\(\)|\bfailure\(\)/.test(step.if ?? '')) problems.push(`${at(step)} runs even when an earlier step failed (\`if: ${step.if ?? ''}\`)`);
            else if (!gate) {
              const elsewhere = tests.find((t) => t.job !== job.id);
              problems.push(elsewhere ? `${at(step)} does not wait for job ${elsewhere.job}, which runs the tests (add \`needs: ${elsewhere.job}\`)`
                : tests.some((t) => t.continueOnError) ? `the tests run with \`continue-on-error: true\`, so ${at(step)} pushes even when they fail`
                  : `${at(step)} pushes before any step has run the tests`);
            }
          }
        }
      }
      if (!testCount) return { pass: false, expected, measured: 'no test step', message: `No step builds the \`${spec.testTarget}\` target, so nothing stops a broken image from being pushed.` };
      if (!pushCount) return { pass: false, expected, measured: 'no push', message: 'No step pushes an image: the pipeline builds but never publishes.' };
      return { pass: problems.length === 0, expected, measured: problems.length ? `${problems.length} push${problems.length > 1 ? 'es' : ''} not gated` : `${pushCount} push${pushCount > 1 ? 'es' : ''} after the tests`,
        message: problems.length ? `${problems[0]}.` : undefined };
    },
  }, spec);
}

/** Each image's `type=gha` cache has a scope of its own (one shared scope is overwritten by each build). */
export function workflowGhaCacheScoped(opts: GoalOptions = {}): Goal {
  const expected = 'a gha cache scope per image';
  return goal({
    id: 'workflow-gha-cache-scoped',
    title: 'Each image has its own GitHub Actions cache scope',
    hint: 'Add `scope=NAME` to every `type=gha` cache-to and cache-from, one name per image: `test.cache-to=type=gha,scope=test,mode=max`.',
    async check(ctx) {
      const all = await usable(ctx, expected);
      if (!Array.isArray(all)) return all;
      const defaults = await defaultTargets(ctx);
      const entries = steps(all).flatMap((s) => ghaCacheEntries(s, defaults));
      if (!entries.length) return { pass: true, expected, measured: 'no gha cache used' };
      const unscoped = entries.find((e) => !e.scope);
      if (unscoped) {
        return { pass: false, expected, measured: 'a gha cache without scope',
          message: `${unscoped.where}: \`${unscoped.raw}\` has no scope, so it uses the default one, which every other build in the repository writes too.` };
      }
      // Who writes each scope: two images writing one scope overwrite each other's cache.
      const writers = new Map<string, Set<string>>();
      for (const e of entries.filter((x) => x.direction === 'to')) for (const image of e.images) writers.set(e.scope ?? '', (writers.get(e.scope ?? '') ?? new Set()).add(image));
      const shared = [...writers.entries()].find(([, images]) => images.size > 1);
      if (shared) {
        return { pass: false, expected, measured: `scope ${shared[0]} shared`,
          message: `${[...shared[1]].join(' and ')} write the same gha cache scope "${shared[0]}": each build replaces the other's cache.` };
      }
      return { pass: true, expected, measured: `${writers.size} scope${writers.size > 1 ? 's' : ''}: ${list([...writers.keys()])}` };
    },
  }, opts);
}

/** Registry logins never put the password on a command line; a job that pushes logs in first. */
export function workflowLoginSafe(opts: GoalOptions = {}): Goal {
  const expected = 'login with docker/login-action or --password-stdin before pushing';
  return goal({
    id: 'workflow-login-safe',
    title: 'The workflow logs in without a password on the command line',
    hint: 'Use docker/login-action (with the token from `secrets`), or `echo "$TOKEN" | docker login --username USER --password-stdin REGISTRY`.',
    async check(ctx) {
      const all = await usable(ctx, expected);
      if (!Array.isArray(all)) return all;
      const everyStep = steps(all);
      const unsafe = everyStep.find((s) => loginMethod(s) === 'password-argument');
      if (unsafe) {
        return { pass: false, expected, measured: 'password on the command line',
          message: `${at(unsafe)} passes the password as an argument to \`docker login\`: it is visible to every process on the runner and can end up in logs.` };
      }
      const unauthenticated = everyStep.find((s) => pushes(s) && !everyStep.some((l) => l.job === s.job && l.index < s.index && loginMethod(l) !== undefined));
      if (unauthenticated) return { pass: false, expected, measured: 'push without login', message: `${at(unauthenticated)} pushes, but its job logs in to no registry before it.` };
      const methods = [...new Set(everyStep.map(loginMethod).filter((m) => m !== undefined))];
      return { pass: true, expected, measured: methods.length ? methods.join(', ') : 'no login, no push' };
    },
  }, opts);
}

/** Every known action is used at a current major version (or pinned to a commit). */
export function workflowCurrentActions(opts: GoalOptions & { minimum?: Record<string, number> } = {}): Goal {
  const minimum = opts.minimum ?? MINIMUM_ACTION_MAJORS;
  const expected = 'current major versions of the actions';
  return goal({
    id: 'workflow-current-actions',
    title: 'The workflow uses current versions of its actions',
    hint: `Current majors: ${Object.entries(minimum).map(([a, v]) => `${a}@v${v}`).join(', ')}.`,
    async check(ctx) {
      const all = await usable(ctx, expected);
      if (!Array.isArray(all)) return all;
      const old: string[] = [];
      const seen = new Set<string>();
      let known = 0;
      for (const s of steps(all)) {
        const ref = s.uses;
        const min = ref ? minimum[ref.name] : undefined;
        if (!ref || min === undefined) continue;
        known++;
        if (seen.has(`${ref.name}@${ref.ref}`)) continue;
        seen.add(`${ref.name}@${ref.ref}`);
        if (ref.major === undefined && !ref.commit) old.push(`${ref.name}@${ref.ref} (a branch, not a version)`);
        else if (ref.major !== undefined && ref.major < min) old.push(`${ref.name}@${ref.ref} (v${min} is current)`);
      }
      return { pass: old.length === 0, expected, measured: old.length ? `${old.length} outdated` : `${known} action${known === 1 ? '' : 's'} current`,
        message: old.length ? `Outdated: ${list(old, 4)}. Older majors run on Node.js 20, which is past its end of life.` : undefined };
    },
  }, opts);
}
