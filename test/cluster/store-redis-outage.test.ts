/**
 * Redis outages, on a private redis-server this test kills and restarts: counters fail fast with
 * 503 store_unavailable (or allow under fail-open), the store reports not ready, everything
 * recovers by itself when Redis is back, and budget spend survives Redis losing its keys.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { StoreUnavailableError } from '../../src/errors.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { privateRedis, waitFor, type PrivateRedis } from './private-redis.js';
import { makePostgresHarness } from './store-harness.js';

describe('store: Redis outage and restart', () => {
  let redis: PrivateRedis;
  let harness: Awaited<ReturnType<typeof makePostgresHarness>>;
  const opened: Store[] = [];
  const reports: string[] = [];

  const open = async (onCounterError: 'fail-closed' | 'fail-open' = 'fail-closed'): Promise<Store> => {
    const s = await createStore(
      { sqlite: ':memory:', postgres: harness.postgresUrl, redis: redis.url, retentionDays: 30, onCounterError },
      { redisPrefix: harness.redisPrefix, onError: (_e, ctx) => reports.push(ctx) },
    );
    opened.push(s);
    return s;
  };

  const flushAll = async (): Promise<void> => {
    const c = new Redis(redis.url);
    try {
      await c.flushall();
    } finally {
      c.disconnect();
    }
  };

  before(async () => {
    redis = await privateRedis();
    await redis.start();
    harness = await makePostgresHarness();
  });

  after(async () => {
    for (const s of opened) await s.close().catch(() => undefined);
    await redis.kill();
    await harness.destroy();
  });

  it('Redis down: counters fail fast with 503, the store is not ready; Redis back: it recovers by itself', async () => {
    const closed = await open('fail-closed');
    const open_ = await open('fail-open');
    assert.deepEqual(closed.health(), { ready: true });
    assert.equal((await closed.counters.consume('rpm:k1', 1, 10, 60)).allowed, true);
    await closed.spend.add('budget:before-outage', 42, 3_600);

    await redis.kill();
    await waitFor(() => !closed.health().ready && !open_.health().ready, 'the stores to notice Redis is gone');
    assert.match(closed.health().reason ?? '', /redis/);

    const started = Date.now();
    await assert.rejects(
      closed.counters.consume('rpm:k1', 1, 10, 60),
      (err: unknown) => err instanceof StoreUnavailableError && err.status === 503 && err.code === 'store_unavailable',
    );
    await assert.rejects(closed.spend.consume('budget:x', 1, 10, 60), StoreUnavailableError);
    await assert.rejects(closed.spend.get('budget:x'), StoreUnavailableError);
    // Generous bound (the old client waited 1.1–3.5 s retrying): it fails without waiting on Redis.
    assert.ok(Date.now() - started < 1_000, `failed in ${Date.now() - started} ms`);

    const allowed = await open_.counters.consume('rpm:k1', 1, 10, 60);
    assert.equal(allowed.allowed, true, 'fail-open lets the request through');
    assert.equal((await open_.spend.consume('budget:y', 5, 10, 60)).allowed, true);
    assert.ok(
      reports.some((r) => /fail-open/.test(r)),
      'fail-open is reported through onError',
    );

    await redis.start();
    await waitFor(() => closed.health().ready && open_.health().ready, 'the stores to reconnect');
    assert.equal((await closed.counters.consume('rpm:k1', 1, 10, 60)).allowed, true, 'counters work again');
    // The restarted Redis kept nothing (no persistence); the spend came back from PostgreSQL.
    assert.equal(await closed.spend.get('budget:before-outage'), 42);
  });

  it('budget spend survives a FLUSHALL of Redis, also for a replica that starts afterwards', async () => {
    const first = await open();
    const key = 'budget:tenant:acme:day:usd';
    assert.equal((await first.spend.consume(key, 300, 10_000, 3_600)).allowed, true);
    await first.spend.add(key, 700, 3_600);
    await first.close(); // writes its pending spend to PostgreSQL
    await flushAll();

    const second = await open();
    assert.equal(await second.spend.get(key), 1_000);
    const denied = await second.spend.consume(key, 9_500, 10_000, 3_600);
    assert.deepEqual([denied.allowed, denied.used], [false, 1_000], 'the budget still counts what was spent');
    assert.equal((await second.spend.consume(key, 9_000, 10_000, 3_600)).allowed, true);

    // Same replica, nothing flushed yet: its own unsaved spend is counted too, exactly once.
    const other = 'budget:tenant:beta:day:usd';
    await second.spend.add(other, 5, 3_600);
    await flushAll();
    assert.equal(await second.spend.add(other, 1, 3_600), 6);
    assert.equal(await second.spend.get(key), 10_000);

    // Rate-limit windows are not durable (by design): they start over.
    await second.counters.consume('rpm:flush', 3, 10, 60);
    await flushAll();
    assert.equal(await second.counters.get('rpm:flush'), 0);
  });
});
