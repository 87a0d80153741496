import { defineLesson } from '../../harness/course/lesson.ts';
import {
  composeConfigClean, composeRunsAsNumericNonRoot, composeServesHttp, composeServicesHealthy, contextAtMost, execFormStart,
  forServices, pathsAbsent, servicesBuildInParallel, servicesSizeRatioToStarter, stepsCachedAfterEdit,
} from '../../harness/checks/goals/index.ts';

/** The compose services the capstone ships: both are built from the lab's one Dockerfile. */
const SERVICES = ['api', 'web'];

/** A source edit to each part: the rebuilds after it show layer order and parallel stages. */
const SOURCE_EDITS = [{ file: 'web/src/main.js', comment: '//' }, { file: 'api/src/server.ts', comment: '//' }];

export default defineLesson({
  title: 'Capstone: a frontend and an API, one Dockerfile, one compose file',
  summary: 'Apply every practice of the course to a two-part app: two small, non-root images from parallel stages of one Dockerfile, started and checked together with docker compose.',
  owns: ['Dockerfile', '.dockerignore', 'compose.yaml'],
  // What a real project folder holds besides its source: history, local secrets, and each
  // part's host-built node_modules and frontend build output.
  plant: {
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.git/objects/pack/pack-stagecraft.pack': Buffer.alloc(2_000_000, 'git-object-history '),
    '.env': 'SESSION_SECRET=sk_test_stagecraft_capstone_7d41e0\n',
    'web/node_modules/host-only-module/index.js': 'module.exports = "built on the host, for the host";\n',
    'web/node_modules/.cache/host-build-cache.bin': Buffer.alloc(500_000, 'host-cache '),
    'web/dist/host-build.txt': 'a frontend build from the host, possibly stale\n',
    'api/dist/host-build.txt': 'an API build from the host, possibly stale\n',
    'api/node_modules/host-only-module/index.js': 'module.exports = "built on the host, for the host";\n',
  },
  goals: [
    contextAtMost(200_000),
    forServices(SERVICES, pathsAbsent({
      id: 'no-host-files', what: 'host files (.git, .env, host node_modules or build output)', where: 'any-layer',
      paths: ['**/.git', '**/.env', '**/node_modules/host-only-module', '**/node_modules/.cache', '**/dist/host-build.txt'],
    })),
    forServices(SERVICES, pathsAbsent({
      id: 'no-build-leftovers', what: 'build tools, dev dependencies, frontend sources, tests or npm cache', where: 'final',
      paths: ['**/node_modules/esbuild', '**/node_modules/@esbuild', '**/node_modules/typescript', '**/node_modules/@types',
        '**/src/main.js', '**/src/*.ts', '**/test/*.test.js', '/root/.npm'],
      hint: 'Build in stages of their own and copy only what runs into each final stage: the API\'s production node_modules and sources, the frontend\'s dist/.',
    })),
    composeRunsAsNumericNonRoot(SERVICES),
    forServices(SERVICES, execFormStart()),
    composeServicesHealthy(SERVICES),
    composeConfigClean(),
    composeServesHttp([
      { service: 'web', port: 8080, path: '/', bodyIncludes: 'Stagecraft capstone' },
      { service: 'web', port: 8080, path: '/assets/app.js', bodyIncludes: '/api/greeting' },
      { service: 'web', port: 8080, path: '/api/greeting', bodyIncludes: 'Hello from the Stagecraft API' },
    ]),
    forServices(SERVICES, stepsCachedAfterEdit({
      id: 'deps-cached-after-source-edit', what: 'the dependency installs', steps: /\bnpm (ci|install|i)\b/, edits: SOURCE_EDITS,
    })),
    servicesBuildInParallel({ services: ['web', 'api'], edits: SOURCE_EDITS }),
    servicesSizeRatioToStarter(SERVICES, 0.6),
  ],
  hints: [
    'Start with `.dockerignore`: the starter sends .git, .env and both host node_modules folders to BuildKit. Then split the Dockerfile: one stage builds the frontend, another installs the API\'s production dependencies.',
    'End with two final stages, `api` and `web`, on gcr.io/distroless/nodejs24-debian13:nonroot (the same base for both, so its layers are stored once), and point each compose service at its stage with `build: { context: ., target: ... }`.',
    'In each final stage: `USER 65532:65532`, `CMD ["server.js"]` (exec form: the distroless entrypoint is node), and `HEALTHCHECK CMD ["/nodejs/bin/node", "healthcheck.js"]`. In compose.yaml: drop `version:`, and let web wait for `api: { condition: service_healthy }`.',
  ],
  starterFails: [
    'small-context', 'no-host-files', 'no-build-leftovers', 'numeric-non-root', 'exec-form', 'services-healthy',
    'compose-file-current', 'deps-cached-after-source-edit', 'builds-in-parallel', 'size-vs-starter',
  ],
});
