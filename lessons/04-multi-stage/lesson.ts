import { defineLesson } from '../../harness/course/lesson.ts';
import {
  answersLikeStarter, pathsAbsent, sizeRatioToStarter, targetBuilds, targetFailsWithPlant, targetIsDefault,
} from '../../harness/checks/goals/index.ts';

/** The planted test's name: in the test output only if the test stage really ran it. */
const PLANTED_TEST = 'stagecraft harness: this planted test must fail';

/** What runtime dependencies ship is theirs to decide: the goals look at the app's own files. */
const DEPENDENCIES = ['**/node_modules/**'];

export default defineLesson({
  title: 'Multi-stage builds and targets',
  summary: 'Compile and test in build stages, and ship a final stage holding only what runs.',
  owns: ['Dockerfile', '.dockerignore'],
  run: { port: 3000, waitFor: { http: '/healthz' } },
  goals: [
    targetBuilds('test'),
    targetFailsWithPlant({
      target: 'test',
      what: 'a failing test',
      plant: {
        file: 'test/zz-planted.test.ts',
        content: [
          "import assert from 'node:assert/strict';",
          "import { test } from 'node:test';",
          '',
          `test('${PLANTED_TEST}', () => {`,
          "  assert.equal(1 + 1, 3, 'planted by the stagecraft harness');",
          '});',
          '',
        ].join('\n'),
      },
      marker: PLANTED_TEST,
    }),
    targetIsDefault('production'),
    pathsAbsent({ id: 'no-typescript', what: 'TypeScript compiler', where: 'final',
      paths: ['**/node_modules/typescript', '**/node_modules/.bin/tsc', '/usr/local/bin/tsc'],
      hint: 'Compile in a build stage and copy only the compiled JavaScript (dist/) into the final stage.' }),
    pathsAbsent({ id: 'no-dev-dependencies', what: 'dev dependencies (@types)', where: 'final',
      paths: ['**/node_modules/@types'],
      hint: 'Install the final stage\'s dependencies with `npm ci --omit=dev` (in that stage, or a stage of its own whose node_modules you copy).' }),
    pathsAbsent({ id: 'no-sources-or-tests', what: 'TypeScript sources, tsconfig or tests', where: 'final',
      paths: ['**/*.ts', '**/tsconfig.json', '**/*.test.js', '**/dist/test'], ignore: DEPENDENCIES,
      hint: 'Copy only the compiled app (dist/src) into the final stage, not the whole build folder.' }),
    pathsAbsent({ id: 'no-build-tools', what: 'C toolchain or Python', where: 'final',
      paths: ['/usr/bin/gcc*', '/usr/bin/g++*', '/usr/bin/cc', '/usr/bin/c++', '/usr/bin/make', '/usr/bin/ld', '/usr/bin/python3*', '/usr/lib/gcc', '/usr/libexec/gcc'],
      hint: 'Start the final stage FROM a clean runtime image: nothing installed in another stage follows unless you COPY it.' }),
    sizeRatioToStarter(0.4),
    answersLikeStarter({ paths: ['/', '/healthz', '/quote?net=1999&rate=0.2', '/quote?net=100&rate=7'] }),
  ],
  hints: [
    'One stage that builds is also the stage that ships: compilers, devDependencies, sources and tests all go out with it. `docker history` shows each of them as a layer.',
    'Write several FROM lines: a `build` stage that runs `npm ci` and `npm run build`, a `test` stage FROM build that runs `npm test`, and a last `production` stage FROM node:24-trixie-slim.',
    'The production stage copies only what runs: COPY --from=build /app/dist/src ./dist/src, package.json, and node_modules from `npm ci --omit=dev`.',
    'Nothing needs the C toolchain here: every dependency is plain JavaScript. If one did compile native code, install the toolchain in the stage that runs `npm ci`, never in the last one.',
  ],
  starterFails: ['target-test-builds', 'target-test-catches-failures', 'production-is-default', 'no-typescript', 'no-dev-dependencies', 'no-sources-or-tests', 'no-build-tools', 'size-vs-starter'],
});
