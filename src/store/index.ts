/**
 * The store entry point: `createStore(config)` picks the backend from the config and returns it
 * initialized (migrations applied, log writer running).
 * - embedded (default): SQLite file + in-memory counters;
 * - scale-out (`store.postgres` set): PostgreSQL + Redis, drivers loaded only then.
 */
import { ConfigError } from '../errors.js';
import type { StoreConfig } from './config.js';
import type { StoreOptions } from './options.js';
import type { Store } from './types.js';

export { generateKey, hashKey, createApiKey, revokeApiKey, rotateApiKey, findKeyById } from './keys.js';
export type { NewKeySettings, CreatedKey } from './keys.js';
export type { StoreOptions } from './options.js';
export type * from './types.js';

export async function createStore(config: StoreConfig, options: StoreOptions = {}): Promise<Store> {
  const store = await openBackend(config, options);
  try {
    await store.init();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}

async function openBackend(config: StoreConfig, options: StoreOptions): Promise<Store> {
  if (config.postgres) {
    if (!config.redis) {
      throw new ConfigError(
        'store.postgres is set but store.redis is not: with PostgreSQL, rate limits and budget counters live in Redis ' +
          'so they are exact across replicas. Add store.redis (e.g. "redis://127.0.0.1:6379").',
      );
    }
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    const withPrefix = config.redisPrefix && options.redisPrefix === undefined ? { ...options, redisPrefix: config.redisPrefix } : options;
    return PostgresStore.create(
      {
        postgres: config.postgres,
        redis: config.redis,
        retentionDays: config.retentionDays,
        ...(config.onCounterError ? { onCounterError: config.onCounterError } : {}),
        ...(config.redisTimeoutMs ? { redisTimeoutMs: config.redisTimeoutMs } : {}),
      },
      withPrefix,
    );
  }
  if (config.redis) {
    throw new ConfigError(
      'store.redis is set without store.postgres: Redis is only used together with PostgreSQL. Set both, or neither for the embedded store.',
    );
  }
  const { SqliteStore } = await import('./sqlite/sqlite-store.js');
  return new SqliteStore({ path: config.sqlite, retentionDays: config.retentionDays }, options);
}
