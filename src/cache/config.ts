/**
 * Config schema owned by the response cache (docs/cache.md): a global `cache:` block (backend,
 * bounds, defaults) and a per-alias `cache:` block under `models.<alias>` that switches it on or
 * off and may add a semantic layer. Off unless config turns it on: a cache changes what a client
 * gets for a sampled (temperature > 0) request, so an operator opts in.
 */
import { z } from 'zod';

const ttl = z
  .number({ error: 'cache ttlSeconds must be a number of seconds, e.g. 3600' })
  .int({ error: 'cache ttlSeconds must be a whole number of seconds' })
  .min(1, { error: 'cache ttlSeconds must be at least 1' })
  .max(30 * 86_400, { error: 'cache ttlSeconds must be at most 2592000 (30 days)' });

export const semanticCacheSchema = z.strictObject({
  /** An alias (or `provider/model`) with an embeddings API; the last user message is embedded through it. */
  embeddingModel: z.string().min(1),
  /** Cosine similarity at or above which the nearest stored request is a hit (0..1). */
  threshold: z.number().min(0).max(1),
});

/** `models.<alias>.cache`: on/off and TTL for this alias; `semantic` adds nearest-neighbour lookup. */
export const aliasCacheSchema = z.strictObject({
  enabled: z.boolean().optional(),
  ttlSeconds: ttl.optional(),
  semantic: semanticCacheSchema.optional(),
});

export const cacheConfigSchema = z
  .strictObject({
    /** Default for aliases that do not say (`models.<alias>.cache.enabled`). */
    enabled: z.boolean().default(false),
    ttlSeconds: ttl.default(3600),
    /** `auto`: Redis when the store is scaled out (PostgreSQL + Redis), memory otherwise. */
    backend: z.enum(['auto', 'memory', 'redis']).default('auto'),
    /** Memory back-end: total bytes of entries kept (least recently used out first). */
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .default(64 * 1024 * 1024),
    /** An answer larger than this (serialized) is not stored. */
    maxEntryBytes: z
      .number()
      .int()
      .min(256)
      .default(1024 * 1024),
    /** Redis back-end: a lookup or write slower than this is a miss (never a stall or an error). */
    redisTimeoutMs: z.number().int().min(1).max(10_000).default(50),
    /** Entries are per tenant unless this is true (then every tenant shares answers to equal requests). */
    shareAcrossTenants: z.boolean().default(false),
    /** Semantic layer: stored vectors per (tenant, alias, rest of request), oldest out first. */
    maxVectorsPerBucket: z.number().int().min(1).max(10_000).default(256),
  })
  .prefault({});

export type CacheConfig = z.infer<typeof cacheConfigSchema>;
export type AliasCacheConfig = z.infer<typeof aliasCacheSchema>;
export type SemanticCacheConfig = z.infer<typeof semanticCacheSchema>;
