// A small web service: the app every lab in this course packages.
import express from 'express';

const app = express();
const port = Number(process.env.PORT ?? 3000);

app.get('/', (_req, res) => {
  res.json({ message: 'Hello from Stagecraft', lab: '01-build-context' });
});

app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});

const server = app.listen(port, () => {
  console.log(`listening on port ${port}`);
});

// `docker stop` sends SIGTERM to PID 1: close the server and exit promptly.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
