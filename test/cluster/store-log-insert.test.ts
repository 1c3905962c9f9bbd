/**
 * The PostgreSQL request-log insert (one array literal per column, unnest()): values a hand-built
 * array literal could get wrong round-trip exactly, duplicate ids inside a batch and across a
 * retried batch are skipped, and a large batch goes through as one statement.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { RequestLogEntry } from '../../src/store/types.js';
import { makePostgresHarness, REDIS_URL } from './store-harness.js';

const entry = (i: number, extra: Partial<RequestLogEntry> = {}): RequestLogEntry => ({
  id: `req-${i}`,
  time: new Date(Date.UTC(2026, 0, 10, 12, 0, 0, i)).toISOString(),
  kind: 'chat',
  alias: 'chat-default',
  attempts: [],
  status: 200,
  stream: false,
  latencyMs: 1.5,
  ...extra,
});

const awkward: RequestLogEntry[] = [
  entry(1, { tenant: 'a "quoted" tenant', keyId: 'back\\slash\\', routeReason: '{braces},commas', errorCode: 'NULL' }),
  entry(2, { tenant: '', deployment: 'line\nbreak\ttab', location: ' spaced ', promptVersion: 'émoji 🚀 ünïcode' }),
  entry(3, { attempts: [{ deployment: 'x "y"', error: 'a\\b {c}', nested: { k: [1, null, 'z'] } }], pii: { EMAIL: 2, 'PHONE "x"': 1 } }),
  entry(4, { stream: true, tokensEstimated: false, ttftMs: 0.25, promptTokens: 0, completionTokens: 7, costUsd: 1e-7, status: 502 }),
  entry(5, { alias: 'nul\u0000char', latencyMs: 12345.678 }),
];

test('awkward values round-trip through the unnest() insert exactly', async () => {
  const harness = await makePostgresHarness();
  const store = await harness.open();
  try {
    for (const e of awkward) store.requestLog.append(e);
    const got = new Map((await store.requestLog.query({ limit: 100 })).map((e) => [e.id, e]));
    assert.equal(got.size, awkward.length);
    assert.equal(got.get('req-1')?.tenant, 'a "quoted" tenant');
    assert.equal(got.get('req-1')?.keyId, 'back\\slash\\');
    assert.equal(got.get('req-1')?.routeReason, '{braces},commas');
    assert.equal(got.get('req-1')?.errorCode, 'NULL'); // the string, not a SQL NULL
    assert.equal(got.get('req-2')?.tenant, '');
    assert.equal(got.get('req-2')?.deployment, 'line\nbreak\ttab');
    assert.equal(got.get('req-2')?.location, ' spaced ');
    assert.equal(got.get('req-2')?.promptVersion, 'émoji 🚀 ünïcode');
    assert.deepEqual(got.get('req-3')?.attempts, awkward[2]!.attempts);
    assert.deepEqual(got.get('req-3')?.pii, awkward[2]!.pii);
    const four = got.get('req-4')!;
    assert.deepEqual(
      [four.stream, four.tokensEstimated, four.ttftMs, four.promptTokens, four.completionTokens, four.costUsd, four.status],
      [true, false, 0.25, 0, 7, 1e-7, 502],
    );
    assert.equal(got.get('req-5')?.alias, 'nulchar');
    assert.equal(got.get('req-5')?.latencyMs, 12345.678);
    assert.equal(got.get('req-4')?.tenant, undefined, 'absent values stay NULL');
  } finally {
    await store.close();
    await harness.destroy();
  }
});

test('duplicate ids in one batch and in a retried batch are skipped; 2,000 rows go in one batch', async () => {
  const harness = await makePostgresHarness();
  const store = await harness.open({ options: { log: { batchSize: 2_000, highWaterMark: 10_000, flushIntervalMs: 60_000 } } });
  try {
    store.requestLog.append(entry(1));
    store.requestLog.append(entry(1, { status: 500 })); // same id in the same batch: the first wins
    await store.requestLog.flush();
    for (let i = 0; i < 2_000; i++) store.requestLog.append(entry(i)); // req-1 again: already there
    await store.requestLog.flush();
    const all = await store.requestLog.query({ limit: 10_000 });
    assert.equal(all.length, 2_000);
    assert.equal(all.find((e) => e.id === 'req-1')?.status, 200);
  } finally {
    await store.close();
    await harness.destroy();
  }
});

test('without the log worker (logWorker: false) the pool writes the same rows', async () => {
  const harness = await makePostgresHarness();
  const store = await PostgresStore.create(
    { postgres: harness.postgresUrl, redis: REDIS_URL, retentionDays: 30, logWorker: false },
    { redisPrefix: harness.redisPrefix },
  );
  try {
    await store.init();
    for (const e of awkward) store.requestLog.append(e);
    const got = await store.requestLog.query({ limit: 100 });
    assert.equal(got.length, awkward.length);
    assert.deepEqual(got.find((e) => e.id === 'req-3')?.attempts, awkward[2]!.attempts);
    assert.equal(got.find((e) => e.id === 'req-1')?.keyId, 'back\\slash\\');
  } finally {
    await store.close();
    await harness.destroy();
  }
});
