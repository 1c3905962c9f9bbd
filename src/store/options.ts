/** Runtime knobs for a store that are not user config (tests and the server pass these). */
import type { SharedStoreParts } from './cluster/shared-store.js';
import type { LogWriterOptions } from './log-writer.js';

export interface StoreOptions {
  /** Request-log writer tuning; `retentionDays` comes from the store config. */
  log?: Partial<Omit<LogWriterOptions, 'retentionDays' | 'onError' | 'onDeadLetter'>>;
  /** Told about background failures (log writes, retention); never given entry contents. */
  onError?: (err: unknown, context: string) => void;
  /**
   * Told each time request-log rows go to the dead-letter table (the database refused them even
   * after sanitizing), with how many: e.g. `(n) => deadLetterCounter.inc(n)`. `store.stats()`
   * gives the running total too.
   */
  onDeadLetter?: (rows: number) => void;
  /** The clock of stored-response expiry and pruning (ms since the epoch; tests inject one). Default Date.now. */
  now?: () => number;
  /** Namespace for Redis counter keys (default `meridian:`). */
  redisPrefix?: string;
  /**
   * Set in a `serve --workers N` worker with the embedded store: counters, spend, the request-log
   * sink and events are the primary's, reached over IPC (./cluster/shared-store.ts). Ignored by
   * the PostgreSQL store, whose replicas already share everything through PostgreSQL and Redis.
   */
  cluster?: SharedStoreParts;
}
