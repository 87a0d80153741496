import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheMountsInDockerfile } from '../../harness/build/cache-mounts.ts';
import { parseDockerfile } from '../../harness/build/dockerfile.ts';
import { namespaceCacheMounts } from '../../harness/grade/policy/cache-mount-namespace.ts';
import { checkPolicy } from '../../harness/grade/policy/dockerfile-policy.ts';
import { findSyntaxDirective } from '../../harness/grade/policy/syntax-directive.ts';
import { labsDir, solutionsDir } from '../../harness/paths.ts';

/** The refusals as `code@line`, for compact expectations. */
const codes = (text: string): string[] => checkPolicy(text).map((r) => `${r.code}@${r.line}`);

const courseDockerfiles = [labsDir, solutionsDir].flatMap((dir) =>
  readdirSync(dir).map((lab) => path.join(dir, lab, 'Dockerfile')).filter((f) => existsSync(f)));

describe('checkPolicy: the course itself', () => {
  it('finds the course Dockerfiles', () => {
    expect(courseDockerfiles.length).toBeGreaterThanOrEqual(20);
  });

  it.each(courseDockerfiles.map((f) => [path.relative(path.dirname(labsDir), f), f]))('refuses nothing in %s', (_name, file) => {
    expect(checkPolicy(readFileSync(file, 'utf8'))).toEqual([]);
  });
});

describe('checkPolicy: syntax directives', () => {
  it.each([
    ['# syntax=docker/dockerfile:1\nFROM alpine\n', 1],
    ['#syntax=docker/dockerfile:1\nFROM alpine\n', 1],
    ['# SYNTAX = evil.example/frontend:latest\r\nFROM alpine\r\n', 1],
    ['# escape=`\n# syntax=docker/dockerfile:1\nFROM alpine\n', 2],
    ['# check=skip=all\n#syntax=x\nFROM alpine\n', 2],
    ['#!/usr/bin/env docker-build\n# syntax=x\nFROM alpine\n', 2],
    ['\uFEFF# syntax=x\nFROM alpine\n', 1],
    ['//syntax=evil/frontend\nFROM alpine\n', 1],
    ['{"syntax": "evil/frontend"}', 1],
  ])('refuses %j (line %i)', (text, line) => {
    const [refusal, ...rest] = checkPolicy(text);
    expect(rest).toEqual([]);
    expect(refusal).toMatchObject({ code: 'syntax-directive', line });
    expect(refusal?.message).toMatch(new RegExp(`^line ${line}: .*Delete the line`));
  });

  it('leaves comments that only look like directives alone', () => {
    expect(findSyntaxDirective('\n# syntax=x\nFROM alpine\n')).toBeUndefined(); // after a blank line: a comment
    expect(findSyntaxDirective('# a comment\n# syntax=x\nFROM alpine\n')).toBeUndefined();
    expect(findSyntaxDirective('FROM alpine\n# syntax=x\n')).toBeUndefined();
    expect(codes('FROM alpine\n# syntax=docker/dockerfile:1 is what you would write elsewhere\nRUN true\n')).toEqual([]);
  });
});

describe('checkPolicy: RUN flags', () => {
  it('refuses --security=insecure', () => {
    const [r] = checkPolicy('FROM alpine\nRUN --security=insecure mount -t tmpfs none /mnt\n');
    expect(r).toMatchObject({ code: 'insecure-run', line: 2 });
    expect(r?.message).toContain('line 2: RUN --security=insecure is not allowed');
    expect(r?.message).toContain('Remove the flag');
    expect(codes('FROM alpine\nRUN --security=sandbox true\n')).toEqual([]);
  });

  it('refuses any network but default and none', () => {
    expect(codes('FROM alpine\nRUN --network=host wget http://example.com\n')).toEqual(['network@2']);
    expect(codes('FROM alpine\nRUN --network=bridge true\n')).toEqual(['network@2']);
    expect(codes('FROM alpine\nRUN --network=$NET true\n')).toEqual(['network@2']);
    expect(codes('FROM alpine\nRUN --network=none true\nRUN --network=default true\n')).toEqual([]);
    expect(checkPolicy('FROM alpine\nRUN --network=host true\n')[0]?.message).toContain('--network=none');
  });

  it('refuses --device, ssh mounts and mount types it does not know', () => {
    expect(codes('FROM alpine\nRUN --device=/dev/fuse true\n')).toEqual(['device@2']);
    expect(codes('FROM alpine\nRUN --mount=type=ssh git clone git@github.com:x/y\n')).toEqual(['ssh-mount@2']);
    expect(codes('FROM alpine\nRUN --mount=TYPE=SSH,id=default true\n')).toEqual(['ssh-mount@2']);
    expect(codes('FROM alpine\nRUN --mount=type=device,target=/dev/kvm true\n')).toEqual(['mount-type@2']);
    expect(codes('FROM alpine\nARG T=ssh\nRUN --mount=type=$T true\n')).toEqual(['mount-type@3']);
    expect(codes('FROM alpine\nRUN --privileged true\n')).toEqual(['unknown-flag@2']);
    expect(codes('FROM alpine\nRUN --Network=host true\n')).toEqual(['unknown-flag@2']);
  });

  it('allows the mounts the course teaches: cache (any sharing, from a stage), secret, bind from a stage, tmpfs', () => {
    expect(codes(`FROM golang:1.24 AS build
RUN --mount=type=cache,target=/root/.cache/go-build,sharing=shared \\
    --mount=type=cache,target=/go/pkg/mod,sharing=locked,id=gomod \\
    --mount=type=bind,source=go.mod,target=go.mod \\
    go build ./...
FROM alpine
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required=true \\
    --mount=type=tmpfs,target=/tmp \\
    --mount=type=bind,from=build,source=/out,target=/in \\
    --mount=type=cache,from=build,source=/go/pkg/mod,target=/seed \\
    --mount=target=/ctx \\
    ls /in
`)).toEqual([]);
  });

  it('names the line of a flag on a continuation line, and every bad flag', () => {
    const text = 'FROM alpine\nRUN --mount=type=cache,target=/x \\\n    --network=host \\\n    --security=insecure \\\n    true\n';
    expect(codes(text)).toEqual(['network@3', 'insecure-run@4']);
  });

  it('checks RUN inside ONBUILD as if it ran', () => {
    expect(codes('FROM alpine\nONBUILD RUN --network=host true\n')).toEqual(['network@2']);
    expect(codes('FROM alpine\nONBUILD RUN --mount=type=cache,target=/x true\nONBUILD COPY . /app\n')).toEqual([]);
  });

  it('does not read heredoc bodies as flags', () => {
    expect(codes('FROM alpine\nRUN <<EOF\ndocker run --network=host --security=insecure x\nADD https://example.com /x\nEOF\nRUN true\n')).toEqual([]);
    expect(codes('FROM alpine\nRUN <<EOF\nx\nEOF\nRUN --network=host true\n')).toEqual(['network@5']);
  });

  it('refuses flags written so that BuildKit and the grader could read them differently', () => {
    // BuildKit drops the quotes: this is --network=host.
    expect(codes('FROM alpine\nRUN --net"work"=host true\n')).toEqual(['flag-quoting@2']);
    expect(codes('FROM alpine\nRUN --mount="type=ssh" true\n')).toEqual(['flag-quoting@2']);
    expect(codes('FROM alpine\nRUN --network=ho\\st true\n')).toEqual(['flag-quoting@2']);
    // BuildKit splits flags at a no-break space; dockerfile-ast does not.
    expect(codes('FROM alpine\nRUN --mount=type=cache,target=/x\u00a0--network=host true\n')).toEqual(['hidden-characters@2', 'flag-quoting@2']);
    expect(codes('FROM alpine\nRUN \u00a0--network=host true\n')).toEqual(['hidden-characters@2']);
    // A bare CR is a line end to the grader, not to BuildKit.
    expect(codes('FROM alpine\nRUN --mount=type=cache,target=/x\r--network=host true\n')).toEqual(['hidden-characters@2']);
    expect(codes('FROM alpine\r\nRUN --mount=type=cache,target=/x \\\r\n  true\r\n')).toEqual([]);
  });
});

describe('checkPolicy: ADD', () => {
  it('refuses ADD of a URL or a git repository, in any form', () => {
    expect(codes('FROM alpine\nADD https://example.com/tool.tgz /opt/\n')).toEqual(['add-url@2']);
    expect(codes('FROM alpine\nADD --checksum=sha256:0 http://example.com/x /x\n')).toEqual(['add-url@2']);
    expect(codes('FROM alpine\nADD git@github.com:moby/buildkit.git /src\n')).toEqual(['add-url@2']);
    expect(codes('FROM alpine\nADD ["https://example.com/x", "/x"]\n')).toEqual(['add-url@2']);
    expect(codes('FROM alpine\nONBUILD ADD https://example.com/x /x\n')).toEqual(['add-url@2']);
    expect(codes('FROM alpine\nARG SRC=https://example.com/x\nADD $SRC /x\n')).toEqual(['add-url@3']);
    const [r] = checkPolicy('FROM alpine\nADD https://example.com/tool.tgz /opt/\n');
    expect(r?.message).toBe('line 2: ADD of a URL or git repository (https://example.com/tool.tgz) is not allowed: graded builds reach only the course mirror. Put the file in the lab folder and COPY it (COPY <<EOF for an inline file).');
  });

  it('allows ADD of local files (and archives), with variables in the destination', () => {
    expect(codes('FROM alpine\nADD app.tar.gz /opt/\nADD --chown=1000 conf/ $HOME/conf/\nCOPY --from=build /out /app\n')).toEqual([]);
  });
});

describe('namespaceCacheMounts', () => {
  const key = 'stagecraft-alice';

  /** Every cache mount, as the harness's own reader sees it after the rewrite. */
  const ids = (text: string): string[] => cacheMountsInDockerfile(parseDockerfile(text)).map((m) => m.id);

  it('gives a mount without an id the id <key>/<target>', () => {
    const out = namespaceCacheMounts('FROM node:24\nRUN --mount=type=cache,target=/root/.npm npm ci\n', key);
    expect(out).toBe('FROM node:24\nRUN --mount=type=cache,target=/root/.npm,id=stagecraft-alice//root/.npm npm ci\n');
  });

  it('prefixes an existing id (any case), and fills an empty one', () => {
    expect(namespaceCacheMounts('FROM x\nRUN --mount=type=cache,id=npm,target=/root/.npm true\n', key))
      .toBe('FROM x\nRUN --mount=type=cache,id=stagecraft-alice/npm,target=/root/.npm true\n');
    expect(namespaceCacheMounts('FROM x\nRUN --mount=ID=npm,Type=Cache,dst=/root/.npm true\n', key))
      .toBe('FROM x\nRUN --mount=ID=stagecraft-alice/npm,Type=Cache,dst=/root/.npm true\n');
    expect(namespaceCacheMounts('FROM x\nRUN --mount=type=cache,target=/w,id= true\n', key))
      .toBe('FROM x\nRUN --mount=type=cache,target=/w,id=stagecraft-alice//w true\n');
  });

  it('rewrites several mounts over continuation lines and leaves every other byte alone', () => {
    const text = [
      'FROM debian:trixie-slim',
      'RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\',
      '    --mount=type=secret,id=npmrc,target=/root/.npmrc \\',
      '    --mount=type=cache,\\',
      'id=lists,target=/var/lib/apt/lists,sharing=locked \\',
      '    --mount=type=bind,source=.,target=/src \\',
      '    apt-get update && apt-get install -y curl',
      'RUN <<EOF',
      'echo "--mount=type=cache,target=/not/a/flag"',
      'EOF',
      '',
    ].join('\n');
    const out = namespaceCacheMounts(text, key);
    expect(out).toBe([
      'FROM debian:trixie-slim',
      'RUN --mount=type=cache,target=/var/cache/apt,sharing=locked,id=stagecraft-alice//var/cache/apt \\',
      '    --mount=type=secret,id=npmrc,target=/root/.npmrc \\',
      '    --mount=type=cache,\\',
      'id=stagecraft-alice/lists,target=/var/lib/apt/lists,sharing=locked \\',
      '    --mount=type=bind,source=.,target=/src \\',
      '    apt-get update && apt-get install -y curl',
      'RUN <<EOF',
      'echo "--mount=type=cache,target=/not/a/flag"',
      'EOF',
      '',
    ].join('\n'));
    expect(ids(out)).toEqual(['stagecraft-alice//var/cache/apt', 'stagecraft-alice/lists']);
  });

  it('keeps CRLF line endings, cache mounts seeded from a stage, and ONBUILD triggers in the namespace', () => {
    const crlf = 'FROM x AS build\r\nRUN --mount=type=cache,target=/a \\\r\n    --mount=type=cache,from=build,source=/s,target=/b true\r\nONBUILD RUN --mount=type=cache,target=/c true\r\n';
    expect(namespaceCacheMounts(crlf, key)).toBe(
      'FROM x AS build\r\nRUN --mount=type=cache,target=/a,id=stagecraft-alice//a \\\r\n    --mount=type=cache,from=build,source=/s,target=/b,id=stagecraft-alice//b true\r\nONBUILD RUN --mount=type=cache,target=/c,id=stagecraft-alice//c true\r\n');
  });

  it('changes nothing in a Dockerfile without cache mounts', () => {
    const text = 'FROM alpine\nRUN --mount=type=secret,id=token cat /run/secrets/token\nCOPY . .\n';
    expect(namespaceCacheMounts(text, key)).toBe(text);
  });

  it('refuses a key that could break out of the mount value', () => {
    expect(() => namespaceCacheMounts('FROM x\n', 'a,id=bob')).toThrow(/must match/);
    expect(() => namespaceCacheMounts('FROM x\n', '')).toThrow(/must match/);
  });

  it.each(courseDockerfiles.map((f) => [path.relative(path.dirname(labsDir), f), f]))('keeps %s valid and within the namespace', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const out = namespaceCacheMounts(text, key);
    expect(ids(out).every((id) => id.startsWith(`${key}/`))).toBe(true);
    expect(ids(out)).toHaveLength(ids(text).length);
    expect(checkPolicy(out)).toEqual([]);
    // Only insertions: taking them out gives the original back.
    expect(out.replace(new RegExp(`,id=${key}/[^\\s,]*|(?<=id=)${key}/`, 'g'), '')).toBe(text);
  });
});
