/** Serves the built site on loopback (node:http); the progress page is drawn fresh per request. */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.js': 'text/javascript; charset=utf-8',
};

export interface ServeOptions {
  root: string;
  /** 0 picks a free port. */
  port?: number;
  /** Pages made per request instead of read from disk: path ("/progress.html") to HTML. */
  live?: Record<string, () => Promise<string>>;
}

export interface RunningSite {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function serveSite(opts: ServeOptions): Promise<RunningSite> {
  const root = path.resolve(opts.root);
  const server = createServer((req, res) => {
    void (async () => {
      let pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      if (pathname.endsWith('/')) pathname += 'index.html';
      const live = opts.live?.[pathname];
      if (live) {
        res.writeHead(200, { 'content-type': TYPES['.html'] ?? 'text/html', 'cache-control': 'no-store' });
        res.end(await live());
        return;
      }
      const file = path.join(root, pathname);
      // Nothing outside the site's folder.
      if (file !== root && !file.startsWith(`${root}${path.sep}`)) { res.writeHead(403).end('forbidden'); return; }
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`Not found: ${pathname}`);
      }
    })().catch(() => { if (!res.headersSent) res.writeHead(500); res.end(); });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port ?? 0;
  return {
    server,
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
