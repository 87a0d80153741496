import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quote } from '../src/quote.js';

test('adds VAT to the net amount', () => {
  assert.deepEqual(quote(1000, 0.2), { netCents: 1000, vatCents: 200, grossCents: 1200 });
});

test('rounds VAT half up to the cent', () => {
  assert.equal(quote(1999, 0.2).vatCents, 400);
  assert.equal(quote(5, 0.1).vatCents, 1);
});

test('rejects amounts that are not whole cents, and rates outside 0..1', () => {
  assert.throws(() => quote(10.5, 0.2), RangeError);
  assert.throws(() => quote(100, 1.5), RangeError);
});
