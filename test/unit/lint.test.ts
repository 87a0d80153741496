/** Docker's build checks, each with a Dockerfile that breaks it and one that does not. */
import { describe, expect, it } from 'vitest';
import { lintDockerfile, type LintOptions } from '../../harness/lint/lint.ts';
import { isValidImageReference, parsePlatform } from '../../harness/lint/reference.ts';
import { RULE_NAMES, type LintRule } from '../../harness/lint/rules.ts';
import { expandWord } from '../../harness/lint/shell-word.ts';

const node: LintOptions['baseImage'] = (ref) => (ref.startsWith('node:') ? { env: { PATH: '/usr/local/bin:/usr/bin', NODE_VERSION: '24.11.0' } } : undefined);

interface Case {
  bad: string;
  /** One-based line the finding is reported on. */
  line: number;
  good: string;
  opts?: LintOptions;
}

const df = (...lines: string[]): string => `${lines.join('\n')}\n`;

const cases: Record<LintRule, Case> = {
  FromAsCasing: {
    bad: df('FROM node:24-trixie-slim as build', 'CMD ["node"]'), line: 1,
    good: df('FROM node:24-trixie-slim AS build', 'CMD ["node"]'),
  },
  StageNameCasing: {
    bad: df('FROM node:24-trixie-slim AS Build', 'FROM Build', 'CMD ["node"]'), line: 1,
    good: df('FROM node:24-trixie-slim AS build', 'FROM build', 'CMD ["node"]'),
  },
  JSONArgsRecommended: {
    bad: df('FROM node:24-trixie-slim', 'CMD node server.js'), line: 2,
    good: df('FROM node:24-trixie-slim', 'CMD ["node", "server.js"]'),
  },
  SecretsUsedInArgOrEnv: {
    bad: df('FROM node:24-trixie-slim', 'ARG NPM_TOKEN', 'RUN npm ci'), line: 2,
    // "public" and "version" words mark names that are not secrets.
    good: df('FROM node:24-trixie-slim', 'ARG PUBLIC_KEY', 'ENV NODE_VERSION_KEY=1 MONKEY=2', 'RUN npm ci'),
  },
  UndefinedVar: {
    bad: df('FROM node:24-trixie-slim', 'ENV PATH=/app/bin:$PAHT'), line: 2,
    good: df('FROM node:24-trixie-slim', 'ARG APP_DIR', 'ENV PATH=/app/bin:$PATH', 'COPY . ${APP_DIR}', "LABEL literal='$NOT_EXPANDED'"),
    opts: { baseImage: node },
  },
  WorkdirRelativePath: {
    bad: df('FROM node:24-trixie-slim', 'WORKDIR app'), line: 2,
    good: df('FROM node:24-trixie-slim', 'WORKDIR /app', 'WORKDIR src'),
  },
  UndefinedArgInFrom: {
    bad: df('FROM node:${NODE_MAJOR}-trixie-slim', 'CMD ["node"]'), line: 1,
    good: df('ARG NODE_MAJOR=24', 'FROM --platform=$BUILDPLATFORM node:${NODE_MAJOR}-trixie-slim', 'CMD ["node"]'),
  },
  MaintainerDeprecated: {
    bad: df('FROM node:24-trixie-slim', 'MAINTAINER Ada <ada@example.org>'), line: 2,
    good: df('FROM node:24-trixie-slim', 'LABEL org.opencontainers.image.authors="Ada"'),
  },
  ConsistentInstructionCasing: {
    bad: df('FROM node:24-trixie-slim', 'WORKDIR /app', 'copy . .', 'CMD ["node"]'), line: 3,
    good: df('from node:24-trixie-slim', 'workdir /app', 'copy . .', 'cmd ["node"]'),
  },
  DuplicateStageName: {
    bad: df('FROM node:24-trixie-slim AS build', 'FROM debian:trixie-slim AS build'), line: 2,
    good: df('FROM node:24-trixie-slim AS build', 'FROM debian:trixie-slim AS runtime'),
  },
  ReservedStageName: {
    bad: df('FROM node:24-trixie-slim AS scratch'), line: 1,
    good: df('FROM node:24-trixie-slim AS base', 'FROM scratch'),
  },
  MultipleInstructionsDisallowed: {
    // Reported where the ignored (earlier) one is.
    bad: df('FROM node:24-trixie-slim', 'CMD ["node", "a.js"]', 'CMD ["node", "b.js"]'), line: 2,
    good: df('FROM node:24-trixie-slim AS base', 'CMD ["node", "a.js"]', 'FROM base', 'CMD ["node", "b.js"]'),
  },
  LegacyKeyValueFormat: {
    bad: df('FROM node:24-trixie-slim', 'ENV NODE_ENV production'), line: 2,
    good: df('FROM node:24-trixie-slim', 'ENV NODE_ENV=production'),
  },
  NoEmptyContinuation: {
    bad: df('FROM debian:trixie-slim', 'RUN apt-get update && \\', '', '    apt-get install -y --no-install-recommends curl'), line: 3,
    good: df('FROM debian:trixie-slim', 'RUN apt-get update && \\', '    apt-get install -y --no-install-recommends curl', '', 'RUN <<EOF', 'echo one', '', 'echo two', 'EOF'),
  },
  InvalidDefaultArgInFrom: {
    bad: df('ARG TAG', 'FROM debian:${TAG}'), line: 2,
    good: df('ARG TAG', 'ARG VARIANT', 'FROM debian:${TAG:-trixie-slim}', 'FROM debian:trixie${VARIANT}'),
  },
  FromPlatformFlagConstDisallowed: {
    bad: df('FROM --platform=linux/amd64 debian:trixie-slim AS base'), line: 1,
    good: df('FROM --platform=linux/amd64 debian:trixie-slim AS build-amd64', 'FROM --platform=$BUILDPLATFORM debian:trixie-slim AS tools'),
  },
  CopyIgnoredFile: {
    bad: df('FROM node:24-trixie-slim', 'COPY node_modules/ /app/node_modules/'), line: 2,
    good: df('FROM node:24-trixie-slim AS build', 'COPY . /app', 'COPY --from=build /app/node_modules /x'),
    opts: { dockerignore: '# keep the host install out\nnode_modules\n.git\n' },
  },
  RedundantTargetPlatform: {
    bad: df('FROM --platform=$TARGETPLATFORM debian:trixie-slim'), line: 1,
    good: df('FROM --platform=$BUILDPLATFORM debian:trixie-slim'),
  },
};

const rulesIn = (text: string, opts?: LintOptions): LintRule[] => lintDockerfile(text, opts).map((f) => f.rule);

describe('lintDockerfile', () => {
  it('has a case for every rule', () => {
    expect(Object.keys(cases).sort()).toEqual([...RULE_NAMES].sort());
  });

  for (const [rule, c] of Object.entries(cases) as [LintRule, Case][]) {
    describe(rule, () => {
      it('reports the Dockerfile that breaks it, on the right line', () => {
        const found = lintDockerfile(c.bad, c.opts).filter((f) => f.rule === rule);
        expect(found.length).toBeGreaterThan(0);
        expect(found[0]?.line).toBe(c.line);
        expect(found[0]?.message).toMatch(/\w/);
      });
      it('is quiet about the Dockerfile that keeps it', () => {
        expect(rulesIn(c.good, c.opts)).not.toContain(rule);
      });
    });
  }

  it('finds nothing in a clean multi-stage Dockerfile', () => {
    const text = df(
      'ARG NODE_MAJOR=24',
      'FROM --platform=$BUILDPLATFORM node:${NODE_MAJOR}-trixie-slim AS build',
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN --mount=type=cache,target=/root/.npm npm ci',
      'COPY . .',
      'RUN npm run build',
      'FROM gcr.io/distroless/nodejs24-debian13:nonroot',
      'ARG TARGETARCH',
      'WORKDIR /app',
      'ENV NODE_ENV=production ARCH=${TARGETARCH}',
      'COPY --from=build /app/dist ./dist',
      'USER nonroot',
      'EXPOSE 3000',
      'HEALTHCHECK CMD ["/nodejs/bin/node", "dist/healthcheck.js"]',
      'CMD ["dist/server.js"]',
    );
    expect(lintDockerfile(text, { baseImage: () => ({ env: { PATH: '/usr/bin' } }), dockerignore: 'node_modules\n' })).toEqual([]);
  });

  it('a global ARG is empty in a stage that does not declare it again', () => {
    const text = df('ARG APP=/srv/app', 'FROM debian:trixie-slim', 'WORKDIR $APP', 'FROM debian:trixie-slim', 'ARG APP', 'WORKDIR $APP');
    const found = lintDockerfile(text, { baseImage: () => ({ env: {} }) });
    expect(found.filter((f) => f.rule === 'UndefinedVar').map((f) => f.line)).toEqual([3]);
    // ...and expanded to nothing, the first WORKDIR is relative; the second is /srv/app.
    expect(found.filter((f) => f.rule === 'WorkdirRelativePath').map((f) => f.line)).toEqual([3]);
  });

  it('says nothing about variables when the base image environment is unknown', () => {
    expect(rulesIn(df('FROM node:24-trixie-slim', 'ENV PATH=/app:$PATH'))).not.toContain('UndefinedVar');
  });

  it('a stage inherits its parent stage\'s variables and SHELL', () => {
    const text = df('FROM scratch AS base', 'ENV DIR=/x', 'SHELL ["/bin/bash", "-c"]', 'FROM base', 'WORKDIR $DIR', 'CMD run it');
    expect(rulesIn(text)).toEqual([]);
  });

  it('suggests the variable a typo meant', () => {
    const [f] = lintDockerfile(df('FROM node:24-trixie-slim', 'ENV PATH=/app:$PAHT'), { baseImage: node });
    expect(f?.message).toMatch(/\$PAHT.*did you mean \$PATH\?/);
  });

  it('marks findings a check directive skips, and keeps them', () => {
    const text = df('# check=skip=JSONArgsRecommended', 'FROM node:24-trixie-slim', '# check=skip=LegacyKeyValueFormat', 'ENV A b', 'CMD node x.js');
    const found = lintDockerfile(text);
    expect(found.map((f) => [f.rule, f.skipped === true])).toEqual([['LegacyKeyValueFormat', true], ['JSONArgsRecommended', true]]);
    expect(lintDockerfile(df('# check=skip=all', 'FROM x as y')).every((f) => f.skipped)).toBe(true);
  });

  it('CopyIgnoredFile stands down when .dockerignore re-includes paths', () => {
    const text = df('FROM node:24-trixie-slim', 'COPY docs/README.md /x');
    expect(rulesIn(text, { dockerignore: 'docs\n' })).toContain('CopyIgnoredFile');
    expect(rulesIn(text, { dockerignore: 'docs\n!docs/README.md\n' })).not.toContain('CopyIgnoredFile');
    expect(rulesIn(df('FROM node:24-trixie-slim', 'COPY . /app'), { dockerignore: '*\n' })).toContain('CopyIgnoredFile');
  });

  it('a shell-form CMD is fine after SHELL, and HEALTHCHECK is tracked like CMD', () => {
    expect(rulesIn(df('FROM debian:trixie-slim', 'SHELL ["/bin/bash", "-c"]', 'CMD echo hi'))).toEqual([]);
    const found = lintDockerfile(df('FROM debian:trixie-slim', 'HEALTHCHECK NONE', 'HEALTHCHECK CMD ["true"]'));
    expect(found.map((f) => [f.rule, f.line])).toEqual([['MultipleInstructionsDisallowed', 2]]);
  });
});

describe('expandWord', () => {
  const env = new Map([['A', 'one'], ['EMPTY', '']]);
  it('expands like BuildKit: quotes, escapes and modifiers', () => {
    expect(expandWord('$A-${A}', env).result).toBe('one-one');
    expect(expandWord("'$A'", env).result).toBe('$A');
    expect(expandWord('"$A"', env).result).toBe('one');
    expect(expandWord('\\$A', env).result).toBe('$A');
    expect(expandWord('${EMPTY:-x}${EMPTY-y}${A:+z}${NONE+w}', env).result).toBe('xz');
  });
  it('records the variables it looked up', () => {
    const e = expandWord('${A}/${B:-b}/$C', env);
    expect([...e.matched]).toEqual(['A']);
    expect([...e.unmatched].sort()).toEqual(['B', 'C']);
    expect(expandWord("'$B'", env).unmatched.size).toBe(0);
  });
});

describe('image references and platforms', () => {
  it('accepts what docker pull accepts', () => {
    for (const ok of ['debian', 'node:24-trixie-slim', 'gcr.io/distroless/nodejs24-debian13:nonroot', 'localhost:5000/a/b', 'build_amd64', `debian@sha256:${'a'.repeat(64)}`]) {
      expect(isValidImageReference(ok), ok).toBe(true);
    }
    for (const bad of ['', 'node:', 'Node:24', ':24', 'a'.repeat(64), 'node:24 extra']) expect(isValidImageReference(bad), bad).toBe(false);
  });
  it('parses platforms as containerd does', () => {
    expect(parsePlatform('linux/arm64')).toEqual({ os: 'linux', architecture: 'arm64', variant: undefined });
    expect(parsePlatform('linux/x86_64')?.architecture).toBe('amd64');
    expect(parsePlatform('arm64')?.os).toBe('linux');
    expect(parsePlatform('not a platform')).toBeUndefined();
  });
});
