// Starts the app: the image's entry point.
import { app } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, () => {
  console.log(`listening on port ${port}`);
});

// `docker stop` sends SIGTERM to PID 1: close the server and exit promptly.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
