// Unit tests for the API: `npm test` runs them with node's built-in test runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { greeting } from '../server.js';

test('greets Stagecraft by default', () => {
  assert.match(greeting().message, /Hello from the Stagecraft API/);
});

test('greets by name', () => {
  assert.match(greeting('Docker').message, /Docker/);
});
