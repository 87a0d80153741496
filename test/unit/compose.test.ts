import { describe, expect, it } from 'vitest';
import { composeMessages, runnableModel, type ComposeModel } from '../../harness/run/compose.ts';

describe('composeMessages', () => {
  it('takes the msg out of compose\'s logging frame and keeps other lines', () => {
    const stderr = 'time="2026-11-25T18:02:34Z" level=warning msg="/lab/compose.yaml: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion"\n'
      + 'service "web" refers to undefined network "front": invalid compose project\n';
    expect(composeMessages(stderr)).toEqual([
      '/lab/compose.yaml: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion',
      'service "web" refers to undefined network "front": invalid compose project',
    ]);
  });

  it('unescapes quotes inside the msg', () => {
    expect(composeMessages('level=warning msg="a \\"quoted\\" word"')).toEqual(['a "quoted" word']);
  });
});

describe('runnableModel', () => {
  const model: ComposeModel = {
    name: 'lab',
    services: {
      api: { build: { context: '/ctx', dockerfile: 'Dockerfile', target: 'api' }, expose: ['3000'], container_name: 'fixed-name' },
      web: { build: { context: '/ctx', dockerfile: 'Dockerfile', target: 'web' }, ports: [{ mode: 'ingress', target: 8080, published: '8080', protocol: 'tcp' }], labels: { team: 'web' } },
      db: { image: 'postgres:17' },
    },
    networks: { default: { name: 'lab_default', ipam: {} }, outside: { external: true, name: 'shared' } },
    volumes: { data: null },
  };
  const labels = { 'org.stagecraft.managed': 'true', 'org.stagecraft.session': 's1' };
  const out = runnableModel(model, { projectName: 'stagecraft-s1', images: { api: 'img:api', web: 'img:web' }, labels });

  it('runs the harness\'s images, never builds or pulls', () => {
    expect(out.name).toBe('stagecraft-s1');
    expect(out.services.api).toMatchObject({ image: 'img:api', pull_policy: 'never' });
    expect(out.services.api?.build).toBeUndefined();
    expect(out.services.db).toMatchObject({ image: 'postgres:17', pull_policy: 'never' });
  });

  it('publishes on ephemeral loopback ports and drops fixed container names', () => {
    expect(out.services.web?.ports).toEqual([{ target: 8080, host_ip: '127.0.0.1', protocol: 'tcp', mode: 'ingress' }]);
    expect(out.services.api?.container_name).toBeUndefined();
  });

  it('labels containers, networks and volumes it creates, and limits containers', () => {
    expect(out.services.web?.labels).toEqual({ team: 'web', ...labels });
    expect(out.networks?.default?.labels).toEqual(labels);
    expect(out.networks?.outside).toEqual({ external: true, name: 'shared' });
    expect(out.volumes?.data?.labels).toEqual(labels);
    expect(out.services.api).toMatchObject({ mem_limit: '512m', pids_limit: 256, cpus: 1 });
  });

  it('leaves the model it was given alone', () => {
    expect(model.services.api?.build).toBeDefined();
    expect(model.services.web?.ports?.[0]?.published).toBe('8080');
  });
});
