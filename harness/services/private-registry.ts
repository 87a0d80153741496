/**
 * A private npm registry for one check: verdaccio (run like the package mirror, by
 * mirror/daemon.ts) with one account whose token is new at every check, the lesson's own
 * packages published into it, and public packages passed through from the package mirror.
 * Build steps reach it as `http://stagecraft-registry:<port>/` (an `--add-host` entry).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DaemonInfo } from '../mirror/daemon-file.ts';
import { ensureMirror } from '../mirror/index.ts';
import { hostUrl, LaunchError, launchVerdaccio } from '../mirror/launch.ts';
import { processAlive } from '../mirror/lock.ts';
import { bridgeGateway } from '../mirror/upstream.ts';
import { packPackage } from './npm-pack.ts';
import { addUser, publish } from './registry-client.ts';
import { privateRegistryConfig } from './registry-config.ts';
import type { RunningService, Service } from './service.ts';

/** The name build steps reach the registry by. */
export const REGISTRY_HOSTNAME = 'stagecraft-registry';
/** Ports tried first (then the next nine, then any free one); the mirror has 4873. */
const PREFERRED_PORT = 4880;
const ACCOUNT = 'stagecraft-ci';

export interface PrivateRegistryOptions {
  /** Package folders published at start. Their tarballs are packed reproducibly (npm-pack.ts). */
  packages: string[];
  /** The build secret holding a complete `.npmrc` for the registry; default `npmrc`. */
  secretId?: string;
  /**
   * Build arguments carrying the registry URL and the token, for Dockerfiles that take
   * credentials the wrong way (a starter); omitted when not named.
   */
  buildArgs?: { registry?: string; token?: string };
}

/** The `.npmrc` a build gets as its secret: this registry for everything, with the token. */
export function registryNpmrc(url: string, token: string): string {
  const { host } = new URL(url);
  return `registry=${url}\n//${host}/:_authToken=${token}\n`;
}

export function privateNpmRegistry(opts: PrivateRegistryOptions): Service {
  return {
    name: 'the private npm registry',
    async start(ctx): Promise<RunningService> {
      const [mirror, gateway, packed] = await Promise.all([
        ensureMirror({ onProgress: ctx.onProgress }),
        bridgeGateway(),
        Promise.all(opts.packages.map((dir) => packPackage(dir))),
      ]);
      const dir = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-registry-'));
      const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
      const scopes = [...new Set(packed.map((p) => p.name.split('/')[0] ?? '').filter((s) => s.startsWith('@')))];
      const configFile = path.join(dir, 'config.yaml');
      await writeFile(configFile, JSON.stringify(privateRegistryConfig({ storage: path.join(dir, 'storage'), htpasswd: path.join(dir, 'htpasswd'), mirror: mirror.url, scopes }), null, 2));

      let info: DaemonInfo;
      try {
        info = await launchVerdaccio({
          daemon: { configFile, daemonFile: path.join(dir, 'daemon.json'), uplink: mirror.url, gateway, preferredPort: PREFERRED_PORT },
          logFile: path.join(dir, 'verdaccio.log'),
          detached: false,
        });
      } catch (e) {
        await cleanup();
        throw e instanceof LaunchError ? new Error(`verdaccio ${e.message}; its log ends: ${e.logTail}`) : e;
      }
      const pid = info.pid;
      const stop = async (): Promise<void> => {
        if (processAlive(pid)) {
          process.kill(pid, 'SIGTERM');
          const deadline = Date.now() + 5_000;
          while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
          if (processAlive(pid)) process.kill(pid, 'SIGKILL');
        }
        await cleanup();
      };

      try {
        if (!info.buildHost) throw new Error('no Docker engine told the registry where builds reach the host');
        const local = hostUrl(info);
        // A new account and token at every check: a leaked token is a value no other check has.
        const token = await addUser(local, ACCOUNT, randomBytes(18).toString('base64url'));
        for (const pkg of packed) await publish(local, token, pkg);
        const url = `http://${REGISTRY_HOSTNAME}:${info.port}/`;
        ctx.onProgress?.(`private npm registry at ${url} (${packed.map((p) => p.name).join(', ')})`);
        const buildArgs: Record<string, string> = {};
        if (opts.buildArgs?.registry) buildArgs[opts.buildArgs.registry] = url;
        if (opts.buildArgs?.token) buildArgs[opts.buildArgs.token] = token;
        return {
          secrets: { [opts.secretId ?? 'npmrc']: registryNpmrc(url, token) },
          buildArgs,
          extraArgs: ['--add-host', `${REGISTRY_HOSTNAME}:${info.buildHost}`],
          search: [token],
          gatewayPorts: [info.port],
          stop,
        };
      } catch (e) {
        await stop();
        throw e;
      }
    },
  };
}
