/**
 * A forwarding HTTP proxy that records what a build downloads. A build gets it through the
 * proxy variables BuildKit passes to every RUN step without an ARG (`http_proxy` and
 * friends), which apt and npm honour: so the harness sees which packages a step fetched,
 * with the learner's Dockerfile unchanged. Plain HTTP is forwarded and recorded by URL;
 * HTTPS (CONNECT) is tunnelled and recorded by host only.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { bridgeGateway } from '../mirror/upstream.ts';

export interface RecordedRequest {
  method: string;
  /** The URL as the build asked for it (`http://stagecraft-mirror:4873/express/-/express-5.1.0.tgz`). */
  url: string;
  /** The upstream's status; 502 when the upstream could not be reached. */
  status: number;
  /** Body bytes sent back to the build. */
  bytes: number;
}

export interface DownloadRecorder {
  /** The proxy URL as build steps reach it: `http://172.17.0.1:41234`. */
  url: string;
  /** Build arguments that send a build's RUN steps through the proxy. */
  buildArgs: Record<string, string>;
  /** Every request so far, in the order they finished. */
  requests(): RecordedRequest[];
  close(): Promise<void>;
}

export interface RecorderOptions {
  /** The address to listen on: one that build steps reach (the Docker bridge gateway). */
  listenHost: string;
  /** Names build steps resolve through `--add-host`, mapped to where the host reaches them. */
  hosts?: Record<string, string>;
  /** Which requests are forwarded (grading allows the package archives only); default: all. */
  allow?: (method: string, url: URL) => boolean;
  /** The port to listen on; default: any free one. */
  port?: number;
}

/** Starts a recorder on a free port of `listenHost`. */
export async function startDownloadRecorder(opts: RecorderOptions): Promise<DownloadRecorder> {
  const recorded: RecordedRequest[] = [];
  const hosts = opts.hosts ?? {};
  const agent = new http.Agent({ keepAlive: true });
  const sockets = new Set<net.Socket>();

  const server = http.createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('stagecraft download recorder: a proxy request needs an absolute URL\n');
      return;
    }
    const entry: RecordedRequest = { method: req.method ?? 'GET', url: target.href, status: 502, bytes: 0 };
    if (opts.allow && !opts.allow(entry.method, target)) {
      entry.status = 403;
      recorded.push(entry);
      res.writeHead(403).end(`stagecraft: this build may only fetch packages from the course's package mirror and archive, not ${target.origin}\n`);
      return;
    }
    const upstream = http.request({
      agent,
      host: hosts[target.hostname] ?? target.hostname,
      port: target.port || 80,
      method: req.method,
      path: `${target.pathname}${target.search}`,
      headers: withoutHopHeaders(req.headers),
    }, (up) => {
      entry.status = up.statusCode ?? 502;
      up.on('data', (chunk: Buffer) => { entry.bytes += chunk.length; });
      res.writeHead(entry.status, withoutHopHeaders(up.headers));
      up.pipe(res);
      up.on('end', () => recorded.push(entry));
    });
    upstream.on('error', (e) => {
      recorded.push(entry);
      if (!res.headersSent) res.writeHead(502).end(`stagecraft download recorder: ${e.message}\n`);
      else res.destroy();
    });
    req.pipe(upstream);
  });

  // HTTPS: a plain tunnel; only the host is known.
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const [host = '', port = '443'] = (req.url ?? '').split(':');
    const entry: RecordedRequest = { method: 'CONNECT', url: `https://${host}:${port}/`, status: 502, bytes: 0 };
    if (opts.allow && !opts.allow('CONNECT', new URL(entry.url))) {
      entry.status = 403;
      recorded.push(entry);
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect(Number(port), hosts[host] ?? host, () => {
      entry.status = 200;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('data', (chunk: Buffer) => { entry.bytes += chunk.length; });
    const done = (): void => { if (!recorded.includes(entry)) recorded.push(entry); };
    upstream.on('close', done);
    upstream.on('error', () => { done(); client.destroy(); });
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.listenHost, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.listenHost.includes(':') ? `[${opts.listenHost}]` : opts.listenHost}:${port}`;
  return {
    url,
    buildArgs: proxyArgs(url),
    requests: () => [...recorded],
    close: async () => {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The proxy as build arguments: BuildKit passes these predefined arguments to RUN steps
 * without an ARG instruction and keeps them out of the image's history.
 */
export function proxyArgs(url: string): Record<string, string> {
  return { http_proxy: url, HTTP_PROXY: url, https_proxy: url, HTTPS_PROXY: url, no_proxy: '', NO_PROXY: '' };
}

/** How a build on an isolated engine reaches a recorder (see harness/sandbox). */
export interface RecordVia {
  gateway: string;
  /** Makes the recorder (listening at host:port) reachable at the same port on the engine's gateway. */
  expose(port: number, host: string): Promise<void>;
  allow?: (method: string, url: URL) => boolean;
}

const HOP_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function withoutHopHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_HEADERS.has(k.toLowerCase())));
}

/** `--add-host name:address` pairs in a list of buildx flags: what build steps resolve. */
export function addedHosts(args: string[]): Record<string, string> {
  const hosts: Record<string, string> = {};
  args.forEach((arg, i) => {
    const value = arg === '--add-host' ? args[i + 1] : arg.startsWith('--add-host=') ? arg.slice('--add-host='.length) : undefined;
    if (!value) return;
    const sep = value.indexOf(':');
    // `host-gateway` is the host itself, as seen from a build step.
    if (sep > 0) hosts[value.slice(0, sep)] = value.slice(sep + 1) === 'host-gateway' ? '127.0.0.1' : value.slice(sep + 1);
  });
  return hosts;
}

/**
 * Runs one build through a recorder started for it: `build` gets the proxy build arguments,
 * and the requests its RUN steps made come back with its result. The recorder listens on
 * the Docker bridge gateway (what build steps reach the host at) and resolves the hosts
 * the build's `--add-host` flags name, as the steps do.
 */
export async function recordBuildDownloads<T>(buildxFlags: string[], build: (proxyArgs: Record<string, string>) => Promise<T>, via?: RecordVia): Promise<{ result: T; downloads: RecordedRequest[] }> {
  const gateway = await bridgeGateway();
  if (!gateway) throw new Error('cannot record what the build downloads: the engine has no Docker bridge gateway for build steps to reach the host at');
  const recorder = await startDownloadRecorder({ listenHost: gateway, hosts: addedHosts(buildxFlags), ...(via?.allow ? { allow: via.allow } : {}) });
  try {
    // An isolated engine reaches the recorder only through a relay, at its own gateway.
    const port = Number(new URL(recorder.url).port);
    if (via) await via.expose(port, gateway);
    const result = await build(via ? proxyArgs(`http://${via.gateway}:${port}`) : recorder.buildArgs);
    return { result, downloads: recorder.requests() };
  } finally {
    await recorder.close();
  }
}
