// A small web service: the app every lab in this course packages.
import express from 'express';

const app = express();
const port = Number(process.env.PORT ?? 3000);

app.get('/', (_req, res) => {
  res.json({ message: 'Hello from Stagecraft', lab: '05-distroless-nonroot' });
});

app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});

const server = app.listen(port, () => {
  console.log(`listening on port ${port}`);
});

// `docker stop` sends SIGTERM to PID 1 (Ctrl-C in `docker run -it` sends SIGINT): stop
// accepting connections, let the open ones finish, and exit. As PID 1, a process that does
// not handle these signals is not stopped by them: Docker kills it after 10 seconds.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`${signal} received, shutting down`);
    server.close(() => process.exit(0));
  });
}
