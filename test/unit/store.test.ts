/** The store conformance suite against the embedded backend: a SQLite file in a temp dir + in-memory counters. */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStore } from '../../src/store/index.js';
import { sqliteMigrations } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { maskUrl } from '../../src/store/postgres/postgres-store.js';
import { storeConformance } from '../helpers/store-conformance.js';
import { storeConfigSchema } from '../../src/store/config.js';

storeConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-store-'));
  // A nested path: createStore must create the parent directories.
  const path = join(dir, 'nested', 'meridian.db');
  return {
    open: async ({ retentionDays = 30, options = {} } = {}) => createStore({ sqlite: path, retentionDays }, options),
    appliedMigrations: async (store) => (store as SqliteStore).appliedMigrations(),
    migrationVersions: sqliteMigrations.map((m) => m.version),
    sharedCounters: false,
    refuseAlias: async (store, alias) => {
      const db = (store as SqliteStore).db;
      db.prepare(
        `CREATE TRIGGER refuse_${alias.replace(/\W/g, '_')} BEFORE INSERT ON request_log WHEN NEW.alias = ${JSON.stringify(alias).replaceAll('"', "'")} ` +
          `BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END`,
      ).run();
    },
    deadLetters: async (store) =>
      (
        (store as SqliteStore).db.prepare('SELECT entry_id, entry, error FROM request_log_dead_letters ORDER BY seq').all() as {
          entry_id: string | null;
          entry: string;
          error: string;
        }[]
      ).map((r) => ({ entryId: r.entry_id, entry: r.entry, error: r.error })),
    destroy: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

test('sqlite store runs in WAL mode and creates its parent directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-store-'));
  try {
    const path = join(dir, 'a', 'b', 'm.db');
    const store = (await createStore({ sqlite: path, retentionDays: 30 })) as SqliteStore;
    assert.equal(store.kind, 'sqlite');
    assert.ok(existsSync(path));
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('createStore explains a scale-out config without Redis', async () => {
  await assert.rejects(createStore({ sqlite: ':memory:', retentionDays: 30, postgres: 'postgres://x@127.0.0.1/db' }), /store\.redis/);
  await assert.rejects(createStore({ sqlite: ':memory:', retentionDays: 30, redis: 'redis://127.0.0.1' }), /store\.postgres/);
});

test('store connection errors name the server but never its password', () => {
  assert.equal(
    maskUrl('postgres://meridian:s3cret@db.internal:5432/meridian?sslmode=require'),
    'postgres://meridian:***@db.internal:5432/meridian',
  );
  assert.equal(maskUrl('redis://:pw@cache:6379'), 'redis://:***@cache:6379');
  assert.equal(maskUrl('redis://cache:6379'), 'redis://cache:6379');
});

test('store config: strict, with defaults in one place and messages that say how to fix', () => {
  assert.deepEqual(storeConfigSchema.parse(undefined), {
    sqlite: '.meridian/meridian.db',
    retentionDays: 30,
    onCounterError: 'fail-closed',
    redisTimeoutMs: 250,
  });
  assert.deepEqual(storeConfigSchema.parse({ onCounterError: 'fail-open' }).onCounterError, 'fail-open');
  const messages = (input: unknown): string =>
    (storeConfigSchema.safeParse(input).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
  assert.match(messages({ sqllite: 'x.db' }), /unknown key "sqllite" in store; the keys are: sqlite, postgres/);
  assert.match(messages({ onCounterError: 'open' }), /"fail-closed" .*or "fail-open"/);
  assert.match(messages({ postgres: 'localhost:5432' }), /PostgreSQL URL like "postgres:\/\//);
  assert.match(messages({ redis: 'http://cache' }), /Redis URL like "redis:\/\/cache:6379"/);
  assert.match(messages({ retentionDays: 0 }), /at least 1/);
  assert.match(messages({ redisTimeoutMs: 60_000 }), /at most 10000/);
  assert.match(messages('sqlite.db'), /store must be a mapping/);
});

test('embedded budget spend: two processes on one file add up instead of overwriting each other', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-store-'));
  try {
    const path = join(dir, 'm.db');
    const a = await createStore({ sqlite: path, retentionDays: 30 });
    const b = await createStore({ sqlite: path, retentionDays: 30 });
    await a.spend.add('meridian:budget:k', 300, 3_600);
    await b.spend.add('meridian:budget:k', 200, 3_600);
    assert.equal((await b.spend.consume('meridian:budget:k', 50, 1_000, 3_600)).used, 250, 'each enforces with its own view');
    await a.close();
    await b.close();
    const c = await createStore({ sqlite: path, retentionDays: 30 });
    assert.equal(await c.spend.get('meridian:budget:k'), 550);
    assert.equal(await c.counters.get('rpm:anything'), 0, 'rate-limit windows are not durable');
    await c.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
