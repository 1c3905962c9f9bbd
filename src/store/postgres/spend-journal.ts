/**
 * Budget spend, accumulated durably in PostgreSQL by every replica. Each change a replica makes
 * to a spend counter in Redis is also recorded here as a delta; deltas are summed per key in
 * memory and added to `spend_counters` in one statement per flush interval. Deltas commute, so
 * the table converges on the sum of all replicas' changes whatever order they flush in.
 *
 * `read()` gives the durable value of a key (table + this replica's unflushed deltas), which the
 * spend counters use to re-seed a key Redis has lost (restart without persistence, FLUSHALL).
 * It runs under the same lock as the flush, so a delta is counted exactly once.
 */
import type { Pool } from 'pg';

interface Delta {
  amount: number;
  /** Latest expiry asked for (ms since the epoch). */
  expiresAt: number;
}

export const SPEND_JOURNAL_INTERVAL_MS = 100;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export class PostgresSpendJournal {
  private pending = new Map<string, Delta>();
  private lock: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastPruneAt = 0;
  private failure: string | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly onError: (err: unknown, context: string) => void,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = SPEND_JOURNAL_INTERVAL_MS,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      if (this.pending.size > 0 || this.now() - this.lastPruneAt > PRUNE_INTERVAL_MS) void this.flush().catch(() => undefined);
    }, this.intervalMs).unref();
  }

  /** Synchronous: remembers a change of `amount` to `key`, which should live until now + ttlMs. */
  record(key: string, amount: number, ttlMs: number): void {
    const expiresAt = this.now() + ttlMs;
    const d = this.pending.get(key);
    if (d) {
      d.amount += amount;
      d.expiresAt = Math.max(d.expiresAt, expiresAt);
    } else this.pending.set(key, { amount, expiresAt });
  }

  /** Set while the table cannot be written (cleared by the next successful flush). */
  get failing(): string | undefined {
    return this.failure;
  }

  /** The durable value of `key`, or undefined when it has none (or it expired). */
  read(key: string): Promise<{ value: number; expiresAt: number } | undefined> {
    return this.exclusive(async () => {
      const res = await this.pool.query(
        'SELECT value, (extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms FROM spend_counters WHERE key = $1 AND expires_at > now()',
        [key],
      );
      const row = res.rows[0] as { value: number; expires_ms: number } | undefined;
      const local = this.pending.get(key);
      if (!row && !local) return undefined;
      return {
        value: Number(row?.value ?? 0) + (local?.amount ?? 0),
        expiresAt: Math.max(Number(row?.expires_ms ?? 0), local?.expiresAt ?? 0),
      };
    });
  }

  /** Adds every pending delta to the table (one statement); on failure they stay pending. */
  flush(): Promise<void> {
    return this.exclusive(async () => {
      const batch = this.pending;
      if (batch.size > 0) {
        this.pending = new Map();
        try {
          const keys = [...batch.keys()];
          const deltas = [...batch.values()];
          await this.pool.query(
            'INSERT INTO spend_counters (key, value, expires_at) ' +
              'SELECT k, v, to_timestamp(e / 1000.0) FROM unnest($1::text[], $2::float8[], $3::float8[]) AS t(k, v, e) ' +
              'ON CONFLICT (key) DO UPDATE SET value = spend_counters.value + excluded.value, ' +
              'expires_at = GREATEST(spend_counters.expires_at, excluded.expires_at)',
            [keys, deltas.map((d) => d.amount), deltas.map((d) => d.expiresAt)],
          );
          this.failure = undefined;
        } catch (err) {
          // Merge back in front of what arrived meanwhile: nothing is lost, sums stay exact.
          for (const [k, d] of batch) {
            const later = this.pending.get(k);
            this.pending.set(k, later ? { amount: d.amount + later.amount, expiresAt: Math.max(d.expiresAt, later.expiresAt) } : d);
          }
          const reason = err instanceof Error ? err.message : String(err);
          if (this.failure === undefined)
            this.onError(err, `budget spend not saved to PostgreSQL yet (${batch.size} counters kept for retry)`);
          this.failure = reason;
          throw err;
        }
      }
      if (this.now() - this.lastPruneAt > PRUNE_INTERVAL_MS) {
        this.lastPruneAt = this.now();
        await this.pool.query('DELETE FROM spend_counters WHERE expires_at <= now()');
      }
    });
  }

  /** Stops the timer and writes what is pending (a few tries; PostgreSQL may be restarting). */
  async close(attempts = 3): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    for (let i = 1; ; i++) {
      try {
        return await this.flush();
      } catch (err) {
        if (i >= attempts) throw err;
        await new Promise((r) => setTimeout(r, 200 * i));
      }
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
