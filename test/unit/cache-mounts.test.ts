import { describe, expect, it } from 'vitest';
import { DockerfileParser } from 'dockerfile-ast';
import { cacheMountsInDockerfile, cacheMountsOfInstruction, mountCovers } from '../../harness/build/cache-mounts.ts';
import { parseDockerfile } from '../../harness/build/dockerfile.ts';
import { withArgAfterEachFrom } from '../../harness/checks/rebuild.ts';

describe('cache mounts', () => {
  it('reads the cache mounts of a step as BuildKit names it (continuations joined)', () => {
    const step = 'RUN --mount=type=cache,target=/var/cache/apt,sharing=locked     --mount=type=cache,target=/var/lib/apt/lists/,id=lists     --mount=type=secret,id=npmrc     apt-get update';
    expect(cacheMountsOfInstruction(step)).toEqual([
      { target: '/var/cache/apt', id: '/var/cache/apt', sharing: 'locked', sharingWritten: true, line: 1 },
      { target: '/var/lib/apt/lists', id: 'lists', sharing: 'shared', sharingWritten: false, line: 1 },
    ]);
    expect(cacheMountsOfInstruction('COPY . .')).toEqual([]);
  });

  it('reads every cache mount of a Dockerfile, with dst= and quoted values', () => {
    const p = parseDockerfile('FROM debian:trixie-slim\nRUN --mount=type=cache,dst="/root/.npm",sharing=private npm ci\nRUN echo hi\n');
    expect(cacheMountsInDockerfile(p)).toEqual([{ target: '/root/.npm', id: '/root/.npm', sharing: 'private', sharingWritten: true, line: 1 }]);
  });

  it('counts a mount on a folder or inside it as covering it', () => {
    expect(mountCovers('/var/cache/apt', ['/var/cache/apt', '/var/lib/apt'])).toBe(true);
    expect(mountCovers('/var/lib/apt/lists', ['/var/cache/apt', '/var/lib/apt'])).toBe(true);
    expect(mountCovers('/var/lib/aptitude', ['/var/lib/apt'])).toBe(false);
    expect(mountCovers('/root/.npm', ['/var/cache/apt'])).toBe(false);
  });
});

describe('the forced rebuild', () => {
  it('declares the rebuild ARG after every FROM, multi-line ones included, and nowhere else', () => {
    const text = 'FROM node:24-trixie-slim AS build\nRUN npm ci\nFROM \\\n  node:24-trixie-slim\nCOPY --from=build /app /app\n';
    const out = withArgAfterEachFrom(text, 'STAGECRAFT_REBUILD', 'abc-1');
    expect(out).toBe('FROM node:24-trixie-slim AS build\nARG STAGECRAFT_REBUILD=abc-1\nRUN npm ci\nFROM \\\n  node:24-trixie-slim\nARG STAGECRAFT_REBUILD=abc-1\nCOPY --from=build /app /app\n');
    const stages = DockerfileParser.parse(out).getFROMs();
    expect(stages).toHaveLength(2);
  });
});
