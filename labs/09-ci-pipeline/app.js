// The web service every lab in this course packages, as a module the tests import.
import express from 'express';

export const app = express();

app.get('/', (_req, res) => {
  res.json({ message: 'Hello from Stagecraft', lab: '09-ci-pipeline' });
});

app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
