/** Config schema owned by the store: embedded SQLite by default, PostgreSQL + Redis to scale out. */
import { z } from 'zod';

export const storeConfigSchema = z
  .object({
    sqlite: z.string().default('.meridian/meridian.db'),
    postgres: z.string().optional(),
    redis: z.string().optional(),
    /** Namespace for this deployment's Redis keys (default `meridian:`), e.g. when several share one Redis. */
    redisPrefix: z.string().min(1).optional(),
    /** Days of request log to keep. */
    retentionDays: z.number().int().positive().default(30),
  })
  .strict()
  .default({ sqlite: '.meridian/meridian.db', retentionDays: 30 });
export type StoreConfig = z.infer<typeof storeConfigSchema>;
