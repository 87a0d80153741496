import { defineLesson } from '../../harness/course/lesson.ts';
import {
  httpAnswers, httpJsonField, layerCountAtMost, noLibc, noShell, pathsPresent, runsAsNumericNonRoot, sizeRatioTo, staticBinary,
} from '../../harness/checks/goals/index.ts';

/** The image the build stage starts from: the final image is measured against it. */
const BUILDER_IMAGE = 'golang:1.24-trixie';

export default defineLesson({
  title: 'A static Go binary on scratch',
  summary: 'Compile a Go service into one static binary and ship it FROM scratch with only its CA certificates, as a numeric non-root user.',
  owns: ['Dockerfile', '.dockerignore'],
  run: { port: 8080, waitFor: { http: '/healthz' } },
  goals: [
    staticBinary(),
    noShell(),
    noLibc(),
    layerCountAtMost(3, { hint: 'FROM scratch starts with no layers: one COPY for the CA bundle and one for the binary is all the image needs.' }),
    pathsPresent({ id: 'has-ca-bundle', what: 'the CA certificate bundle', paths: ['/etc/ssl/certs/ca-certificates.crt'], where: 'final',
      hint: 'COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt: the golang image has the bundle, scratch and debian slim do not.' }),
    httpJsonField({ id: 'trusts-system-roots', path: '/healthz', field: 'systemRoots', what: 'the CA certificates Go loaded',
      describe: 'more than 0', test: (v) => typeof v === 'number' && v > 0,
      hint: 'Go reads the system\'s CA certificates from /etc/ssl/certs/ca-certificates.crt: copy that file from the build stage into the final image.' }),
    runsAsNumericNonRoot({ hint: 'Add `USER 65532:65532` to the final stage: scratch has no /etc/passwd, and a numeric uid needs none.' }),
    httpAnswers({ path: '/', status: 200, bodyIncludes: 'Hello from Stagecraft' }),
    sizeRatioTo({ image: BUILDER_IMAGE }, 0.05, { id: 'size-vs-builder' }),
  ],
  hints: [
    'Look at what the starter ships: `docker run --rm --entrypoint ldd IMAGE /usr/local/bin/greeter` lists the C library and loader the binary needs, and `curl -s localhost:8080/healthz` shows how many CA certificates it found.',
    'Build with `CGO_ENABLED=0 go build -trimpath -ldflags="-s -w"`: the binary then needs no C library, so the final stage can be `FROM scratch`.',
    'In the final stage, copy `/etc/ssl/certs/ca-certificates.crt` from the build stage, copy the binary, set `USER 65532:65532` and `ENTRYPOINT ["/greeter"]`.',
  ],
  starterFails: ['static-binary', 'no-shell', 'no-libc', 'has-ca-bundle', 'trusts-system-roots', 'numeric-non-root', 'size-vs-builder'],
});
