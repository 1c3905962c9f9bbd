/**
 * Budget spend for the embedded store: the in-memory counters (same semantics and speed as
 * `store.counters`), with every change added to the `spend_counters` table in one small
 * transaction per flush interval, and loaded back at start. A restart (also a crash, up to the
 * last flush interval) therefore keeps what was spent in the current period. Changes are added
 * as deltas, not written as values, so two processes on one file never overwrite each other's
 * spend (each still enforces limits with its own in-memory view, loaded at its start).
 *
 * Batched rather than written through: the flush runs on the event loop, and one transaction per
 * interval costs the same whatever the request rate, where one per request would not.
 */
import type Database from 'better-sqlite3';
import { MemoryCounters } from '../memory-counters.js';
import type { ConsumeResult, Counters } from '../types.js';

export const SPEND_FLUSH_INTERVAL_MS = 100;

export class SqliteSpendCounters implements Counters {
  private readonly mem: MemoryCounters;
  /** Per key: the change not yet saved, and the expiry it should have. */
  private pending = new Map<string, { amount: number; expiresAt: number }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly writePending: (batch: Map<string, { amount: number; expiresAt: number }>) => void;

  constructor(
    private readonly db: Database.Database,
    private readonly onError: (err: unknown, context: string) => void,
    private readonly now: () => number = Date.now,
    private readonly flushIntervalMs = SPEND_FLUSH_INTERVAL_MS,
  ) {
    this.mem = new MemoryCounters(now);
    const upsert = db.prepare(
      'INSERT INTO spend_counters (key, value, expires_at) VALUES (?, ?, ?) ' +
        'ON CONFLICT (key) DO UPDATE SET value = value + excluded.value, expires_at = max(expires_at, excluded.expires_at)',
    );
    const tx = db.transaction((batch: Map<string, { amount: number; expiresAt: number }>) => {
      for (const [key, d] of batch) upsert.run(key, d.amount, d.expiresAt);
    });
    this.writePending = (batch) => tx.immediate(batch);
  }

  /** Loads the live counters and drops expired rows; then starts the flush timer. */
  start(): void {
    const now = this.now();
    this.db.prepare('DELETE FROM spend_counters WHERE expires_at <= ?').run(now);
    const rows = this.db.prepare('SELECT key, value, expires_at FROM spend_counters').all() as {
      key: string;
      value: number;
      expires_at: number;
    }[];
    for (const r of rows) this.mem.seed(r.key, Number(r.value), Number(r.expires_at));
    this.timer ??= setInterval(() => this.flushQuietly(), this.flushIntervalMs).unref();
  }

  async consume(key: string, amount: number, limit: number, windowSeconds: number): Promise<ConsumeResult> {
    const r = await this.mem.consume(key, amount, limit, windowSeconds);
    if (r.allowed) this.record(key, amount);
    return r;
  }

  async add(key: string, amount: number, ttlSeconds: number): Promise<number> {
    const value = await this.mem.add(key, amount, ttlSeconds);
    this.record(key, amount);
    return value;
  }

  get(key: string): Promise<number> {
    return this.mem.get(key);
  }

  /** Saves every pending change now (the timer does this every flush interval). */
  flush(): void {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      this.writePending(batch);
    } catch (err) {
      // Kept for the next flush, merged with what arrived meanwhile: sums stay exact.
      for (const [k, d] of batch) {
        const later = this.pending.get(k);
        this.pending.set(k, later ? { amount: d.amount + later.amount, expiresAt: Math.max(d.expiresAt, later.expiresAt) } : d);
      }
      throw err;
    }
  }

  private record(key: string, amount: number): void {
    const expiresAt = this.mem.peek(key)?.expiresAt ?? this.now();
    const d = this.pending.get(key);
    if (d) {
      d.amount += amount;
      d.expiresAt = Math.max(d.expiresAt, expiresAt);
    } else this.pending.set(key, { amount, expiresAt });
  }

  /** Final flush; the database is closed by the store afterwards. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    try {
      this.flush();
    } finally {
      this.mem.close();
    }
  }

  private flushQuietly(): void {
    try {
      this.flush();
    } catch (err) {
      this.onError(err, `budget spend not saved yet (${this.pending.size} counters kept for retry)`);
    }
  }
}
