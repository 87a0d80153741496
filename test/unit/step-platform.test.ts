import { describe, expect, it } from 'vitest';
import { parseStepName } from '../../harness/build/step-name.ts';
import { programsRun } from '../../harness/build/shell-programs.ts';
import { elfMachineFor, sameMachine } from '../../harness/inspect/architecture.ts';

describe('parseStepName', () => {
  it('reads a cross-compiling step: runs on the build platform, builds for the target', () => {
    expect(parseStepName('[linux/amd64->arm64 build 5/5] RUN go build -o /out/hello .')).toEqual({
      runsOn: 'linux/amd64', target: 'linux/arm64', stage: 'build', instruction: 'RUN go build -o /out/hello .',
    });
  });

  it('reads an emulated step: runs on the target platform', () => {
    expect(parseStepName('[linux/arm64 build 5/5] RUN go build .')).toMatchObject({ runsOn: 'linux/arm64', target: 'linux/arm64', stage: 'build' });
  });

  it('keeps the variant and a different OS in the target', () => {
    expect(parseStepName('[linux/amd64->arm/v7 build 2/3] RUN true')?.target).toBe('linux/arm/v7');
    expect(parseStepName('[linux/amd64->windows/amd64 build 2/3] RUN true')?.target).toBe('windows/amd64');
  });

  it('reads single-platform steps, padded counts and unnamed stages', () => {
    expect(parseStepName('[build  4/12] RUN npm ci')).toEqual({ runsOn: undefined, target: undefined, stage: 'build', instruction: 'RUN npm ci' });
    expect(parseStepName('[2/4] WORKDIR /app')).toEqual({ runsOn: undefined, target: undefined, stage: undefined, instruction: 'WORKDIR /app' });
    expect(parseStepName('[linux/arm64 stage-1 2/2] COPY --from=build /out/hello /hello')?.stage).toBe('stage-1');
  });

  it('ignores steps that are not Dockerfile instructions', () => {
    expect(parseStepName('[internal] load build definition from Dockerfile')).toBeUndefined();
    expect(parseStepName('[context node:24-trixie-slim] load .dockerignore')).toBeUndefined();
    expect(parseStepName('exporting to image')).toBeUndefined();
  });
});

describe('programsRun', () => {
  it('finds the program after RUN flags and variable assignments', () => {
    expect(programsRun('--mount=type=cache,target=/root/.cache/go-build     CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -o /out/hello .')).toEqual(['go']);
  });

  it('finds every command of a chain, by base name', () => {
    expect(programsRun('apt-get update && /usr/local/go/bin/go mod download; echo done | tee log')).toEqual(['apt-get', 'go', 'echo', 'tee']);
  });

  it('does not count words that are arguments', () => {
    expect(programsRun('echo "let us go" go')).toEqual(['echo']);
    expect(programsRun('echo "a && go build"')).toEqual(['echo']);
  });

  it('looks through env, exec and sh -c', () => {
    expect(programsRun('env -i GOARCH=arm64 go build .')).toEqual(['go']);
    expect(programsRun("sh -c 'cd /src && go build .'")).toEqual(['sh', 'cd', 'go']);
  });

  it('reads the exec form', () => {
    expect(programsRun('["/usr/local/go/bin/go", "build", "."]')).toEqual(['go']);
  });
});

describe('architecture', () => {
  it('compares machines, not variants', () => {
    expect(sameMachine('linux/arm64/v8', 'linux/arm64')).toBe(true);
    expect(sameMachine('linux/amd64', 'linux/arm64')).toBe(false);
  });

  it('names the ELF machine of an architecture as parseElf does', () => {
    expect(elfMachineFor('amd64')).toBe('x86-64');
    expect(elfMachineFor('arm64')).toBe('aarch64');
  });
});
