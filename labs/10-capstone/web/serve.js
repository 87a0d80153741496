// The web half of the capstone: serves the built site from dist/ and forwards /api/* to
// the API service, so the browser talks to one origin. Node's standard library only.
import http from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

const port = Number(process.env.PORT ?? 8080);
const apiUrl = new URL(process.env.API_URL ?? 'http://api:3000');
const root = path.join(import.meta.dirname, 'dist');
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };

function proxy(req, res) {
  const upstream = http.request({ host: apiUrl.hostname, port: apiUrl.port || 80, path: req.url, method: req.method, headers: { ...req.headers, host: apiUrl.host } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.setTimeout(5000, () => upstream.destroy(new Error('timeout')));
  upstream.on('error', (e) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `the API did not answer: ${e.message}` }));
  });
  req.pipe(upstream);
}

async function serveFile(req, res) {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  // An absolute path normalises to one under "/", so it cannot escape dist/.
  const file = path.join(root, path.posix.normalize(decodeURIComponent(pathname)));
  const target = file.endsWith(path.sep) ? path.join(file, 'index.html') : file;
  try {
    const info = await stat(target);
    if (!info.isFile() || !target.startsWith(root)) throw new Error('not a file');
    res.writeHead(200, { 'content-type': types[path.extname(target)] ?? 'application/octet-stream', 'content-length': info.size });
    createReadStream(target).pipe(res);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  }
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
  } else if (req.url?.startsWith('/api/')) {
    proxy(req, res);
  } else {
    void serveFile(req, res);
  }
});

server.listen(port, () => console.log(`web listening on port ${port}, forwarding /api to ${apiUrl.origin}`));
// `docker stop` sends SIGTERM to PID 1: close the server and exit promptly.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
