import { describe, expect, it } from 'vitest';
import { BuildLog } from '../../harness/build/build-log.ts';
import { ownStepOverlap } from '../../harness/build/parallel-steps.ts';

/** A BuildLog fed line by line, each line arriving at the time given (ms). */
function logOf(lines: [number, string][]): BuildLog {
  let now = 0;
  const log = new BuildLog(1024 * 1024, () => now);
  for (const [t, line] of lines) {
    now = t;
    log.push(`${line}\n`);
  }
  log.end();
  return log;
}

// Two concurrent builds sharing the base steps; each then runs its own install and build.
const web = logOf([
  [0, '#5 [internal] load build context'], [100, '#5 DONE 0.1s'],
  [200, '#8 [web-build 1/5] WORKDIR /src'], [210, '#8 CACHED'],
  [300, '#12 [web-build 3/5] RUN --mount=type=cache,target=/root/.npm npm ci'], [4300, '#12 DONE 4.0s'],
  [4400, '#14 [web-build 5/5] RUN npm run build'], [5400, '#14 DONE 1.0s'],
  [5500, '#15 [web 4/4] COPY --from=web-build /src/dist ./dist'], [5600, '#15 DONE 0.1s'],
]);
const api = logOf([
  [0, '#5 [internal] load build context'], [100, '#5 DONE 0.1s'],
  [200, '#9 [web-build 1/5] WORKDIR /src'], [210, '#9 CACHED'],
  [400, '#11 [api-deps 3/3] RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev'], [2400, '#11 DONE 2.0s'],
  [2500, '#13 [api 3/4] COPY --from=api-deps /src/node_modules ./node_modules'], [2600, '#13 DONE 0.1s'],
]);

describe('BuildLog step times', () => {
  it('stamps when a step appeared and ended, and keeps BuildKit\'s duration', () => {
    const step = [...web.steps.values()].find((s) => s.name.endsWith('npm run build'));
    expect(step).toMatchObject({ seenAt: 4400, endedAt: 5400, durationMs: 1000, done: true });
    expect([...web.steps.values()].find((s) => s.name.includes('WORKDIR'))).toMatchObject({ cached: true, endedAt: 210, durationMs: undefined });
  });
});

describe('ownStepOverlap', () => {
  it('finds the RUN steps only one build ran, and how long they overlapped', () => {
    const o = ownStepOverlap(web.ordered(), api.ordered());
    expect(o.a.steps).toEqual(['[web-build 3/5] RUN --mount=type=cache,target=/root/.npm npm ci', '[web-build 5/5] RUN npm run build']);
    expect(o.b.steps).toEqual(['[api-deps 3/3] RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev']);
    expect(o.a.start).toBe(300);
    expect(o.overlapMs).toBe(2000);
  });

  it('reports no overlap when one build waited for the other', () => {
    const late = logOf([
      [6000, '#20 [api-deps 3/3] RUN npm ci --omit=dev'], [8000, '#20 DONE 2.0s'],
    ]);
    const o = ownStepOverlap(web.ordered(), late.ordered());
    expect(o.overlapMs).toBe(-600);
  });

  it('gives a build no own steps when its RUN steps are shared (one stage built FROM the other)', () => {
    // The API's install is part of the web build too: it is not the API's own work.
    const webOnTopOfApi = logOf([
      [400, '#11 [api-deps 3/3] RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev'], [2400, '#11 DONE 2.0s'],
      [2500, '#14 [web-build 5/5] RUN npm run build'], [3500, '#14 DONE 1.0s'],
    ]);
    const o = ownStepOverlap(webOnTopOfApi.ordered(), api.ordered());
    expect(o.b.steps).toEqual([]);
    expect(o.overlapMs).toBe(0);
  });

  it('ignores cached and unfinished steps', () => {
    const cached = logOf([[100, '#3 [api-deps 3/3] RUN npm ci --omit=dev'], [110, '#3 CACHED'], [120, '#4 [api 2/2] RUN node --version']]);
    expect(ownStepOverlap(web.ordered(), cached.ordered()).b.steps).toEqual([]);
  });
});
