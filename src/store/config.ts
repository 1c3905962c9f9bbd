/** Config schema owned by the store: embedded SQLite by default, PostgreSQL + Redis to scale out. */
import { z } from 'zod';

const KEYS = 'sqlite, postgres, redis, redisPrefix, retentionDays, onCounterError, redisTimeoutMs';

const url = (protocols: string[], example: string, what: string) =>
  z.string({ error: `expected ${what} URL as text, e.g. "${example}"` }).refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    {
      error: `expected ${what} URL like "${example}" (scheme ${protocols.join(' or ')}); put a password in the URL or in an env var: "\${VAR}"`,
    },
  );

export const storeConfigSchema = z
  .strictObject(
    {
      sqlite: z
        .string({ error: 'store.sqlite must be a file path, e.g. ".meridian/meridian.db", or ":memory:"' })
        .min(1, { error: 'store.sqlite must not be empty: give a file path, e.g. ".meridian/meridian.db"' })
        .default('.meridian/meridian.db'),
      postgres: url(['postgres:', 'postgresql:'], 'postgres://meridian:${PGPASSWORD}@db:5432/meridian', 'a PostgreSQL').optional(),
      redis: url(['redis:', 'rediss:'], 'redis://cache:6379', 'a Redis').optional(),
      /** Namespace for this deployment's Redis keys (default `meridian:`), e.g. when several share one Redis. */
      redisPrefix: z.string().min(1, { error: 'store.redisPrefix must not be empty; leave it out for the default "meridian:"' }).optional(),
      /** Days of request log to keep. */
      retentionDays: z
        .number({ error: 'store.retentionDays must be a number of days, e.g. 30' })
        .int({ error: 'store.retentionDays must be a whole number of days, e.g. 30' })
        .positive({ error: 'store.retentionDays must be at least 1' })
        .default(30),
      /**
       * When Redis cannot be reached for a rate-limit or budget counter: `fail-closed` (default)
       * refuses the request with 503 store_unavailable; `fail-open` lets it through unmetered
       * (reported through the store's onError) so an outage never stops traffic.
       */
      onCounterError: z
        .enum(['fail-closed', 'fail-open'], {
          error: 'store.onCounterError must be "fail-closed" (refuse requests while Redis is down) or "fail-open" (allow them unmetered)',
        })
        .default('fail-closed'),
      /** How long a Redis counter command may take before it counts as a failure (fast 503 or fail-open). */
      redisTimeoutMs: z
        .number({ error: 'store.redisTimeoutMs must be a number of milliseconds, e.g. 250' })
        .int({ error: 'store.redisTimeoutMs must be a whole number of milliseconds' })
        .min(10, { error: 'store.redisTimeoutMs must be at least 10 (ms)' })
        .max(10_000, { error: 'store.redisTimeoutMs must be at most 10000 (ms): a slow Redis should fail fast' })
        .default(250),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown key ${iss.keys.map((k) => `"${k}"`).join(', ')} in store; the keys are: ${KEYS}`
          : iss.code === 'invalid_type'
            ? 'store must be a mapping, e.g. "store: { sqlite: .meridian/meridian.db }"'
            : undefined,
    },
  )
  .default({ sqlite: '.meridian/meridian.db', retentionDays: 30, onCounterError: 'fail-closed', redisTimeoutMs: 250 });
type ParsedStoreConfig = z.infer<typeof storeConfigSchema>;
/** The parsed section; the newer knobs stay optional for callers that build one in code (tests, CLI). */
export type StoreConfig = Omit<ParsedStoreConfig, 'onCounterError' | 'redisTimeoutMs'> &
  Partial<Pick<ParsedStoreConfig, 'onCounterError' | 'redisTimeoutMs'>>;
