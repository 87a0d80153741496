import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineLesson } from '../../harness/course/lesson.ts';
import {
  failsWithoutSecrets, httpAnswers, noSecretInBuildLog, noSecretInConfig, noSecretInHistory, noSecretInLayers, noSecretLikeNames, secretMounted,
} from '../../harness/checks/goals/index.ts';
import { privateNpmRegistry } from '../../harness/services/private-registry.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const TOKEN = { what: 'the registry token' };

export default defineLesson({
  title: 'Build secrets',
  summary: 'Give a build the credentials it needs as a secret mount, so they end up in no layer, history entry, config field or build log.',
  owns: ['Dockerfile', '.dockerignore'],
  run: { port: 3000, waitFor: { http: '/healthz' } },
  // A private npm registry for each check, with a new token each time. Builds get its
  // address and token as the secret `npmrc` (a complete .npmrc) and, for the starter's
  // sake, as the build arguments NPM_REGISTRY and NPM_TOKEN.
  services: [privateNpmRegistry({
    packages: [path.join(here, 'private-packages', 'greeting')],
    secretId: 'npmrc',
    buildArgs: { registry: 'NPM_REGISTRY', token: 'NPM_TOKEN' },
  })],
  goals: [
    noSecretInLayers(TOKEN),
    noSecretInHistory(TOKEN),
    noSecretInConfig(TOKEN),
    noSecretInBuildLog(TOKEN),
    noSecretLikeNames(),
    secretMounted({ secretId: 'npmrc' }),
    failsWithoutSecrets(TOKEN),
    httpAnswers({ path: '/', status: 200, bodyIncludes: 'a package from a private registry' }),
  ],
  hints: [
    'Run `docker history --no-trunc` on your image: every RUN after `ARG NPM_TOKEN` records the token. And `rm .npmrc` in a later step leaves the file in the layer before it.',
    'The build is given a secret with the id `npmrc`: a complete .npmrc with the registry and the token. `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc` makes it npm\'s user config for that one command, and it is never written to a layer.',
    'Remove `ARG NPM_REGISTRY`, `ARG NPM_TOKEN` and the lines that write and delete `.npmrc`; add `required=true` to the mount so a build without the secret stops at once.',
  ],
  starterFails: ['no-secret-in-layers', 'no-secret-in-history', 'no-secret-in-build-log', 'no-secret-like-names', 'secret-mounted', 'fails-without-secret'],
});
