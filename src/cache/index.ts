/** The response cache (issue #13, docs/cache.md): public API. */
import type { Redis } from 'ioredis';
import { ConfigError } from '../errors.js';
import type { CacheConfig } from './config.js';
import { MemoryCacheBackend } from './memory-backend.js';
import { RedisCacheBackend } from './redis-backend.js';
import { ResponseCache } from './response-cache.js';

export { cacheKeys, type CacheKeys } from './key.js';
export { ResponseCache, normalize, type CacheHit, type CacheSettings } from './response-cache.js';
export { MemoryCacheBackend } from './memory-backend.js';
export { RedisCacheBackend } from './redis-backend.js';
export type { CacheBackend, CachedAnswer, CacheResult } from './types.js';

export interface CreateCacheOptions {
  /** The store's Redis connection when scaled out. */
  redis?: Redis;
  /** The store's key prefix (default `meridian:`); cache keys go under `<prefix>cache:`. */
  redisPrefix?: string;
  onError?: (err: unknown, context: string) => void;
  now?: () => number;
}

/** `backend: auto` is Redis when the store has a Redis connection, memory otherwise. */
export function createResponseCache(config: CacheConfig, opts: CreateCacheOptions = {}): ResponseCache {
  const useRedis = config.backend === 'redis' || (config.backend === 'auto' && opts.redis !== undefined);
  if (useRedis && !opts.redis) {
    throw new ConfigError(
      'cache.backend is "redis" but the store has no Redis: set store.postgres and store.redis, or cache.backend: memory',
    );
  }
  const backend = useRedis
    ? new RedisCacheBackend(opts.redis!, {
        prefix: `${opts.redisPrefix ?? 'meridian:'}cache:`,
        timeoutMs: config.redisTimeoutMs,
        ...(opts.onError ? { onError: opts.onError } : {}),
      })
    : new MemoryCacheBackend(config.maxBytes, opts.now);
  return new ResponseCache(backend, opts.now);
}

/** The client's `Cache-Control` request directives we honour (RFC 9111 §5.2.1). */
export interface CacheControl {
  /** `no-cache`: do not answer from the cache (the answer is still stored). */
  noCache: boolean;
  /** `no-store`: neither read nor write the cache. */
  noStore: boolean;
}

export function parseCacheControl(header: string | string[] | undefined): CacheControl {
  const text = (Array.isArray(header) ? header.join(',') : (header ?? '')).toLowerCase();
  const directives = new Set(text.split(',').map((d) => d.trim().split('=')[0]));
  return { noCache: directives.has('no-cache'), noStore: directives.has('no-store') };
}
