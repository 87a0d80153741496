// The course's web service, plus an export: GET /export.zip streams the reports folder
// as a zip archive made by the `zip` program (a Debian package the image installs).
import { spawn } from 'node:child_process';
import express from 'express';

const app = express();
const port = Number(process.env.PORT ?? 3000);

app.get('/', (_req, res) => {
  res.json({ message: 'Hello from Stagecraft', lab: '03-cache-mounts' });
});

app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});

app.get('/export.zip', (_req, res) => {
  // `zip -r - .` writes the archive to stdout; -q keeps its progress out of it.
  const zip = spawn('zip', ['-q', '-r', '-', '.'], { cwd: new URL('./reports/', import.meta.url) });
  zip.on('error', (err) => {
    res.status(500).json({ error: `cannot run zip: ${err.message}` });
  });
  zip.stdout.once('data', () => res.type('application/zip'));
  zip.stdout.pipe(res);
});

const server = app.listen(port, () => {
  console.log(`listening on port ${port}`);
});

// tini (PID 1) forwards `docker stop`'s SIGTERM here: close the server and exit promptly.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
