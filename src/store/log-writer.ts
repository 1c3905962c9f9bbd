/**
 * The request-log writer, shared by both backends. The hot path only calls `append()`, which
 * encodes the entry and pushes it onto an in-memory buffer (synchronous, O(1)); a timer writes
 * the buffer in batches. Nothing is dropped: a batch that fails because the database is
 * unreachable goes back to the front of the buffer and is retried; a batch the database refuses
 * for its content is split in halves until the refused row is found, and that row goes to the
 * dead-letter table (with the error) instead of blocking every later entry. `flush()` tells the
 * caller whether everything appended so far is durable (written or dead-lettered).
 */
import { logRowJson, encodeLogEntry, type LogRow } from './log-rows.js';
import { cleanText } from './sanitize.js';
import type { RequestLogEntry } from './types.js';

/** A row the database refused, with its message. */
export interface DeadLetter {
  row: LogRow;
  error: string;
}

/** What a backend provides: one atomic batch insert, the retention delete, and the dead-letter path. */
export interface RequestLogSink {
  /** Inserts all rows or none (duplicates by id are ignored, so a retried batch is harmless). */
  insertRows(rows: LogRow[]): Promise<void>;
  /** Deletes entries with time < cutoff (ISO); returns how many. */
  deleteOlderThan(cutoffIso: string): Promise<number>;
  /**
   * True when `err` says the database refused the rows' content (a data or constraint error),
   * false when it could not write at all (connection, lock, disk): only the first is isolated.
   */
  isRowError(err: unknown): boolean;
  /** Keeps refused rows in `request_log_dead_letters`; they are not retried. */
  insertDeadLetters(letters: DeadLetter[]): Promise<void>;
}

/** Dead-letter text of a refused row: its sanitized JSON. */
export function deadLetterJson(row: LogRow): string {
  return logRowJson(row);
}

/** The message of a driver error, bounded, for the dead-letter table. */
export function errorText(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown } | null;
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  return cleanText(typeof e?.code === 'string' ? `${e.code}: ${msg}` : msg, 1_000);
}

export interface LogWriterOptions {
  /** How often the buffer is written. */
  flushIntervalMs: number;
  /** Rows per INSERT / transaction. */
  batchSize: number;
  /** Buffer length that triggers an immediate write instead of waiting for the timer. */
  highWaterMark: number;
  /** Entries older than this are deleted; 0 disables retention. */
  retentionDays: number;
  /** How often retention runs (it also runs once shortly after start). */
  retentionIntervalMs: number;
  /** After a failed write, wait this long before the timer or high-water mark retries. */
  retryDelayMs: number;
  /** Told about write failures (throttled); never given entry contents. */
  onError: (err: unknown, context: string) => void;
  /** Told each time rows go to the dead-letter table, with how many (e.g. to count them in a metric). */
  onDeadLetter: (rows: number) => void;
  now: () => number;
}

export const defaultLogWriterOptions: LogWriterOptions = {
  flushIntervalMs: 250,
  batchSize: 500,
  highWaterMark: 2_000,
  retentionDays: 30,
  retentionIntervalMs: 60 * 60 * 1000,
  retryDelayMs: 1_000,
  onError: defaultOnError,
  onDeadLetter: () => undefined,
  now: Date.now,
};

function defaultOnError(err: unknown, context: string): void {
  process.stderr.write(`meridian store: ${context}: ${err instanceof Error ? err.message : String(err)}\n`);
}

interface Waiter {
  target: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const ERROR_REPORT_INTERVAL_MS = 30_000;

export class RequestLogWriter {
  private readonly opts: LogWriterOptions;
  private buffer: LogRow[] = [];
  /** Entries ever appended / ever written; entries are written in append order. */
  private appended = 0;
  private durable = 0;
  private draining = false;
  private retryAt = 0;
  private waiters: Waiter[] = [];
  private lastErrorReportAt = -Infinity;
  private flushTimer: NodeJS.Timeout | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private firstRetention: NodeJS.Timeout | undefined;
  private closed = false;
  private deadLettered = 0;
  /** Why the last write failed, while the database stays unreachable (cleared by the next success). */
  private failure: string | undefined;

  constructor(
    private readonly sink: RequestLogSink,
    options: Partial<LogWriterOptions> = {},
  ) {
    this.opts = { ...defaultLogWriterOptions, ...options };
  }

  /** Starts the flush and retention timers (unref'd: they never keep the process alive). */
  start(): void {
    if (this.flushTimer) return;
    this.flushTimer = setInterval(() => {
      if (this.buffer.length > 0) this.kick(false);
    }, this.opts.flushIntervalMs).unref();
    if (this.opts.retentionDays > 0) {
      this.firstRetention = setTimeout(() => void this.pruneQuietly(), Math.min(5_000, this.opts.retentionIntervalMs)).unref();
      this.retentionTimer = setInterval(() => void this.pruneQuietly(), this.opts.retentionIntervalMs).unref();
    }
  }

  /** Synchronous and O(1): encodes the entry and buffers it. Never blocks, never drops. */
  append(entry: RequestLogEntry): void {
    if (this.closed) throw new Error('request log is closed');
    this.buffer.push(encodeLogEntry(entry));
    this.appended++;
    if (this.buffer.length >= this.opts.highWaterMark) this.kick(false);
  }

  /** Rows this writer has put in the dead-letter table since it started. */
  get deadLetters(): number {
    return this.deadLettered;
  }

  /** Set while writes fail for a reason other than a row's content (the database is unreachable). */
  get failing(): string | undefined {
    return this.failure;
  }

  /** Entries appended but not yet durable. */
  get pending(): number {
    return this.appended - this.durable;
  }

  /** Resolves once everything appended before this call is durable; rejects if a write fails. */
  flush(): Promise<void> {
    const target = this.appended;
    if (this.durable >= target) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ target, resolve, reject });
      this.kick(true);
    });
  }

  /** Stops the timers and flushes, retrying a few times before giving up (entries stay buffered). */
  async close(attempts = 5): Promise<void> {
    this.stopTimers();
    for (let i = 1; ; i++) {
      try {
        await this.flush();
        break;
      } catch (err) {
        if (i >= attempts) throw err;
        await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** i, 2_000)));
      }
    }
    this.closed = true;
  }

  /** Deletes entries older than `retentionDays`; returns how many. */
  async prune(): Promise<number> {
    if (this.opts.retentionDays <= 0) return 0;
    const cutoff = new Date(this.opts.now() - this.opts.retentionDays * 86_400_000).toISOString();
    return this.sink.deleteOlderThan(cutoff);
  }

  private async pruneQuietly(): Promise<void> {
    try {
      await this.prune();
    } catch (err) {
      this.report(err, 'request log retention failed');
    }
  }

  private stopTimers(): void {
    clearInterval(this.flushTimer);
    clearInterval(this.retentionTimer);
    clearTimeout(this.firstRetention);
    this.flushTimer = this.retentionTimer = this.firstRetention = undefined;
  }

  /** Starts the single drain loop unless it runs already (or a recent failure asks to wait). */
  private kick(force: boolean): void {
    if (this.draining) return;
    if (!force && this.opts.now() < this.retryAt) return;
    this.draining = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.buffer.length > 0) {
        // Swap instead of splice: O(1) here, and O(n) overall even with a large backlog.
        const pending = this.buffer;
        this.buffer = [];
        let written = 0;
        try {
          while (written < pending.length) {
            const batch = pending.slice(written, written + this.opts.batchSize);
            await this.insertIsolating(batch);
            this.failure = undefined;
            written += batch.length;
            this.durable += batch.length;
            this.settleWaiters();
            // SQLite writes are synchronous: let requests through between batches.
            if (written < pending.length) await new Promise((r) => setImmediate(r));
          }
        } catch (err) {
          // Put what was not written back in front of whatever arrived meanwhile: order is kept.
          this.buffer = written === 0 ? pending.concat(this.buffer) : pending.slice(written).concat(this.buffer);
          this.retryAt = this.opts.now() + this.opts.retryDelayMs;
          this.failure = errorText(err);
          this.failWaiters(err);
          this.report(err, `request log write failed; ${this.buffer.length} entries kept for retry`);
          return;
        }
      }
      this.retryAt = 0;
    } finally {
      this.draining = false;
    }
  }

  /**
   * Inserts `rows`; if the database refuses their content, halves the batch until the refused
   * rows are single, and dead-letters those (k bad rows cost O(k log n) inserts, not n). Rows
   * written before a later failure are written again on retry, which the sink ignores.
   */
  private async insertIsolating(rows: LogRow[]): Promise<void> {
    try {
      await this.sink.insertRows(rows);
    } catch (err) {
      if (!this.sink.isRowError(err)) throw err;
      if (rows.length > 1) {
        const mid = rows.length >> 1;
        await this.insertIsolating(rows.slice(0, mid));
        await this.insertIsolating(rows.slice(mid));
        return;
      }
      await this.sink.insertDeadLetters([{ row: rows[0]!, error: errorText(err) }]);
      this.deadLettered++;
      this.opts.onDeadLetter(1);
      this.report(err, 'a request log entry was refused by the database; kept in request_log_dead_letters');
    }
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.target <= this.durable) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private failWaiters(err: unknown): void {
    const failed = this.waiters;
    this.waiters = [];
    for (const w of failed) w.reject(err);
  }

  private report(err: unknown, context: string): void {
    const now = this.opts.now();
    if (now - this.lastErrorReportAt < ERROR_REPORT_INTERVAL_MS) return;
    this.lastErrorReportAt = now;
    this.opts.onError(err, context);
  }
}
