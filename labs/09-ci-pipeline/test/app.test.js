// Run with `npm test` (node's built-in test runner): the CI pipeline's gate.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { app } from '../app.js';

let server;
let base;

before(async () => {
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => server.close());

test('GET / greets', async () => {
  const res = await fetch(`${base}/`);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).message, 'Hello from Stagecraft');
});

test('GET /healthz reports ok', async () => {
  const res = await fetch(`${base}/healthz`);
  assert.deepEqual(await res.json(), { status: 'ok' });
});
