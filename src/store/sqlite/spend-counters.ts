/**
 * Budget spend for the embedded store: the in-memory counters (same semantics and speed as
 * `store.counters`), with every key a call changed written to the `spend_counters` table in one
 * small transaction per flush interval, and loaded back at start. A restart (also a crash, up to
 * the last flush interval) therefore keeps what was spent in the current period.
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
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly writeDirty: (keys: string[]) => void;

  constructor(
    private readonly db: Database.Database,
    private readonly onError: (err: unknown, context: string) => void,
    private readonly now: () => number = Date.now,
    private readonly flushIntervalMs = SPEND_FLUSH_INTERVAL_MS,
  ) {
    this.mem = new MemoryCounters(now);
    this.upsert = db.prepare(
      'INSERT INTO spend_counters (key, value, expires_at) VALUES (?, ?, ?) ' +
        'ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
    );
    this.remove = db.prepare('DELETE FROM spend_counters WHERE key = ?');
    const tx = db.transaction((keys: string[]) => {
      for (const key of keys) {
        const cell = this.mem.peek(key);
        if (cell) this.upsert.run(key, cell.value, cell.expiresAt);
        else this.remove.run(key); // expired meanwhile
      }
    });
    this.writeDirty = (keys) => tx.immediate(keys);
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
    if (r.allowed) this.dirty.add(key);
    return r;
  }

  async add(key: string, amount: number, ttlSeconds: number): Promise<number> {
    const value = await this.mem.add(key, amount, ttlSeconds);
    this.dirty.add(key);
    return value;
  }

  get(key: string): Promise<number> {
    return this.mem.get(key);
  }

  /** Writes every changed key now (the timer does this every flush interval). */
  flush(): void {
    if (this.dirty.size === 0) return;
    const keys = [...this.dirty];
    this.dirty.clear();
    try {
      this.writeDirty(keys);
    } catch (err) {
      for (const k of keys) this.dirty.add(k); // kept for the next flush
      throw err;
    }
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
      this.onError(err, `budget spend not saved yet (${this.dirty.size} counters kept for retry)`);
    }
  }
}
