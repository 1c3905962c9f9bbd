/**
 * The SQLite request-log writes (batch insert and retention delete) on a given connection. Used by
 * the log worker thread (file databases) and in process (':memory:', or when the worker cannot start).
 */
import type Database from 'better-sqlite3';
import { LOG_COLUMNS, type LogRow } from '../log-rows.js';
import { deadLetterJson, type DeadLetter } from '../log-writer.js';

/** Rows deleted per retention statement, so a large backlog never holds the write lock for long. */
export const PRUNE_CHUNK = 5_000;

/**
 * WAL pages after which a commit checkpoints, when the log worker writes the log. SQLite's default
 * (1,000 pages, ~4 MB) copies the hot index pages back into the database file over and over;
 * 10,000 (~40 MB of WAL) cut the insert CPU per row by ~30% in bench measurements. The main
 * connection gets the same threshold, so that the worker, which commits far more often, is the
 * one that crosses it and runs the checkpoint off the event loop.
 */
export const WORKER_WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** Connection settings for a connection that writes (WAL itself is a property of the file). */
export function configureLogConnection(db: Database.Database, walAutocheckpointPages?: number): void {
  // WAL + NORMAL: a commit survives a crash of the process; only an OS crash or power loss can
  // lose the last commits. fsync per batch (FULL) cost ~20% of gateway throughput.
  db.pragma('synchronous = NORMAL');
  // Another connection (the main thread's key/audit writes, another process) may hold the write lock.
  db.pragma('busy_timeout = 5000');
  if (walAutocheckpointPages !== undefined) db.pragma(`wal_autocheckpoint = ${Math.trunc(walAutocheckpointPages)}`);
}

/** Returns a function that inserts a batch in one transaction: all rows or none. */
export function prepareLogInsert(db: Database.Database): (rows: LogRow[]) => void {
  // A prepared single-row statement run N times in one transaction is SQLite's fastest bulk path
  // (one commit per batch); OR IGNORE makes a retried batch harmless.
  const insert = db.prepare(
    `INSERT OR IGNORE INTO request_log (${LOG_COLUMNS.join(', ')}) VALUES (${LOG_COLUMNS.map(() => '?').join(', ')})`,
  );
  const insertMany = db.transaction((batch: LogRow[]) => {
    for (const row of batch) insert.run(row);
  });
  // IMMEDIATE takes the write lock up front, so a busy database waits (busy_timeout) instead of
  // failing with SQLITE_BUSY when a read transaction would have to upgrade.
  return (rows) => insertMany.immediate(rows);
}

/** Deletes entries with time < cutoff in chunks; `between` runs between chunks (e.g. to yield). */
export async function pruneLog(db: Database.Database, cutoffIso: string, between: () => Promise<void>): Promise<number> {
  const stmt = db.prepare('DELETE FROM request_log WHERE rowid IN (SELECT rowid FROM request_log WHERE time < ? LIMIT ?)');
  let total = 0;
  for (;;) {
    const { changes } = stmt.run(cutoffIso, PRUNE_CHUNK);
    total += changes;
    if (changes < PRUNE_CHUNK) return total;
    await between();
  }
}

/**
 * Result codes that mean "this row is refused" (constraint, too big, type mismatch), not "the
 * database cannot be written" (busy, I/O, full). https://www.sqlite.org/rescode.html
 */
export function isSqliteRowError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH)/.test(code);
}

/** Returns a function that keeps refused rows in request_log_dead_letters, in one transaction. */
export function prepareDeadLetterInsert(db: Database.Database): (letters: DeadLetter[]) => void {
  const insert = db.prepare('INSERT INTO request_log_dead_letters (time, entry_id, entry, error) VALUES (?, ?, ?, ?)');
  const insertMany = db.transaction((letters: DeadLetter[]) => {
    const now = new Date().toISOString();
    for (const l of letters) insert.run(now, l.row[0] ?? null, deadLetterJson(l.row), l.error);
  });
  return (letters) => insertMany.immediate(letters);
}
