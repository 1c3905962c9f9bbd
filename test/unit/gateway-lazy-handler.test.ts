/** Route handlers loaded on first use: one import for any number of first callers, later calls direct, a failed import retried. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestContext } from '../../src/gateway/context.js';
import { lazyHandler } from '../../src/gateway/lazy-handler.js';
import type { GatewayServices } from '../../src/gateway/services.js';

const g = {} as GatewayServices;
const ctx = (n: number) => ({ n }) as unknown as RequestContext;

test('the module loads once, for concurrent first requests too, and every request reaches the handler', async () => {
  let loads = 0;
  const seen: unknown[] = [];
  const handler = lazyHandler(
    async () => {
      loads++;
      await new Promise((r) => setImmediate(r));
      return { handle: (_g: GatewayServices, c: RequestContext) => void seen.push(c) };
    },
    (m) => m.handle,
  );
  await Promise.all([handler(g, ctx(1)), handler(g, ctx(2)), handler(g, ctx(3))]);
  await handler(g, ctx(4));
  assert.equal(loads, 1);
  assert.deepEqual(
    seen.map((c) => (c as unknown as { n: number }).n),
    [1, 2, 3, 4],
  );
});

test("a handler's own rejection reaches the caller", async () => {
  const handler = lazyHandler(
    async () => ({
      handle: async () => {
        throw new Error('from the handler');
      },
    }),
    (m) => m.handle,
  );
  await assert.rejects(Promise.resolve(handler(g, ctx(1))), /from the handler/);
});

test('a failed import fails that request and is tried again by the next', async () => {
  let attempt = 0;
  let calls = 0;
  const handler = lazyHandler(
    async () => {
      if (++attempt === 1) throw new Error('cannot load');
      return { handle: () => void calls++ };
    },
    (m) => m.handle,
  );
  await assert.rejects(Promise.resolve(handler(g, ctx(1))), /cannot load/);
  await handler(g, ctx(2));
  assert.equal(attempt, 2);
  assert.equal(calls, 1);
});
