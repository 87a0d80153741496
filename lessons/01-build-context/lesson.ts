import { defineLesson } from '../../harness/course/lesson.ts';
// Goal modules imported one by one: the index loads every goal kind and its libraries.
import { contextAtMost } from '../../harness/checks/goals/build.ts';
import { httpAnswers } from '../../harness/checks/goals/behaviour.ts';
import { noLayerContains, pathsAbsent } from '../../harness/checks/goals/files.ts';

/** A value only the planted `.env` holds: if it is in a layer, the file got in. */
export const CANARY = 'sk_test_stagecraft_canary_4f9b2c';

export default defineLesson({
  title: 'The build context',
  summary: 'Send BuildKit only what the image needs, so no secret, history or host artefact ends up in a layer.',
  owns: ['Dockerfile', '.dockerignore'],
  run: { port: 3000, waitFor: { http: '/healthz' } },
  // What a real project folder holds besides its source: the harness plants these in its
  // copy of the context, so every check (and every grader) sees the same hazards.
  plant: {
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.git/config': '[core]\n\trepositoryformatversion = 0\n',
    '.git/objects/pack/pack-stagecraft.pack': Buffer.alloc(2_000_000, 'git-object-history '),
    '.env': `DATABASE_URL=postgres://app:app@db:5432/app\nPAYMENT_API_KEY=${CANARY}\n`,
    'node_modules/host-only-module/package.json': '{ "name": "host-only-module", "version": "0.0.0" }\n',
    'node_modules/host-only-module/index.js': 'module.exports = "built on the host, for the host";\n',
    'node_modules/.cache/host-build-cache.bin': Buffer.alloc(1_000_000, 'host-cache '),
  },
  goals: [
    contextAtMost(200_000),
    pathsAbsent({ what: '.git folder', paths: ['**/.git'], where: 'any-layer' }),
    pathsAbsent({ what: '.env file', paths: ['**/.env'], where: 'any-layer' }),
    noLayerContains(CANARY, 'the .env secret', { id: 'no-env-secret-in-layers' }),
    pathsAbsent({ id: 'no-host-node-modules', what: 'node_modules copied from the host', paths: ['**/node_modules/host-only-module', '**/node_modules/.cache'], where: 'any-layer' }),
    httpAnswers({ path: '/', status: 200, bodyIncludes: 'Hello from Stagecraft' }),
  ],
  hints: [
    'Everything in the folder you build is sent to BuildKit, and `COPY . .` puts all of it in a layer. Look at the "transferring context" line of the build output.',
    'A `.dockerignore` file next to the Dockerfile lists what to leave out, one pattern per line, like .gitignore.',
    'Leave out `.git`, `.env` and `node_modules`: the image installs its own dependencies with `npm ci`.',
  ],
  starterFails: ['small-context', 'no-git-folder', 'no-env-file', 'no-env-secret-in-layers', 'no-host-node-modules'],
});
