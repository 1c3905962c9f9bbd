/**
 * A PostgreSQL + Redis store harness for cluster tests: a fresh schema (selected through the
 * connection string's search_path) and a fresh Redis key namespace per run, both removed at the
 * end, so parallel runs never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createStore } from '../../src/store/index.js';
import { postgresMigrations } from '../../src/store/postgres/migrations.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { StoreHarness } from '../helpers/store-conformance.js';

export const POSTGRES_URL = process.env.MERIDIAN_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.MERIDIAN_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** The URL with `search_path` set to `schema` (libpq `options` parameter). */
export function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export async function makePostgresHarness(): Promise<StoreHarness & { schema: string; redisPrefix: string; postgresUrl: string }> {
  const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const schema = `meridian_test_${id}`;
  const redisPrefix = `meridian-test:${id}:`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const postgresUrl = urlWithSchema(POSTGRES_URL, schema);
  return {
    schema,
    redisPrefix,
    postgresUrl,
    open: async ({ retentionDays = 30, options = {} } = {}) =>
      createStore({ sqlite: ':memory:', postgres: postgresUrl, redis: REDIS_URL, retentionDays }, { redisPrefix, ...options }),
    appliedMigrations: async (store) => (store as PostgresStore).appliedMigrations(),
    migrationVersions: postgresMigrations.map((m) => m.version),
    sharedCounters: true,
    refuseAlias: async (store, alias) => {
      await (store as PostgresStore).pool.query(
        `ALTER TABLE request_log ADD CONSTRAINT refuse_${alias.replace(/\W/g, '_')} CHECK (alias <> '${alias.replaceAll("'", "''")}')`,
      );
    },
    deadLetters: async (store) => {
      const res = await (store as PostgresStore).pool.query('SELECT entry_id, entry, error FROM request_log_dead_letters ORDER BY seq');
      return (res.rows as { entry_id: string | null; entry: string; error: string }[]).map((r) => ({
        entryId: r.entry_id,
        entry: r.entry,
        error: r.error,
      }));
    },
    destroy: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
      await deleteRedisKeys(redisPrefix);
    },
  };
}

export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
