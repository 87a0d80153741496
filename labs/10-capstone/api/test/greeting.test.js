// Unit tests for the API, on the compiled output: `npm test` builds, then runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { greeting } from '../dist/greeting.js';

test('greets Stagecraft by default', () => {
  assert.match(greeting().message, /Hello from the Stagecraft API/);
});

test('greets by name', () => {
  assert.equal(greeting('Docker', new Date(0)).message, 'Hello from the Docker API');
});
