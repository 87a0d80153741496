import { defineLesson } from '../../harness/course/lesson.ts';
import { answersOnPlatform, binaryMatchesPlatform, httpAnswers, notEmulated, platformsBuilt } from '../../harness/checks/goals/index.ts';

const PLATFORMS = ['linux/amd64', 'linux/arm64'];

export default defineLesson({
  title: 'Multi-platform images',
  summary: 'Build one image for x86-64 and arm64 machines, cross-compiling natively instead of under emulation.',
  owns: ['Dockerfile', '.dockerignore'],
  // Every build of this lab (the starter's too) is `--platform linux/amd64,linux/arm64`.
  platforms: PLATFORMS,
  run: { port: 8080, waitFor: { http: '/healthz' } },
  // The starter compiles under QEMU: about a minute on an idle 2-core machine, but over
  // four on a busy one, so allow more than the default ten minutes on a slow laptop.
  buildTimeoutMs: 20 * 60_000,
  goals: [
    platformsBuilt(PLATFORMS),
    binaryMatchesPlatform({ id: 'binary-per-platform' }),
    answersOnPlatform({
      id: 'arm64-runs-as-arm64',
      platform: 'linux/arm64',
      path: '/platform',
      // the app reports GOARCH and uname's machine: QEMU says aarch64 to an arm64 program,
      // while an x86-64 program in the arm64 variant runs natively here and says x86_64
      json: { arch: 'arm64', machine: 'aarch64' },
      title: 'The linux/arm64 variant runs and reports an aarch64 machine',
      hint: 'The arm64 variant must hold an arm64 program: build it with `GOARCH=$TARGETARCH`. Try it: `docker run --rm --platform linux/arm64 -p 8080:8080 IMAGE`, then `curl localhost:8080/platform`.',
    }),
    notEmulated({ id: 'compiles-on-build-platform', programs: ['go'], what: 'the Go compiler' }),
    httpAnswers({ path: '/', status: 200, bodyIncludes: 'Hello from Stagecraft' }),
  ],
  hints: [
    'Run `docker buildx build --platform linux/amd64,linux/arm64 --progress=plain .` and read the step names: `[linux/arm64 build 5/5] RUN go build` means the compiler ran as an arm64 program, under QEMU.',
    'Start the build stage with `FROM --platform=$BUILDPLATFORM golang:1.24-trixie AS build`: it then runs on your machine\'s own CPU for every target.',
    'Inside that stage, declare `ARG TARGETOS` and `ARG TARGETARCH` and build with `GOOS=$TARGETOS GOARCH=$TARGETARCH go build`: Go cross-compiles by itself. Leave the final stage\'s FROM without `--platform`.',
  ],
  starterFails: ['binary-per-platform', 'arm64-runs-as-arm64', 'compiles-on-build-platform'],
});
