/**
 * The mirror process itself, started detached by `ensureMirror()`: verdaccio listening on
 * loopback and on the Docker bridge gateway (where build steps reach the host), on one port.
 * Run as `node --import tsx harness/mirror/daemon.ts '<DaemonOptions JSON>'` (see launch.ts);
 * lessons' private registries run it too, with their own config.
 */
import http from 'node:http';
import { rmSync } from 'node:fs';
import { runServer } from 'verdaccio';
import { readDaemonInfo, writeDaemonInfo } from './daemon-file.ts';

export interface DaemonOptions {
  configFile: string;
  daemonFile: string;
  uplink: string;
  /** The bridge gateway address, or undefined when no engine answered. */
  gateway: string | undefined;
  preferredPort: number;
}

/** Ports tried in order; 0 lets the OS choose when all of them are taken. */
const PORT_TRIES = 10;

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
}

function code(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** Binds every host on one port, trying the preferred port and the next few. */
async function bindAll(makeServer: () => http.Server, hosts: string[], preferred: number): Promise<{ servers: http.Server[]; port: number }> {
  const candidates = [...Array.from({ length: PORT_TRIES }, (_, i) => preferred + i), 0];
  for (const candidate of candidates) {
    const servers: http.Server[] = [];
    let port = candidate;
    try {
      for (const host of hosts) {
        const server = makeServer();
        servers.push(server);
        port = await listen(server, port, host);
      }
      return { servers, port };
    } catch (e) {
      await Promise.all(servers.map(close));
      if (code(e) !== 'EADDRINUSE') throw e;
    }
  }
  throw new Error(`no free port from ${preferred}`);
}

/** `/<name>/-/<name>-<version>.tgz` or `/@scope/<name>/-/<name>-<version>.tgz` */
function isTarballPath(url: string): boolean {
  const pathname = url.split('?')[0] ?? '';
  return pathname.includes('/-/') && pathname.endsWith('.tgz');
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '') as DaemonOptions;
  // runServer gives an http.Server around verdaccio's app; further listeners share its handler.
  const app = (await runServer(opts.configFile)) as http.Server;
  const handler: http.RequestListener = (req, res) => {
    // A published version's tarball never changes. The npm registry says so (a year's
    // max-age); verdaccio sends no caching headers at all, so npm, finding a tarball in its
    // cache (a BuildKit cache mount), would download it again. Say what the registry says.
    if (req.method === 'GET' && isTarballPath(req.url ?? '')) res.setHeader('Cache-Control', 'public, immutable, max-age=31557600');
    app.emit('request', req, res);
  };
  const makeServer = (): http.Server => {
    const server = http.createServer(handler);
    server.keepAliveTimeout = 60_000;
    return server;
  };

  let hosts = ['127.0.0.1'];
  // Empty until an engine told us its gateway: builds cannot reach a loopback-only mirror.
  let buildHost = '';
  let bound: { servers: http.Server[]; port: number };
  if (opts.gateway) {
    try {
      bound = await bindAll(makeServer, [...hosts, opts.gateway], opts.preferredPort);
      hosts = [...hosts, opts.gateway];
      buildHost = opts.gateway;
    } catch (e) {
      // The gateway is not an address of this host when the engine runs in a VM (Docker
      // Desktop): there builds reach the host's loopback through `host-gateway`.
      if (code(e) !== 'EADDRNOTAVAIL') throw e;
      bound = await bindAll(makeServer, hosts, opts.preferredPort);
      buildHost = 'host-gateway';
    }
  } else {
    bound = await bindAll(makeServer, hosts, opts.preferredPort);
  }

  await writeDaemonInfo(opts.daemonFile, {
    pid: process.pid,
    port: bound.port,
    hosts,
    buildHost,
    uplink: opts.uplink,
    startedAt: new Date().toISOString(),
  });
  console.log(JSON.stringify({ msg: 'stagecraft mirror listening', port: bound.port, hosts }));

  const shutdown = (): void => {
    if (readDaemonInfo(opts.daemonFile)?.pid === process.pid) rmSync(opts.daemonFile, { force: true });
    void Promise.all(bound.servers.map(close)).then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // Started attached (a check's own registry): end with the process that started it.
  if (process.connected) process.once('disconnect', shutdown);
}

main().catch((e: unknown) => {
  console.error(JSON.stringify({ msg: 'stagecraft mirror failed to start', error: e instanceof Error ? e.stack : String(e) }));
  process.exit(1);
});
