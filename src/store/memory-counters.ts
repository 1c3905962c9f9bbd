/**
 * In-process counters for the embedded store. Each operation reads and writes the map with no
 * `await` in between, so concurrent async callers in this process see it as atomic. Semantics
 * match the Redis implementation exactly (src/store/redis-counters.ts):
 * - `consume`: a fixed window that starts at the first call for a key and lasts `windowSeconds`.
 * - `add`: every call resets the expiry to `ttlSeconds` (a counter lives while it is used).
 */
import type { ConsumeResult, Counters } from './types.js';

interface Cell {
  value: number;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

export class MemoryCounters implements Counters {
  private readonly cells = new Map<string, Cell>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    // Expired cells are also dropped lazily on access; the sweep bounds memory for idle keys.
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  async consume(key: string, amount: number, limit: number, windowSeconds: number): Promise<ConsumeResult> {
    const now = this.now();
    const cell = this.live(key, now);
    const used = cell?.value ?? 0;
    const remainingMs = cell ? cell.expiresAt - now : windowSeconds * 1000;
    const resetSeconds = Math.max(1, Math.ceil(remainingMs / 1000));
    if (used + amount > limit) return { allowed: false, used, resetSeconds };
    if (cell) {
      cell.value += amount;
      return { allowed: true, used: cell.value, resetSeconds };
    }
    this.cells.set(key, { value: amount, expiresAt: now + windowSeconds * 1000 });
    return { allowed: true, used: amount, resetSeconds };
  }

  async add(key: string, amount: number, ttlSeconds: number): Promise<number> {
    const now = this.now();
    const cell = this.live(key, now);
    const value = (cell?.value ?? 0) + amount;
    this.cells.set(key, { value, expiresAt: now + ttlSeconds * 1000 });
    return value;
  }

  async get(key: string): Promise<number> {
    return this.live(key, this.now())?.value ?? 0;
  }

  /** The live value and expiry (ms since the epoch) of a key, for persisting it. */
  peek(key: string): { value: number; expiresAt: number } | undefined {
    const cell = this.live(key, this.now());
    return cell ? { value: cell.value, expiresAt: cell.expiresAt } : undefined;
  }

  /** Sets a key as loaded from durable storage (ignored when already expired). */
  seed(key: string, value: number, expiresAt: number): void {
    if (expiresAt > this.now()) this.cells.set(key, { value, expiresAt });
  }

  close(): void {
    clearInterval(this.sweeper);
    this.cells.clear();
  }

  /** Number of live keys (for tests and metrics). */
  get size(): number {
    this.sweep();
    return this.cells.size;
  }

  private live(key: string, now: number): Cell | undefined {
    const cell = this.cells.get(key);
    if (cell && cell.expiresAt <= now) {
      this.cells.delete(key);
      return undefined;
    }
    return cell;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, cell] of this.cells) if (cell.expiresAt <= now) this.cells.delete(key);
  }
}
