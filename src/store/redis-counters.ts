/**
 * Counters in Redis, shared by every replica. Each operation is one Lua script, which Redis runs
 * atomically, so a limit of 50 admits exactly 50 however many replicas race for it.
 * Semantics are the same as MemoryCounters: `consume` is a fixed window starting at the first
 * call; `add` resets the expiry on every call. Values are returned as strings from Lua because
 * Redis truncates Lua numbers to integers (budgets are fractional dollars).
 * https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 */
import type { Redis } from 'ioredis';
import type { ConsumeResult, Counters } from './types.js';

/** KEYS[1]=counter; ARGV: amount, limit, windowMs → {allowed 0|1, used (string), ttlMs}. */
const CONSUME_LUA = `
local amount = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local current = redis.call('GET', KEYS[1])
local used = tonumber(current or '0')
local ttl = redis.call('PTTL', KEYS[1])
if used + amount > limit then
  if ttl < 0 then ttl = window end
  return {0, current or '0', ttl}
end
local after = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], window)
  ttl = window
end
return {1, after, ttl}
`;

/** KEYS[1]=counter; ARGV: amount, ttlMs → new value (string). */
const ADD_LUA = `
local after = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return after
`;

interface CounterCommands {
  meridianConsume(key: string, amount: string, limit: string, windowMs: string): Promise<[number, string, number]>;
  meridianAdd(key: string, amount: string, ttlMs: string): Promise<string>;
}

export class RedisCounters implements Counters {
  private readonly redis: Redis & CounterCommands;

  /** `prefix` namespaces every key (e.g. per deployment or per test run). */
  constructor(
    redis: Redis,
    private readonly prefix = 'meridian:',
  ) {
    // defineCommand sends EVALSHA and falls back to EVAL once per connection.
    redis.defineCommand('meridianConsume', { numberOfKeys: 1, lua: CONSUME_LUA });
    redis.defineCommand('meridianAdd', { numberOfKeys: 1, lua: ADD_LUA });
    this.redis = redis as Redis & CounterCommands;
  }

  async consume(key: string, amount: number, limit: number, windowSeconds: number): Promise<ConsumeResult> {
    const windowMs = Math.max(1, Math.round(windowSeconds * 1000));
    const [allowed, used, ttlMs] = await this.redis.meridianConsume(this.prefix + key, String(amount), String(limit), String(windowMs));
    return { allowed: allowed === 1, used: Number(used), resetSeconds: Math.max(1, Math.ceil(Number(ttlMs) / 1000)) };
  }

  async add(key: string, amount: number, ttlSeconds: number): Promise<number> {
    const ttlMs = Math.max(1, Math.round(ttlSeconds * 1000));
    return Number(await this.redis.meridianAdd(this.prefix + key, String(amount), String(ttlMs)));
  }

  async get(key: string): Promise<number> {
    const v = await this.redis.get(this.prefix + key);
    return v === null ? 0 : Number(v);
  }
}
