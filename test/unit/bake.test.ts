import { describe, expect, it } from 'vitest';
import { BuildLog } from '../../harness/build/build-log.ts';
import { bakeSets, parseMirrorFlags } from '../../harness/mirror/bake-overrides.ts';
import { bakeSteps } from '../../harness/checks/goals/pipeline.ts';

describe("the mirror's flags for bake", () => {
  it('become named contexts, host mappings and labels', () => {
    const parsed = parseMirrorFlags(['--build-context', 'node:24-trixie-slim=docker-image://stagecraft-mirror/node:24-trixie-slim',
      '--add-host', 'stagecraft-mirror:172.17.0.1', '--label', 'org.stagecraft.mirror-base=false']);
    expect(parsed).toEqual({
      contexts: { 'node:24-trixie-slim': 'docker-image://stagecraft-mirror/node:24-trixie-slim' },
      hosts: { 'stagecraft-mirror': '172.17.0.1' },
      labels: { 'org.stagecraft.mirror-base': 'false' },
    });
    expect(bakeSets({ contexts: parsed.contexts, labels: parsed.labels })).toEqual([
      '*.contexts.node:24-trixie-slim=docker-image://stagecraft-mirror/node:24-trixie-slim',
      '*.labels.org.stagecraft.mirror-base=false',
    ]);
  });

  it('refuse a flag bake has no equivalent for', () => {
    expect(() => parseMirrorFlags(['--network', 'host'])).toThrow(/no docker buildx bake equivalent/);
  });
});

describe("bake's step names", () => {
  it('carry the target before the stage', () => {
    const log = new BuildLog();
    log.push([
      '#1 [internal] load local bake definitions',
      '#1 DONE 0.0s',
      '#11 [production production 1/2] RUN npm ci --omit=dev',
      '#11 CACHED',
      '#12 [test test 1/4] RUN npm ci',
      '#12 ERROR: process "/bin/sh -c npm ci" did not complete successfully: network bridge not found',
      '#13 [production internal] load build context',
      '#14 [test linux/arm64 base 1/3] WORKDIR /app',
      '',
    ].join('\n'));
    log.end();
    expect(bakeSteps(log.ordered(), ['test', 'production']).map((s) => [s.target, s.stage, s.instruction, s.step.cached, s.step.error !== undefined])).toEqual([
      ['production', 'production', 'RUN npm ci --omit=dev', true, false],
      ['test', 'test', 'RUN npm ci', false, true],
      ['test', 'base', 'WORKDIR /app', false, false],
    ]);
  });
});
