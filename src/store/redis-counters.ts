/**
 * Counters in Redis, shared by every replica. Each operation is one Lua script, which Redis runs
 * atomically, so a limit of 50 admits exactly 50 however many replicas race for it.
 * Semantics are the same as MemoryCounters: `consume` is a fixed window starting at the first
 * call; `add` resets the expiry on every call. Values are returned as strings from Lua because
 * Redis truncates Lua numbers to integers (budgets are fractional dollars).
 * https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 *
 * When Redis cannot answer (down, restarting, slower than the command timeout), a call fails at
 * once with StoreUnavailableError (503 store_unavailable) under `fail-closed`, or is allowed and
 * reported under `fail-open`. The client is set up not to queue or retry commands while
 * disconnected (postgres-store.ts), and reconnects by itself.
 */
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../errors.js';
import { cleanText } from './sanitize.js';
import type { ConsumeResult, Counters } from './types.js';

/** KEYS[1]=counter; ARGV: amount, limit, windowMs → {allowed 0|1, used (string), ttlMs}. */
export const CONSUME_LUA = `
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
export const ADD_LUA = `
local after = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return after
`;

interface CounterCommands {
  meridianConsume(key: string, amount: string, limit: string, windowMs: string): Promise<[number, string, number]>;
  meridianAdd(key: string, amount: string, ttlMs: string): Promise<string>;
}

export type CounterErrorMode = 'fail-closed' | 'fail-open';

export interface RedisCounterOptions {
  /** Namespaces every key (e.g. per deployment or per test run); default `meridian:`. */
  prefix?: string;
  /** What a call does when Redis cannot answer; default `fail-closed`. */
  onCounterError?: CounterErrorMode;
  /** Told about failed calls (throttled): under fail-open, each means requests went unmetered. */
  onError?: (err: unknown, context: string) => void;
  /** A call that has no answer after this long fails (default 250 ms). */
  timeoutMs?: number;
}

/**
 * Resolves like `work`, or rejects once `ms` have passed without an answer. The deadline timer
 * does not decide alone: it defers to the next check phase (setImmediate), after the event loop
 * has read the sockets, so a reply that arrived while the loop was busy (a burst of requests on
 * a loaded machine) still wins. ioredis' own commandTimeout would fail those.
 */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (settled) return;
          settled = true;
          reject(new Error(`no answer within ${ms} ms`));
        }),
      ms,
    );
    work.then(
      (v) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

const REPORT_INTERVAL_MS = 10_000;

export class RedisCounters implements Counters {
  protected readonly redis: Redis & CounterCommands;
  protected readonly prefix: string;
  private readonly mode: CounterErrorMode;
  private readonly onError: (err: unknown, context: string) => void;
  private readonly timeoutMs: number;
  private lastReportAt = -Infinity;

  constructor(redis: Redis, options: RedisCounterOptions = {}) {
    // defineCommand sends EVALSHA and falls back to EVAL once per connection.
    redis.defineCommand('meridianConsume', { numberOfKeys: 1, lua: CONSUME_LUA });
    redis.defineCommand('meridianAdd', { numberOfKeys: 1, lua: ADD_LUA });
    this.redis = redis as Redis & CounterCommands;
    this.prefix = options.prefix ?? 'meridian:';
    this.mode = options.onCounterError ?? 'fail-closed';
    this.onError = options.onError ?? (() => undefined);
    this.timeoutMs = options.timeoutMs ?? 250;
  }

  consume(key: string, amount: number, limit: number, windowSeconds: number): Promise<ConsumeResult> {
    const windowMs = Math.max(1, Math.round(windowSeconds * 1000));
    return this.guarded(
      async () => {
        const [allowed, used, ttlMs] = await this.timed(
          this.redis.meridianConsume(this.prefix + key, String(amount), String(limit), String(windowMs)),
        );
        return { allowed: allowed === 1, used: Number(used), resetSeconds: Math.max(1, Math.ceil(Number(ttlMs) / 1000)) };
      },
      () => ({ allowed: true, used: 0, resetSeconds: Math.max(1, Math.ceil(windowSeconds)) }),
    );
  }

  add(key: string, amount: number, ttlSeconds: number): Promise<number> {
    const ttlMs = Math.max(1, Math.round(ttlSeconds * 1000));
    return this.guarded(
      async () => Number(await this.timed(this.redis.meridianAdd(this.prefix + key, String(amount), String(ttlMs)))),
      () => amount,
    );
  }

  get(key: string): Promise<number> {
    return this.guarded(
      async () => {
        const v = await this.timed(this.redis.get(this.prefix + key));
        return v === null ? 0 : Number(v);
      },
      () => 0,
    );
  }

  /**
   * Runs `op` against Redis; if Redis cannot answer, throws StoreUnavailableError (fail-closed) or
   * returns `openValue()` (fail-open). A client that is not connected fails before sending.
   */
  protected async guarded<T>(op: () => Promise<T>, openValue: () => T): Promise<T> {
    try {
      if (this.redis.status !== 'ready') throw new Error(`not connected (${this.redis.status})`);
      return await op();
    } catch (err) {
      const reason = cleanText(err instanceof Error ? err.message : String(err), 200);
      if (this.mode === 'fail-open') {
        this.report(err, `redis counters unavailable (${reason}); request allowed unmetered (store.onCounterError: fail-open)`);
        return openValue();
      }
      this.report(err, `redis counters unavailable (${reason}); request refused with 503 (store.onCounterError: fail-closed)`);
      throw new StoreUnavailableError(
        `Rate-limit and budget counters are unavailable (Redis: ${reason}); the request was not run. Retry shortly.`,
        err,
      );
    }
  }

  /** A Redis command with the counters' deadline (store.redisTimeoutMs). */
  protected timed<T>(command: Promise<T>): Promise<T> {
    return withDeadline(command, this.timeoutMs);
  }

  private report(err: unknown, context: string): void {
    const now = Date.now();
    if (now - this.lastReportAt < REPORT_INTERVAL_MS) return;
    this.lastReportAt = now;
    this.onError(err, context);
  }
}
