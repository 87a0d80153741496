// The API half of the capstone: a small JSON service the frontend calls under /api.
import path from 'node:path';
import express from 'express';

const app = express();
const port = Number(process.env.PORT ?? 3000);

/** The greeting the frontend shows; `?name=` personalises it. */
export function greeting(name = 'Stagecraft') {
  return { message: `Hello from the ${name} API`, servedAt: new Date().toISOString() };
}

app.get('/api/greeting', (req, res) => {
  const name = typeof req.query.name === 'string' && req.query.name ? req.query.name : undefined;
  res.json(greeting(name));
});

app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});

// Only listen when run as the program (the tests import greeting() without a server).
if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const server = app.listen(port, () => {
    console.log(`api listening on port ${port}`);
  });
  // `docker stop` sends SIGTERM to PID 1: close the server and exit promptly.
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
