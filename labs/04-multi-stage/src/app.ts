// The course's web service, in TypeScript: it is compiled to JavaScript before it runs.
import express from 'express';
import { quote } from './quote.js';

export function createApp(): express.Express {
  const app = express();

  app.get('/', (_req, res) => {
    res.json({ message: 'Hello from Stagecraft', lab: '04-multi-stage' });
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // GET /quote?net=1999&rate=0.2 -> { netCents: 1999, vatCents: 400, grossCents: 2399 }
  app.get('/quote', (req, res) => {
    try {
      res.json(quote(Number(req.query.net), Number(req.query.rate)));
    } catch (e) {
      res.status(400).json({ error: e instanceof Error ? e.message : String(e) });
    }
  });

  return app;
}
