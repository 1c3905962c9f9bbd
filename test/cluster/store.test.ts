/** The store conformance suite against PostgreSQL + Redis (fresh schema and key namespace per run). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { createStore } from '../../src/store/index.js';
import { storeConformance } from '../helpers/store-conformance.js';
import { makePostgresHarness, POSTGRES_URL } from './store-harness.js';

storeConformance('postgres + redis', makePostgresHarness);

test('postgres store keeps its tables in the schema named by search_path', async () => {
  const harness = await makePostgresHarness();
  const store = await harness.open();
  try {
    assert.equal(store.kind, 'postgres');
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    const res = await c.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [
      harness.schema,
    ]);
    await c.end();
    assert.deepEqual(
      res.rows.map((r: { table_name: string }) => r.table_name),
      [
        'api_keys',
        'audit_log',
        'feedback',
        'prompt_labels',
        'prompt_versions',
        'rag_chunks',
        'rag_collections',
        'request_log',
        'request_log_dead_letters',
        'responses',
        'schema_migrations',
        'spend_counters',
      ],
    );
  } finally {
    await store.close();
    await harness.destroy();
  }
});

test('an unreachable Redis fails startup with a message naming it', async () => {
  const harness = await makePostgresHarness();
  try {
    await assert.rejects(
      createStore(
        { sqlite: ':memory:', postgres: harness.postgresUrl, redis: 'redis://:pw@127.0.0.1:1', retentionDays: 30 },
        { onError: () => undefined },
      ),
      (err: Error) => /Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 is not usable/.test(err.message) && !err.message.includes('pw'),
    );
  } finally {
    await harness.destroy();
  }
});
