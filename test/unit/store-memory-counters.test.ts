/** In-memory counters with a fake clock: fixed windows, TTL refresh, expiry and sweeping. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryCounters } from '../../src/store/memory-counters.js';

test('consume: a fixed window from the first call, with the seconds left until it resets', async () => {
  let now = 1_000_000;
  const c = new MemoryCounters(() => now);
  assert.deepEqual(await c.consume('k', 1, 2, 60), { allowed: true, used: 1, resetSeconds: 60 });
  now += 20_500;
  assert.deepEqual(await c.consume('k', 1, 2, 60), { allowed: true, used: 2, resetSeconds: 40 });
  assert.deepEqual(await c.consume('k', 1, 2, 60), { allowed: false, used: 2, resetSeconds: 40 });
  now += 39_500; // exactly at the end of the window
  assert.deepEqual(await c.consume('k', 1, 2, 60), { allowed: true, used: 1, resetSeconds: 60 });
  c.close();
});

test('consume: an amount larger than the limit is never admitted, even on an empty window', async () => {
  const c = new MemoryCounters(() => 0);
  assert.equal((await c.consume('t', 1001, 1000, 60)).allowed, false);
  assert.equal(await c.get('t'), 0);
  c.close();
});

test('add: each call restarts the TTL; expired keys read 0 and are swept', async () => {
  let now = 0;
  const c = new MemoryCounters(() => now);
  await c.add('a', 2, 10);
  await c.add('b', 1, 10);
  now = 9_000;
  assert.equal(await c.add('a', 3, 10), 5);
  now = 12_000;
  assert.equal(await c.get('a'), 5);
  assert.equal(await c.get('b'), 0);
  now = 30_000;
  assert.equal(c.size, 0);
  c.close();
});

test('concurrent async callers cannot overshoot the limit, and every admitted amount is counted', async () => {
  const c = new MemoryCounters();
  const amounts = Array.from({ length: 500 }, (_, i) => (i % 3) + 1);
  const results = await Promise.all(amounts.map((a) => c.consume('x', a, 300, 60)));
  const admitted = amounts.filter((_, i) => results[i]!.allowed).reduce((n, a) => n + a, 0);
  assert.equal(await c.get('x'), admitted);
  assert.ok(admitted <= 300 && admitted >= 298, `admitted ${admitted}`);
  c.close();
});
