import { guardedBridgeOption } from '../../harness/sandbox/host-guard.ts';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ComposeError, ComposeRefusedError, composeConfig, composeMessages, insideDir, MAX_ISOLATED_SERVICES, runnableModel, type ComposeModel, type ComposeService,
} from '../../harness/run/compose.ts';

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

describe('runnableModel under isolation', () => {
  const projectDir = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-compose-unit-'));
  writeFileSync(path.join(projectDir, 'token.txt'), 'inside\n');
  writeFileSync(path.join(projectDir, 'app.env'), 'A=1\n');
  symlinkSync('/etc/hostname', path.join(projectDir, 'linked.txt'));
  afterAll(() => rmSync(projectDir, { recursive: true, force: true }));

  const labels = { 'org.stagecraft.managed': 'true', 'org.stagecraft.session': 's1' };
  const limits = { memoryMb: 512, cpus: 0.9, pids: 256 };
  const base = { projectName: 'stagecraft-s1-up', images: { api: 'img:api', web: 'img:web' }, labels, isolate: true, limits, projectDir };
  /** A resolved model as `docker compose config` prints it: the capstone's shape. */
  const model = (): ComposeModel => ({
    name: 'stagecraft-s1-config',
    services: {
      api: { build: { context: projectDir, target: 'api' }, expose: ['3000'], networks: { default: null } },
      web: {
        build: { context: projectDir, target: 'web' }, networks: { default: null, back: null },
        ports: [{ mode: 'ingress', target: 8080, published: '8080', protocol: 'tcp' }], env_file: [{ path: path.join(projectDir, 'app.env'), required: true }],
        volumes: [{ type: 'volume', source: 'data', target: '/data', volume: {} }, { type: 'tmpfs', target: '/tmp' }, { type: 'volume', target: '/anon', volume: {} }],
        extra_hosts: ['api.example:10.0.0.1'], privileged: false, cap_add: [], secrets: [{ source: 'token', target: '/run/secrets/token' }],
      },
    },
    networks: { default: { name: 'stagecraft-s1-config_default', ipam: {} }, back: { name: 'someone-elses-net', ipam: {} } },
    volumes: { data: { name: 'someone-elses-volume' } },
    secrets: { token: { name: 'stagecraft-s1-config_token', file: path.join(projectDir, 'token.txt') } },
  });
  const out = runnableModel(model(), base);
  const refusal = (edit: (m: ComposeModel) => void): string => {
    const m = model();
    edit(m);
    try {
      runnableModel(m, base);
    } catch (e) {
      expect(e).toBeInstanceOf(ComposeError);
      expect(e).toBeInstanceOf(ComposeRefusedError);
      return (e as Error).message;
    }
    throw new Error('not refused');
  };
  const web = (m: ComposeModel): ComposeService => m.services.web!;

  it('makes every network internal, the implicit default one included, under the project\'s own names', () => {
    expect(out.networks?.default).toMatchObject({ internal: true, labels, name: 'stagecraft-s1-up_default' });
    expect(out.networks?.back).toMatchObject({ internal: true, labels, name: 'stagecraft-s1-up_back' });
    expect(out.volumes?.data).toMatchObject({ labels, name: 'stagecraft-s1-up_data' });
  });

  it('declares the default network, internal, when services use it without a top-level entry', () => {
    const m: ComposeModel = { services: { api: { image: 'img:api' }, web: { image: 'img:web', networks: { default: null } } } };
    expect(runnableModel(m, base).networks).toEqual({ default: { internal: true, labels, name: 'stagecraft-s1-up_default', driver_opts: guardedBridgeOption('stagecraft-s1-up_default') } });
    const named: ComposeModel = { services: { api: { image: 'img:api', networks: { back: null } } }, networks: { back: {} } };
    expect(Object.keys(runnableModel(named, base).networks ?? {})).toEqual(['back']);
  });

  it('publishes nothing, and drops env files compose already merged', () => {
    expect(out.services.web?.ports).toBeUndefined();
    expect(out.services.web?.env_file).toBeUndefined();
    expect(out.services.web).toMatchObject({ image: 'img:web', pull_policy: 'never', extra_hosts: ['api.example:10.0.0.1'] });
    expect(out.services.web?.build).toBeUndefined();
  });

  it('applies the grading limits: memory without swap, cpus, pids', () => {
    expect(out.services.api).toMatchObject({ mem_limit: '512m', memswap_limit: '512m', cpus: 0.9, pids_limit: 256 });
    expect(runnableModel(model(), { ...base, limits: undefined }).services.api).toMatchObject({ mem_limit: '512m', memswap_limit: '512m', cpus: 1, pids_limit: 256 });
  });

  it('never gives more than the grading limits, and keeps what the file asks below them', () => {
    const more = model();
    Object.assign(web(more), { mem_limit: '4294967296', memswap_limit: '8589934592', cpus: 4, pids_limit: 10_000, deploy: { resources: { limits: { memory: '4294967296', cpus: 4, pids: 10_000 } } } });
    const m = runnableModel(more, base).services.web;
    expect(m).toMatchObject({ mem_limit: '512m', memswap_limit: '512m', cpus: 0.9, pids_limit: 256, deploy: { resources: { limits: { memory: '512m', cpus: 0.9, pids: 256 } } } });
    const less = model();
    Object.assign(web(less), { mem_limit: '268435456', cpus: 0.5, pids_limit: 64 });
    expect(runnableModel(less, base).services.web).toMatchObject({ mem_limit: '268435456', memswap_limit: '268435456', cpus: 0.5, pids_limit: 64 });
    const unlimited = model();
    Object.assign(web(unlimited), { pids_limit: -1, memswap_limit: '-1' });
    expect(runnableModel(unlimited, base).services.web).toMatchObject({ pids_limit: 256, memswap_limit: '512m' });
  });

  it.each<[string, (s: ComposeService) => void]>([
    ['privileged', (s) => { s.privileged = true; }],
    ['cap_add', (s) => { s.cap_add = ['SYS_ADMIN']; }],
    ['devices', (s) => { s.devices = [{ source: '/dev/kmsg', target: '/dev/kmsg', permissions: 'rwm' }]; }],
    ['network_mode', (s) => { s.network_mode = 'host'; }],
    ['network_mode', (s) => { s.network_mode = 'none'; }],
    ['network_mode', (s) => { s.network_mode = 'service:api'; }],
    ['pid', (s) => { s.pid = 'host'; }],
    ['ipc', (s) => { s.ipc = 'host'; }],
    ['userns_mode', (s) => { s.userns_mode = 'host'; }],
    ['cgroup_parent', (s) => { s.cgroup_parent = '/system.slice'; }],
    ['security_opt', (s) => { s.security_opt = ['seccomp:unconfined']; }],
    ['sysctls', (s) => { s.sysctls = { 'net.ipv4.ip_forward': '1' }; }],
    ['runtime', (s) => { s.runtime = 'runc-debug'; }],
    ['external_links', (s) => { s.external_links = ['other-lab-db:db']; }],
  ])('refuses `%s` and says which service and what to change', (key, edit) => {
    const message = refusal((m) => edit(web(m)));
    expect(message).toContain('Service `web`');
    expect(message).toContain(`\`${key}\``);
    expect(message).toMatch(/remove it/);
  });

  it('refuses bind mounts and host paths; allows named volumes, anonymous volumes and tmpfs', () => {
    const bind = refusal((m) => { web(m).volumes = [{ type: 'bind', source: '/var/run/docker.sock', target: '/run/docker.sock', bind: { create_host_path: true } }]; });
    expect(bind).toContain('Service `web` mounts the host path /var/run/docker.sock at /run/docker.sock (`volumes`)');
    expect(bind).toMatch(/only named volumes and tmpfs/);
    expect(refusal((m) => { web(m).volumes = ['./src:/app/src']; })).toContain('the host path ./src');
    expect(refusal((m) => { web(m).volumes = [{ type: 'volume', source: '/etc', target: '/host-etc' }]; })).toContain('not a volume of the project');
    expect(refusal((m) => { web(m).volumes_from = ['container:someone-else']; })).toContain('`volumes_from`');
    expect(() => runnableModel(model(), base)).not.toThrow();
  });

  it('refuses external networks and volumes, and volumes or networks with driver options', () => {
    expect(refusal((m) => { m.networks!.back = { external: true, name: 'bridge' }; })).toContain('Network `back` is `external`');
    expect(refusal((m) => { m.networks!.default = { external: true, name: 'host' }; })).toContain('Network `default` is `external`');
    expect(refusal((m) => { m.volumes!.data = { external: true, name: 'grader-cache' }; })).toContain('Volume `data` is `external`');
    expect(refusal((m) => { m.volumes!.data = { driver_opts: { type: 'none', o: 'bind', device: '/etc' } }; })).toContain('Volume `data` sets `driver_opts`');
    expect(refusal((m) => { m.volumes!.data = { driver: 'nfs-plugin' }; })).toContain('Volume `data` uses the driver');
    expect(refusal((m) => { m.networks!.back = { driver: 'macvlan' }; })).toContain('Network `back` uses the driver `macvlan`');
    expect(refusal((m) => { m.networks!.back = { ipam: { config: [{ subnet: '10.0.0.0/8' }] } }; })).toContain('Network `back` sets `ipam`');
  });

  it('refuses secrets, configs and env files outside the lab folder (symlinks followed), and secrets from the harness\'s environment', () => {
    expect(refusal((m) => { m.secrets = { token: { file: '/etc/shadow' } }; })).toContain('Secret `token`: `file` /etc/shadow is outside the lab folder');
    expect(refusal((m) => { m.secrets = { token: { file: path.join(projectDir, 'linked.txt') } }; })).toContain('is outside the lab folder');
    expect(refusal((m) => { m.secrets = { token: { environment: 'GITHUB_TOKEN' } }; })).toContain('Secret `token` reads the harness\'s environment');
    expect(refusal((m) => { m.secrets = { token: { external: true } }; })).toContain('Secret `token` is `external`');
    expect(refusal((m) => { m.configs = { conf: { file: path.join(projectDir, '..', 'elsewhere.conf') } }; })).toContain('Config `conf`: `file`');
    expect(refusal((m) => { web(m).env_file = [{ path: '/root/.aws/credentials', required: true }]; })).toContain('Service `web`: `env_file` /root/.aws/credentials is outside the lab folder');
  });

  it('refuses log drivers that ship logs elsewhere, replicas, and more services than the limit', () => {
    expect(refusal((m) => { web(m).logging = { driver: 'syslog', options: { 'syslog-address': 'tcp://203.0.113.1:514' } }; })).toContain('`logging.driver: syslog`');
    expect(refusal((m) => { web(m).deploy = { replicas: 20 }; })).toContain('20 replicas');
    expect(refusal((m) => { for (let i = 0; i < MAX_ISOLATED_SERVICES; i++) m.services[`s${i}`] = { image: 'img:api' }; })).toMatch(/graded projects run at most/);
  });

  it('lists every problem at once', () => {
    const message = refusal((m) => { web(m).privileged = true; m.services.api!.pid = 'host'; });
    expect(message).toContain('Service `web` sets `privileged`');
    expect(message).toContain('Service `api` sets `pid`');
  });

  it('leaves learners\' checks (no isolation) as they were', () => {
    const m = model();
    web(m).privileged = true;
    const plain = runnableModel(m, { projectName: 'p', images: {}, labels });
    expect(plain.services.web).toMatchObject({ privileged: true, ports: [{ target: 8080, host_ip: '127.0.0.1', protocol: 'tcp', mode: 'ingress' }], mem_limit: '512m', cpus: 1 });
    expect(plain.networks?.back).toEqual({ name: 'someone-elses-net', ipam: {}, labels });
  });
});

describe('composeConfig under isolation', () => {
  const projectDir = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-compose-unit-'));
  afterAll(() => rmSync(projectDir, { recursive: true, force: true }));
  const files = (file: string) => ({ projectDir, files: [file], projectName: 'stagecraft-unit' });

  it('refuses, before compose reads them, files outside the lab folder it would include or extend', async () => {
    writeFileSync(path.join(projectDir, 'extends.yaml'), 'services:\n  web:\n    image: x\n    extends: { file: /etc/compose/base.yaml, service: base }\n');
    await expect(composeConfig(files('extends.yaml'), 10_000, { isolate: true })).rejects.toThrow(/Service `web`: `extends` file \/etc\/compose\/base.yaml is outside the lab folder/);
    writeFileSync(path.join(projectDir, 'include.yaml'), 'include:\n  - ../other-lab/compose.yaml\n  - https://example.com/compose.yaml\nservices: {}\n');
    const refused = composeConfig(files('include.yaml'), 10_000, { isolate: true });
    await expect(refused).rejects.toBeInstanceOf(ComposeRefusedError);
    await expect(refused).rejects.toThrow(/`include` \.\.\/other-lab\/compose.yaml is outside the lab folder.*https:\/\/example.com\/compose.yaml is remote/);
  });

  it('refuses a compose file or .env that links outside the lab folder', async () => {
    mkdirSync(path.join(projectDir, 'linked'));
    symlinkSync('/etc/hostname', path.join(projectDir, 'linked', 'compose.yaml'));
    await expect(composeConfig({ ...files('compose.yaml'), projectDir: path.join(projectDir, 'linked') }, 10_000, { isolate: true })).rejects.toThrow(/The compose file compose.yaml is outside the lab folder/);
    writeFileSync(path.join(projectDir, 'linked', 'ok.yaml'), 'services: {}\n');
    symlinkSync('/etc/hostname', path.join(projectDir, 'linked', '.env'));
    await expect(composeConfig({ ...files('ok.yaml'), projectDir: path.join(projectDir, 'linked') }, 10_000, { isolate: true })).rejects.toThrow(/The \.env file links outside the lab folder/);
  });

  it('judges paths with symlinks followed', () => {
    symlinkSync('/etc', path.join(projectDir, 'etc-link'));
    expect(insideDir(projectDir, path.join(projectDir, 'extends.yaml'))).toBe(true);
    expect(insideDir(projectDir, path.join(projectDir, 'missing', 'file'))).toBe(true);
    expect(insideDir(projectDir, path.join(projectDir, 'etc-link', 'passwd'))).toBe(false);
    expect(insideDir(projectDir, path.join(projectDir, '..'))).toBe(false);
    expect(insideDir(projectDir, `${projectDir}-sibling/x`)).toBe(false);
  });
});
