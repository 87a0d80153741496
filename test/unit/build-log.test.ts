import { describe, expect, it } from 'vitest';
import { BuildLog } from '../../harness/build/build-log.ts';

const sample = `#0 building with "default" instance using docker driver

#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 190B done
#1 DONE 0.0s

#5 [internal] load build context
#5 transferring context: 2.13MB 0.1s done
#5 DONE 0.1s

#6 [2/4] WORKDIR /app
#6 CACHED

#7 [3/4] RUN npm ci
#7 0.412 npm error code ECONNREFUSED
#7 0.413 npm error network request failed
#7 ERROR: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1
------
ERROR: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1
`;

describe('BuildLog', () => {
  const log = new BuildLog();
  log.push(sample);
  log.end();

  it('reads steps, cache hits and the failing step', () => {
    expect(log.steps.get(6)).toMatchObject({ name: '[2/4] WORKDIR /app', cached: true });
    expect(log.failedStep()).toMatchObject({ id: 7, name: '[3/4] RUN npm ci' });
    expect(log.failedStep()?.output).toEqual(['npm error code ECONNREFUSED', 'npm error network request failed']);
    expect(log.solveError).toMatch(/^failed to solve/);
  });

  it('measures the context BuildKit was sent', () => {
    expect(log.contextBytes).toBe(2_130_000);
  });

  it('keeps at most its cap of output', () => {
    const small = new BuildLog(100);
    small.push(`${'x'.repeat(80)}\n`.repeat(5));
    small.end();
    expect(small.toString().length).toBeLessThan(200);
    expect(small.toString()).toMatch(/not kept/);
  });

  it('handles lines split across chunks', () => {
    const l = new BuildLog();
    l.push('#3 [1/2] FROM node');
    l.push(':24\n#3 CACHED\n');
    expect(l.steps.get(3)).toMatchObject({ name: '[1/2] FROM node:24', cached: true });
  });
});
