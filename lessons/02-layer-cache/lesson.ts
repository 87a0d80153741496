import { defineLesson } from '../../harness/course/lesson.ts';
// Goal modules imported one by one: the index loads every goal kind and its libraries.
import { httpAnswers } from '../../harness/checks/goals/behaviour.ts';
import { layerRebuiltAfterEdit, layerReusedAfterEdit } from '../../harness/checks/goals/cache.ts';
import { pathsAbsent } from '../../harness/checks/goals/files.ts';

/** A file only `npm ci`/`npm install` adds: the layer that adds it is the dependency layer. */
const DEPENDENCY_LAYER = '**/node_modules/express/package.json';

export default defineLesson({
  title: 'Layer order and the build cache',
  summary: 'Order instructions so a source edit rebuilds only the source layer, and ship no dev dependencies.',
  owns: ['Dockerfile', '.dockerignore'],
  run: { port: 3000, waitFor: { http: '/healthz' } },
  goals: [
    layerReusedAfterEdit({
      id: 'deps-reused-after-source-edit',
      what: 'the dependency layer',
      edit: { file: 'server.js', append: '\n// edited by the stagecraft harness\n' },
      layerWith: DEPENDENCY_LAYER,
    }),
    layerRebuiltAfterEdit({
      id: 'deps-rebuilt-after-lockfile-edit',
      what: 'the dependency layer',
      edit: { file: 'package-lock.json', append: '\n' },
      layerWith: DEPENDENCY_LAYER,
    }),
    pathsAbsent({ id: 'no-dev-dependencies', what: 'dev dependencies (typescript, @types)', paths: ['**/node_modules/typescript', '**/node_modules/@types'], where: 'final',
      hint: '`npm ci --omit=dev` installs exactly the lockfile, without devDependencies.' }),
    httpAnswers({ path: '/', status: 200, bodyIncludes: 'Hello from Stagecraft' }),
  ],
  hints: [
    'BuildKit reuses a step only if the step and everything it depends on is unchanged. What does `RUN npm install` depend on when it comes after `COPY . .`?',
    'Copy `package.json` and `package-lock.json` first, install, then copy the rest of the source.',
    'Use `npm ci --omit=dev`: it installs exactly what the lockfile says, fails if it disagrees with package.json, and leaves out devDependencies.',
  ],
  starterFails: ['deps-reused-after-source-edit', 'no-dev-dependencies'],
});
