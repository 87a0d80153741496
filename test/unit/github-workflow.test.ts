import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ghaCacheEntries, loginMethod, parseActionRef, parseWorkflow, pushes, runsTests, shellCommands, upstreamJobs,
  type WorkflowStep,
} from '../../harness/ci/github-workflow.ts';
import type { LabContext } from '../../harness/checks/lab-context.ts';
import {
  workflowCurrentActions, workflowGhaCacheScoped, workflowLoginSafe, workflowTestsBeforePush, workflowValid,
} from '../../harness/checks/goals/workflow.ts';

const stepOf = (yaml: string): WorkflowStep => {
  const w = parseWorkflow('w.yml', `on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n${yaml}`);
  expect(w.problems).toEqual([]);
  const s = w.jobs[0]?.steps[0];
  if (!s) throw new Error('no step');
  return s;
};

describe('parsing a workflow', () => {
  it('reads jobs, needs and steps, keeping `on` a key (YAML 1.2)', () => {
    const w = parseWorkflow('ci.yml', 'on:\n  push:\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n  b:\n    needs: a\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v6\n  c:\n    needs: [b]\n    runs-on: x\n    steps:\n      - run: echo\n');
    expect(w.problems).toEqual([]);
    expect(w.jobs.map((j) => [j.id, j.needs])).toEqual([['a', []], ['b', ['a']], ['c', ['b']]]);
    expect([...upstreamJobs(w, 'c')].sort()).toEqual(['a', 'b']);
  });

  it('reports YAML errors and missing structure with line numbers', () => {
    expect(parseWorkflow('w.yml', 'on: push\njobs:\n  a:\n\truns-on: x\n').problems[0]?.line).toBe(4);
    expect(parseWorkflow('w.yml', 'on: push\non: pull_request\njobs: {}\n').problems[0]?.message).toMatch(/unique|duplicate/i);
    expect(parseWorkflow('w.yml', 'name: x\njobs:\n  a:\n    steps:\n      - name: nothing\n').problems.map((p) => p.message)).toEqual([
      'no `on:` key: the workflow would never run', 'job a has no `runs-on:`', 'job a, step 1 has neither `uses:` nor `run:`',
    ]);
  });

  it('reads action versions, and a commit pin by its comment', () => {
    expect(parseActionRef('docker/login-action@v4')).toMatchObject({ name: 'docker/login-action', major: 4, commit: false });
    expect(parseActionRef('docker/login-action@v3.7.0')?.major).toBe(3);
    expect(parseActionRef('docker/login-action@main')?.major).toBeUndefined();
    expect(parseActionRef('./local-action')).toBeUndefined();
    const pinned = stepOf('      - uses: docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83 # v7.4.0\n');
    expect(pinned.uses).toMatchObject({ commit: true, major: 7 });
  });
});

describe('reading steps', () => {
  it('splits run scripts into commands and words', () => {
    expect(shellCommands('echo "$T" | docker login -u me --password-stdin r.example\ndocker buildx bake \\\n  --push prod # done')).toEqual([
      ['echo', '$T'], ['docker', 'login', '-u', 'me', '--password-stdin', 'r.example'], ['docker', 'buildx', 'bake', '--push', 'prod'],
    ]);
  });

  it('finds the steps that run the tests', () => {
    expect(runsTests(stepOf('      - uses: docker/bake-action@v7\n        with:\n          targets: test\n'), 'test')).toBe(true);
    expect(runsTests(stepOf('      - uses: docker/bake-action@v7\n'), 'test', ['test', 'production'])).toBe(true);
    expect(runsTests(stepOf('      - uses: docker/bake-action@v7\n        with:\n          targets: production\n'), 'test')).toBe(false);
    expect(runsTests(stepOf('      - uses: docker/build-push-action@v7\n        with:\n          target: test\n'), 'test')).toBe(true);
    expect(runsTests(stepOf('      - run: docker buildx bake --progress plain test\n'), 'test')).toBe(true);
    expect(runsTests(stepOf('      - run: docker build --target=test .\n'), 'test')).toBe(true);
    expect(runsTests(stepOf('      - run: echo test\n'), 'test')).toBe(false);
  });

  it('finds the steps that push', () => {
    expect(pushes(stepOf('      - uses: docker/bake-action@v7\n        with:\n          push: true\n'))).toBe(true);
    expect(pushes(stepOf("      - uses: docker/build-push-action@v7\n        with:\n          push: ${{ github.event_name != 'pull_request' }}\n"))).toBe(true);
    expect(pushes(stepOf('      - uses: docker/build-push-action@v7\n        with:\n          push: false\n'))).toBe(false);
    expect(pushes(stepOf('      - uses: docker/bake-action@v7\n        with:\n          set: "*.output=type=registry"\n'))).toBe(true);
    expect(pushes(stepOf('      - run: docker push r.example/app:1\n'))).toBe(true);
    expect(pushes(stepOf('      - run: docker buildx build --output type=image,push=true .\n'))).toBe(true);
    expect(pushes(stepOf('      - run: docker buildx bake --load\n'))).toBe(false);
  });

  it('tells a safe login from a password on the command line', () => {
    expect(loginMethod(stepOf('      - uses: docker/login-action@v4\n'))).toBe('login-action');
    expect(loginMethod(stepOf('      - run: echo "$T" | docker login -u me --password-stdin\n'))).toBe('password-stdin');
    expect(loginMethod(stepOf('      - run: docker login -u me -p "$T"\n'))).toBe('password-argument');
    expect(loginMethod(stepOf('      - run: docker login -u me --password=$T\n'))).toBe('password-argument');
    expect(loginMethod(stepOf('      - run: docker logout\n'))).toBeUndefined();
  });

  it('collects gha cache entries with the images they cache', () => {
    const bake = stepOf('      - uses: docker/bake-action@v7\n        with:\n          targets: test,production\n          set: |\n            *.cache-to=type=gha,mode=max\n            test.cache-from=type=gha,scope=test\n            production.cache-to=type=registry,ref=r/x\n');
    expect(ghaCacheEntries(bake).map((e) => [e.direction, e.images, e.scope])).toEqual([['to', ['test', 'production'], undefined], ['from', ['test'], 'test']]);
    const bp = stepOf('      - uses: docker/build-push-action@v7\n        with:\n          target: production\n          cache-to: |\n            type=gha,scope=prod,mode=max\n');
    expect(ghaCacheEntries(bp).map((e) => [e.images, e.scope])).toEqual([[['production'], 'prod']]);
    const cli = stepOf('      - run: docker buildx build --target test --cache-to type=gha,scope=t .\n');
    expect(ghaCacheEntries(cli).map((e) => [e.direction, e.images, e.scope])).toEqual([['to', ['test'], 't']]);
  });
});

/** The workflow goals on a lab folder holding one workflow (no engine: they read files). */
async function verdicts(workflow: string): Promise<Record<string, { pass: boolean; message?: string }>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-workflow-test-'));
  try {
    await mkdir(path.join(dir, '.github/workflows'), { recursive: true });
    await writeFile(path.join(dir, '.github/workflows/ci.yml'), workflow);
    const shared = new Map<string, Promise<unknown>>();
    const ctx = {
      contextDir: dir,
      shared: (key: string, make: () => Promise<unknown>) => { if (!shared.has(key)) shared.set(key, make()); return shared.get(key); },
    } as unknown as LabContext;
    const goals = [workflowValid(), workflowTestsBeforePush({ testTarget: 'test' }), workflowGhaCacheScoped(), workflowLoginSafe(), workflowCurrentActions()];
    const out: Record<string, { pass: boolean; message?: string }> = {};
    for (const g of goals) {
      const o = await g.check(ctx);
      out[g.id] = { pass: o.pass, ...(o.message ? { message: o.message } : {}) };
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const passing = (v: Record<string, { pass: boolean }>): string[] => Object.entries(v).filter(([, o]) => o.pass).map(([id]) => id).sort();

describe('the workflow goals', () => {
  it('fail the lab 09 starter on every point but validity, and pass its solution', async () => {
    const starter = await verdicts(await readFile('labs/09-ci-pipeline/.github/workflows/ci.yml', 'utf8'));
    expect(passing(starter)).toEqual(['workflow-valid']);
    expect(starter['workflow-tests-before-push']?.message).toMatch(/needs: test/);
    const solution = await verdicts(await readFile('solutions/09-ci-pipeline/.github/workflows/ci.yml', 'utf8'));
    expect(passing(solution)).toEqual(Object.keys(solution).sort());
  });

  it('see a push gated by an earlier step of the same job, and not by a failing-allowed one', async () => {
    const job = (testExtra: string): string => `on: push\njobs:\n  ci:\n    runs-on: x\n    steps:\n      - uses: docker/login-action@v4\n      - uses: docker/bake-action@v7\n        with:\n          targets: test\n${testExtra}      - uses: docker/bake-action@v7\n        with:\n          targets: production\n          push: true\n`;
    expect((await verdicts(job('')))['workflow-tests-before-push']?.pass).toBe(true);
    expect((await verdicts(job('        continue-on-error: true\n')))['workflow-tests-before-push']?.message).toMatch(/continue-on-error/);
  });

  it('refuse one bake call that tests and pushes, a shared gha scope, and a push without login', async () => {
    const v = await verdicts('on: push\njobs:\n  ci:\n    runs-on: x\n    steps:\n      - uses: docker/bake-action@v7\n        with:\n          targets: test,production\n          push: true\n          set: |\n            *.cache-to=type=gha,scope=app\n            *.cache-from=type=gha,scope=app\n');
    expect(v['workflow-tests-before-push']?.message).toMatch(/in parallel/);
    expect(v['workflow-gha-cache-scoped']?.message).toMatch(/test and production write the same gha cache scope "app"/);
    expect(v['workflow-login-safe']?.message).toMatch(/logs in to no registry/);
  });

  it('report a broken file once, as the reason for every goal', async () => {
    const v = await verdicts('on: push\njobs:\n  ci:\n\truns-on: x\n');
    expect(passing(v)).toEqual([]);
    expect(v['workflow-valid']?.message).toMatch(/ci\.yml line 4/);
  });
});
