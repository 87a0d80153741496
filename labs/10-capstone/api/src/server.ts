// The API half of the capstone: a small JSON service the frontend calls under /api.
import express from 'express';
import { greeting } from './greeting.js';

const app = express();
const port = Number(process.env.PORT ?? 3000);

app.get('/api/greeting', (req, res) => {
  const name = typeof req.query.name === 'string' && req.query.name ? req.query.name : undefined;
  res.json(greeting(name));
});

app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});

const server = app.listen(port, () => {
  console.log(`api listening on port ${port}`);
});

// `docker stop` sends SIGTERM to PID 1: close the server and exit promptly.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
