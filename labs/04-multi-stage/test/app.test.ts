import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Server } from 'node:http';
import { createApp } from '../src/app.js';

let server: Server;
let base = '';

before(async () => {
  server = createApp().listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.close();
});

test('GET /quote answers with the quote', async () => {
  const res = await fetch(`${base}/quote?net=1999&rate=0.2`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { netCents: 1999, vatCents: 400, grossCents: 2399 });
});

test('GET /quote rejects a bad rate with 400', async () => {
  const res = await fetch(`${base}/quote?net=100&rate=7`);
  assert.equal(res.status, 400);
});
