import { defineLesson } from '../../harness/course/lesson.ts';
import { becomesHealthy, execFormStart, httpAnswers, noShell, runsAsNumericNonRoot, stopsPromptly } from '../../harness/checks/goals/index.ts';

export default defineLesson({
  title: 'Distroless, non-root, and a health check that works',
  summary: 'Run a Node service as a numeric non-root user on a distroless base, with no shell, an exec-form start that gets signals, and a HEALTHCHECK that uses what the image has.',
  owns: ['Dockerfile', '.dockerignore'],
  run: { port: 3000, waitFor: { http: '/healthz' } },
  goals: [
    runsAsNumericNonRoot(),
    noShell(),
    execFormStart({ hint: 'Write CMD as a JSON array. On the distroless node image the ENTRYPOINT is already ["/nodejs/bin/node"], so CMD ["server.js"] is enough.' }),
    becomesHealthy(15_000, { hint: 'The image has no curl (and distroless has no shell): HEALTHCHECK CMD ["/nodejs/bin/node", "healthcheck.js"], with --start-interval=1s so it is checked early.' }),
    stopsPromptly(3_000),
    httpAnswers({ path: '/', status: 200, bodyIncludes: 'Hello from Stagecraft' }),
  ],
  hints: [
    'Run the starter and look: `docker top` shows who PID 1 is and which uid it runs as, `docker inspect --format "{{json .State.Health}}"` shows why the health check fails, and `time docker stop` how long stopping takes.',
    'Install the dependencies in a build stage FROM node:24-trixie-slim, then start the final stage FROM gcr.io/distroless/nodejs24-debian13:nonroot and COPY --from the build stage.',
    'In the final stage: `USER 65532:65532`, `CMD ["server.js"]` (the entrypoint is /nodejs/bin/node), and `HEALTHCHECK --start-interval=1s CMD ["/nodejs/bin/node", "healthcheck.js"]`.',
  ],
  starterFails: ['numeric-non-root', 'no-shell', 'exec-form', 'becomes-healthy', 'stops-promptly'],
});
