import { defineLesson } from '../../harness/course/lesson.ts';
import {
  bakeBuildsTargets, bakeImageLabel, cacheReusedByFreshBuilder, httpAnswers, pathsAbsent, testsGateBuild,
  workflowCurrentActions, workflowGhaCacheScoped, workflowLoginSafe, workflowTestsBeforePush, workflowValid,
  type PipelineSpec,
} from '../../harness/checks/goals/index.ts';

/** The pipeline every bake goal measures: one spec, so they share one bake run. */
const PIPELINE: PipelineSpec = {
  targets: ['test', 'production'],
  testTarget: 'test',
  registryVar: 'REGISTRY',
  // The dependency installs: what a CI runner should never have to repeat for unchanged lockfiles.
  expensive: /\bnpm (ci|install)\b/,
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** An RFC 3339 date and time from around now (the build's, not a constant or an empty string). */
function recentTimestamp(value: string): boolean {
  const t = Date.parse(value);
  return /^\d{4}-\d{2}-\d{2}T/.test(value) && Number.isFinite(t) && Math.abs(Date.now() - t) < DAY_MS;
}

export default defineLesson({
  title: 'A CI pipeline: bake, a shared build cache, GitHub Actions',
  summary: 'Describe the builds in a bake file, let a brand-new CI runner reuse the cache of the last run, and publish only what passed its tests.',
  owns: ['Dockerfile', '.dockerignore', 'docker-bake.hcl', '.github/workflows'],
  target: 'production',
  run: { port: 3000, waitFor: { http: '/healthz' } },
  goals: [
    bakeBuildsTargets(PIPELINE),
    testsGateBuild({ ...PIPELINE, breakTest: { file: 'app.js', replace: 'Hello from Stagecraft', with: 'Hello from a regression' } }),
    cacheReusedByFreshBuilder({ ...PIPELINE, backend: 'local' }),
    cacheReusedByFreshBuilder({ ...PIPELINE, backend: 'registry' }),
    bakeImageLabel({ ...PIPELINE, target: 'production', label: 'org.opencontainers.image.created', what: 'the time of the build (RFC 3339)', test: recentTimestamp }),
    pathsAbsent({ id: 'no-dev-dependencies', what: 'dev dependencies or tests', paths: ['**/node_modules/typescript', '**/node_modules/@types', '/app/test'], where: 'final',
      hint: 'The production stage installs with `npm ci --omit=dev` and copies only the files the app runs.' }),
    httpAnswers({ path: '/', status: 200, bodyIncludes: 'Hello from Stagecraft' }),
    workflowValid(),
    workflowTestsBeforePush({ testTarget: PIPELINE.testTarget }),
    workflowGhaCacheScoped(),
    workflowLoginSafe(),
    workflowCurrentActions(),
  ],
  hints: [
    '`docker buildx bake --print` shows what `docker buildx bake` would build. The `default` group decides it: put the test target in it.',
    'Run `docker buildx bake` twice with `--progress=plain`: which steps run again although nothing changed? An `ARG` declared in a stage is in the environment of every `RUN` after it, so a value that changes each build (a date) re-runs `npm ci` every time.',
    'Set the date as a label in the bake file (`labels = { ... = timestamp() }`): labels are metadata and change no step. Then give each target its own cache ref, with `mode=max`, in both `cache-to` and `cache-from`.',
    'In the workflow, the job that pushes must `needs:` the job that runs the tests (or run them in an earlier step), log in with docker/login-action, give each image its own `scope=` in `type=gha` caches, and use current action versions.',
  ],
  starterFails: [
    'bake-builds-targets',
    'fresh-builder-reuses-local-cache',
    'fresh-builder-reuses-registry-cache',
    'workflow-tests-before-push',
    'workflow-gha-cache-scoped',
    'workflow-login-safe',
    'workflow-current-actions',
  ],
});
