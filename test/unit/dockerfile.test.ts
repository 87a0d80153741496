import { describe, expect, it } from 'vitest';
import { parseDockerfile, targetStage } from '../../harness/build/dockerfile.ts';
import { StagecraftError } from '../../harness/errors.ts';

describe('parseDockerfile', () => {
  it('finds stages, base images and global ARG defaults', () => {
    const p = parseDockerfile([
      'ARG NODE=24',
      'FROM node:${NODE}-trixie-slim AS build',
      'RUN --mount=type=cache,target=/root/.npm npm ci',
      'FROM gcr.io/distroless/nodejs24-debian13:nonroot',
      'COPY --from=build /app /app',
      'CMD ["server.js"]',
    ].join('\n'));
    expect(p.stages.map((s) => s.name)).toEqual(['build', undefined]);
    expect(p.baseImages).toEqual(['node:24-trixie-slim', 'gcr.io/distroless/nodejs24-debian13:nonroot']);
    expect(p.stages[0]?.instructions[0]).toMatchObject({ keyword: 'RUN', flags: [{ name: 'mount', value: 'type=cache,target=/root/.npm' }] });
    expect(targetStage(p)?.from).toBe('gcr.io/distroless/nodejs24-debian13:nonroot');
    expect(targetStage(p, 'build')?.from).toBe('node:24-trixie-slim');
  });

  it('does not count stage names or scratch as base images', () => {
    const p = parseDockerfile('FROM debian:trixie-slim AS base\nFROM base AS app\nFROM scratch\nCOPY --from=app /x /x\n');
    expect(p.baseImages).toEqual(['debian:trixie-slim']);
  });

  it('rejects an unknown instruction with the line number', () => {
    expect(() => parseDockerfile('FROM debian:trixie-slim\nRUNN echo hi\n')).toThrow(/line 2: Unknown instruction: RUNN/);
  });

  it('rejects a trailing comment on FROM, as BuildKit does', () => {
    expect(() => parseDockerfile('FROM node:24-trixie-slim  # the base\n')).toThrow(StagecraftError);
  });

  it('rejects binary junk and a missing FROM', () => {
    expect(() => parseDockerfile('\u0000\u0001ELF')).toThrow(/not a text file/);
    expect(() => parseDockerfile('RUN echo hi\n')).toThrow(/FROM/);
  });

  it('reports parser directives', () => {
    expect(parseDockerfile('# syntax=docker/dockerfile:1\nFROM scratch\n').directives).toEqual([{ name: 'syntax', value: 'docker/dockerfile:1' }]);
  });
});
