// A small web service whose greeting comes from a package only a private registry has.
import express from 'express';
import { greeting } from '@stagecraft/greeting';

const app = express();
const port = Number(process.env.PORT ?? 3000);

app.get('/', (_req, res) => {
  res.json({ message: greeting('Stagecraft'), lab: '07-build-secrets' });
});

app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});

const server = app.listen(port, () => {
  console.log(`listening on port ${port}`);
});

// `docker stop` sends SIGTERM to PID 1: close the server and exit promptly.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
