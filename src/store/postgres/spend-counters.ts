/**
 * Budget spend for the scale-out store: Redis counters (exact across replicas, one round-trip)
 * whose every change is also recorded in PostgreSQL (./spend-journal.ts). The spend scripts
 * refuse to act on a key Redis does not have; the key is then re-seeded from PostgreSQL with
 * `SET NX` (one replica wins when several race) and the call is repeated. So a Redis restart
 * without persistence, or a FLUSHALL, no longer resets what tenants have spent.
 *
 * Changes are recorded after Redis applied them (or failed to): recording first would let a
 * concurrent re-seed count the same change twice.
 */
import type { Redis } from 'ioredis';
import { RedisCounters, type RedisCounterOptions } from '../redis-counters.js';
import type { ConsumeResult } from '../types.js';
import type { PostgresSpendJournal } from './spend-journal.js';

/** Like CONSUME_LUA, but {-1} when the key is missing, and the expiry is extended to the window. */
const SPEND_CONSUME_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, '0', 0} end
local amount = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local current = redis.call('GET', KEYS[1])
local used = tonumber(current or '0')
local ttl = redis.call('PTTL', KEYS[1])
if used + amount > limit then
  if ttl < 0 then ttl = window end
  return {0, current, ttl}
end
local after = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
if ttl < window then
  redis.call('PEXPIRE', KEYS[1], window)
  ttl = window
end
return {1, after, ttl}
`;

/** Like ADD_LUA, but {0} when the key is missing (nothing changed). */
const SPEND_ADD_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, '0'} end
local after = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, after}
`;

/** A key with no durable spend is seeded with 0 for this long, so `get` does not ask PostgreSQL on every call. */
const EMPTY_SEED_TTL_MS = 60_000;

interface SpendCommands {
  meridianSpendConsume(key: string, amount: string, limit: string, windowMs: string): Promise<[number, string, number]>;
  meridianSpendAdd(key: string, amount: string, ttlMs: string): Promise<[number, string]>;
}

export class RedisSpendCounters extends RedisCounters {
  private readonly spendRedis: Redis & SpendCommands;
  private readonly reseeding = new Map<string, Promise<void>>();

  constructor(
    redis: Redis,
    private readonly journal: PostgresSpendJournal,
    options: RedisCounterOptions = {},
  ) {
    super(redis, options);
    redis.defineCommand('meridianSpendConsume', { numberOfKeys: 1, lua: SPEND_CONSUME_LUA });
    redis.defineCommand('meridianSpendAdd', { numberOfKeys: 1, lua: SPEND_ADD_LUA });
    this.spendRedis = redis as Redis & SpendCommands;
  }

  override async consume(key: string, amount: number, limit: number, windowSeconds: number): Promise<ConsumeResult> {
    const windowMs = Math.max(1, Math.round(windowSeconds * 1000));
    const k = this.prefix + key;
    const r = await this.guarded(
      async () => {
        const run = () => this.timed(this.spendRedis.meridianSpendConsume(k, String(amount), String(limit), String(windowMs)));
        let [allowed, used, ttlMs] = await run();
        if (allowed === -1) {
          await this.reseed(key, windowMs);
          [allowed, used, ttlMs] = await run();
          if (allowed === -1) throw new Error('spend counter vanished while being re-seeded');
        }
        return { allowed: allowed === 1, used: Number(used), resetSeconds: Math.max(1, Math.ceil(Number(ttlMs) / 1000)) };
      },
      () => ({ allowed: true, used: 0, resetSeconds: Math.max(1, Math.ceil(windowSeconds)) }),
    );
    if (r.allowed) this.journal.record(key, amount, windowMs);
    return r;
  }

  override async add(key: string, amount: number, ttlSeconds: number): Promise<number> {
    const ttlMs = Math.max(1, Math.round(ttlSeconds * 1000));
    const k = this.prefix + key;
    try {
      return await this.guarded(
        async () => {
          const run = () => this.timed(this.spendRedis.meridianSpendAdd(k, String(amount), String(ttlMs)));
          let [present, after] = await run();
          if (present === 0) {
            await this.reseed(key, ttlMs);
            [present, after] = await run();
            if (present === 0) throw new Error('spend counter vanished while being re-seeded');
          }
          return Number(after);
        },
        () => amount,
      );
    } finally {
      // Spend happened whether or not Redis heard of it: PostgreSQL keeps the truth.
      this.journal.record(key, amount, ttlMs);
    }
  }

  override get(key: string): Promise<number> {
    const k = this.prefix + key;
    return this.guarded(
      async () => {
        let v = await this.timed(this.redis.get(k));
        if (v === null) {
          await this.reseed(key, EMPTY_SEED_TTL_MS);
          v = await this.timed(this.redis.get(k));
        }
        return v === null ? 0 : Number(v);
      },
      () => 0,
    );
  }

  /**
   * Puts the durable value back into Redis unless another call (or replica) already did.
   * Concurrent calls for one key share one re-seed (a burst on a new budget period reads
   * PostgreSQL once). The PostgreSQL read is not under the Redis deadline: it is bounded by the
   * pool's connection timeout, and happens once per key per Redis lifetime.
   */
  private reseed(key: string, fallbackTtlMs: number): Promise<void> {
    let running = this.reseeding.get(key);
    if (!running) {
      running = (async () => {
        const durable = await this.journal.read(key);
        const value = durable?.value ?? 0;
        const ttlMs = durable ? Math.max(1, Math.round(durable.expiresAt - Date.now())) : fallbackTtlMs;
        await this.timed(this.redis.set(this.prefix + key, String(value), 'PX', ttlMs, 'NX'));
      })().finally(() => this.reseeding.delete(key));
      this.reseeding.set(key, running);
    }
    return running;
  }
}
