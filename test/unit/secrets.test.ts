import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../harness/build/dockerfile.ts';
import { declaredVars } from '../../harness/build/declared-vars.ts';
import { secretMountsInDockerfile, secretMountsOfInstruction } from '../../harness/build/secret-mounts.ts';
import { flattenConfig } from '../../harness/inspect/config-fields.ts';
import { answersFor } from '../../harness/inspect/layer-cache.ts';
import type { LayerContents } from '../../harness/inspect/layer-contents.ts';
import { argNamesInHistory, looksSecret, mask } from '../../harness/inspect/secret-names.ts';

describe('names that look like secrets (BuildKit\'s SecretsUsedInArgOrEnv words)', () => {
  it('flags whole words, in any case, anywhere in the name', () => {
    for (const name of ['NPM_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'api_key', 'APIKEY', 'GITHUB_AUTH', 'DB_PASSWORD', 'password', 'Registry_Credentials', 'TOKEN_VALUE']) {
      expect(looksSecret(name), name).toBe(true);
    }
  });

  it('leaves other names, and names marked harmless, alone', () => {
    for (const name of ['NPM_REGISTRY', 'MONKEY', 'KEYBOARD_LAYOUT', 'TOKENIZER', 'AUTHOR', 'PUBLIC_KEY', 'NPM_TOKEN_FILE', 'KEY_VERSION', 'NODE_VERSION', 'PATH']) {
      expect(looksSecret(name), name).toBe(false);
    }
  });
});

describe('build-argument names in image history', () => {
  it('reads ARG entries', () => {
    expect(argNamesInHistory('ARG NPM_TOKEN')).toEqual(['NPM_TOKEN']);
    expect(argNamesInHistory('ARG A=1 B')).toEqual(['A', 'B']);
  });

  it('reads the |N prefix BuildKit gives RUN entries, values with spaces included', () => {
    expect(argNamesInHistory('RUN |2 NPM_REGISTRY=http://r:4880/ NPM_TOKEN=abc /bin/sh -c npm ci # buildkit')).toEqual(['NPM_REGISTRY', 'NPM_TOKEN']);
    expect(argNamesInHistory('RUN |3 A=one two B= C=x=y /bin/sh -c true')).toEqual(['A', 'B', 'C']);
    expect(argNamesInHistory('RUN |1 GREETING=hi npm ci')).toEqual(['GREETING']);
  });

  it('finds none elsewhere', () => {
    expect(argNamesInHistory('RUN /bin/sh -c FOO=bar npm ci # buildkit')).toEqual([]);
    expect(argNamesInHistory('ENV NPM_TOKEN=abc')).toEqual([]);
    expect(argNamesInHistory('COPY . . # buildkit')).toEqual([]);
  });
});

describe('masking', () => {
  it('replaces every occurrence of every secret', () => {
    expect(mask('t=abc; again abc; def', ['abc', 'def'])).toBe('t=***; again ***; ***');
    expect(mask('nothing here', [''])).toBe('nothing here');
  });
});

describe('config fields', () => {
  it('flattens values and keys with their paths', () => {
    const fields = flattenConfig({ Env: ['A=1'], Labels: { 'org.x.token': 'v' }, Cmd: null, Healthcheck: { Retries: 3 } }, 'Config');
    expect(fields).toEqual(expect.arrayContaining([
      { path: 'Config.Env[0]', value: 'A=1' },
      { path: 'Config.Labels["org.x.token"] (key)', value: 'org.x.token' },
      { path: 'Config.Labels["org.x.token"]', value: 'v' },
      { path: 'Config.Healthcheck.Retries', value: '3' },
    ]));
    expect(fields.some((f) => f.path === 'Config.Cmd')).toBe(false);
  });
});

describe('secret mounts (dockerfile-ast)', () => {
  it('reads id, target and required as BuildKit defaults them', () => {
    expect(secretMountsOfInstruction('RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required=true npm ci')).toEqual([
      { id: 'npmrc', target: '/root/.npmrc', required: true, unsupported: [], line: 1 },
    ]);
    const [bare] = secretMountsOfInstruction('RUN --mount=type=secret,id=npmrc   NPM_CONFIG_USERCONFIG=/run/secrets/npmrc npm ci');
    expect(bare).toMatchObject({ id: 'npmrc', target: '/run/secrets/npmrc', required: false });
    const [byTarget] = secretMountsOfInstruction('RUN --mount=type=secret,dst=/etc/token,required cat /etc/token');
    expect(byTarget).toMatchObject({ id: 'token', target: '/etc/token', required: true });
  });

  it('ignores other mounts and instructions, and notes options this engine rejects', () => {
    expect(secretMountsOfInstruction('RUN --mount=type=cache,target=/root/.npm npm ci')).toEqual([]);
    expect(secretMountsOfInstruction('COPY . .')).toEqual([]);
    const [env] = secretMountsOfInstruction('RUN --mount=type=secret,id=tok,env=TOKEN true');
    expect(env?.unsupported).toEqual(['env']);
  });

  it('lists the mounts and variables a Dockerfile declares', () => {
    const parsed = parseDockerfile([
      'ARG BASE=node:24-trixie-slim',
      'FROM ${BASE} AS build',
      'ARG NPM_TOKEN',
      'RUN --mount=type=secret,id=npmrc,target=/root/.npmrc --mount=type=cache,target=/root/.npm npm ci',
      'FROM build',
      'ENV A=1 API_KEY=2',
      '',
    ].join('\n'));
    expect(secretMountsInDockerfile(parsed).map((m) => [m.id, m.line])).toEqual([['npmrc', 3]]);
    expect(declaredVars(parsed).map((v) => `${v.keyword} ${v.name}`)).toEqual(['ARG BASE', 'ARG NPM_TOKEN', 'ENV A', 'ENV API_KEY']);
  });
});

describe('layer cache and values made up during a check', () => {
  const layer = (searched: string[], firstSeen?: number): LayerContents => ({ diffId: 'sha256:x', size: 0, files: [], found: {}, searched, ...(firstSeen === undefined ? {} : { firstSeen }) });

  it('a layer read before a token existed answers for it without being read again', () => {
    expect(answersFor(layer(['canary'], 1000), ['canary', 'tok'], { needles: ['tok'], since: 2000 })).toBe(true);
  });

  it('a layer read since then, or a value not made up in the check, needs a search', () => {
    expect(answersFor(layer(['canary'], 3000), ['canary', 'tok'], { needles: ['tok'], since: 2000 })).toBe(false);
    expect(answersFor(layer([], 1000), ['canary'], { needles: ['tok'], since: 2000 })).toBe(false);
    expect(answersFor(layer(['canary']), ['canary', 'tok'], { needles: ['tok'], since: 2000 })).toBe(false);
    expect(answersFor(layer(['canary'], 1000), ['canary', 'tok'])).toBe(false);
  });
});
