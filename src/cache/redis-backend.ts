/**
 * The scale-out back-end: entries in Redis, shared by every replica, on the store's own
 * connection (it neither queues nor retries while disconnected, see postgres-store.ts). Every
 * call has a deadline: a slow or absent Redis is a miss (or a dropped write), never a stall or an
 * error for the request. Expiry is Redis's own (`PX`), so no replica has to sweep.
 * https://redis.io/docs/latest/commands/set/ , https://redis.io/docs/latest/commands/ltrim/
 */
import type { Redis } from 'ioredis';
import { withDeadline } from '../store/redis-counters.js';
import type { CacheBackend } from './types.js';

export interface RedisCacheOptions {
  /** Namespaces the keys (the store's prefix, then `cache:`). */
  prefix: string;
  timeoutMs: number;
  /** Told about failed calls (the caller throttles); never given keys or values. */
  onError?: (err: unknown, context: string) => void;
}

export class RedisCacheBackend implements CacheBackend {
  readonly kind = 'redis' as const;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RedisCacheOptions,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const v = await this.call('get', () => this.redis.get(this.opts.prefix + key));
    return v ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.call('set', () => this.redis.set(this.opts.prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs))));
  }

  async pushVector(bucket: string, item: string, max: number, ttlMs: number): Promise<void> {
    const k = this.opts.prefix + bucket;
    await this.call('pushVector', () =>
      this.redis
        .multi()
        .lpush(k, item)
        .ltrim(k, 0, max - 1)
        .pexpire(k, Math.max(1, Math.round(ttlMs)))
        .exec(),
    );
  }

  async vectors(bucket: string): Promise<string[]> {
    return (await this.call('vectors', () => this.redis.lrange(this.opts.prefix + bucket, 0, -1))) ?? [];
  }

  /** The command's answer, or undefined when Redis failed or did not answer in time. */
  private async call<T>(context: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await withDeadline(work(), this.opts.timeoutMs);
    } catch (err) {
      this.opts.onError?.(err, `cache ${context}`);
      return undefined;
    }
  }
}
