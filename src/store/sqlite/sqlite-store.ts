/**
 * The embedded store: one SQLite file (WAL mode) for keys, request log, audit log and budget
 * spend (./spend-counters.ts), rate-limit counters in memory. better-sqlite3 is synchronous, so the main thread only runs short statements
 * (single-row key/audit writes, queries); request-log batches are inserted by a worker thread on
 * its own connection to the same file (../log-worker-sink.ts, ./log-worker.ts). A ':memory:' database cannot be
 * shared with another connection, so there the batches are inserted on the main thread.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { buildLogQuery, decodeLogRow, toIsoTime, type LogRow } from '../log-rows.js';
import { decodeSeries, seriesParams, seriesSql, sqliteSeriesDialect } from '../log-series.js';
import { decodeSummary, decodeTotals, sqliteSummaryDialect, summarySql } from '../log-summary.js';
import { defaultLogWriterOptions, RequestLogWriter, type DeadLetter, type RequestLogSink } from '../log-writer.js';
import { MemoryCounters } from '../memory-counters.js';
import { checkMigrations, type Migration } from '../migration.js';
import type { StoreOptions } from '../options.js';
import { experimentRecords } from '../experiment-records.js';
import { ragRecords, type RunAtomic } from '../rag-records.js';
import { feedbackRecords, promptRecords, type RecordSqlDialect, type RunSql } from '../prompt-records.js';
import { responseRecords, startResponsePruning } from '../response-records.js';
import { AUDIT_COLUMNS, decodeAudit, decodeKey, encodeAudit, encodeKey, KEY_COLUMNS } from '../record-rows.js';
import type {
  ApiKeyRecord,
  AuditEntry,
  Counters,
  RequestLogEntry,
  RequestLogFilter,
  RequestLogSeries,
  RequestLogSummary,
  Store,
  StoreHealth,
  StoreStats,
  UsageTotalsRow,
} from '../types.js';
import { SqliteSpendCounters } from './spend-counters.js';
import type { SharedStoreParts } from '../cluster/shared-store.js';
import { WorkerLogSink } from '../log-worker-sink.js';
import { workerFileUrl } from '../../util/worker.js';
import {
  configureLogConnection,
  isSqliteRowError,
  prepareDeadLetterInsert,
  prepareLogInsert,
  pruneLog,
  WORKER_WAL_AUTOCHECKPOINT_PAGES,
} from './log-statements.js';
import type { SqliteLogWorkerData } from './log-worker.js';
import { sqliteMigrations } from './migrations.js';

type Row = Record<string, unknown>;

export interface SqliteStoreConfig {
  /** File path (parent directories are created) or `:memory:`. */
  path: string;
  retentionDays: number;
  /**
   * Insert request-log batches on a worker thread (default for files). `false` inserts them on
   * the main thread, as ':memory:' always does.
   */
  logWorker?: boolean;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly db: Database.Database;
  readonly counters: Counters;
  /** Set by init() (its statements need the migrated schema), or the primary's in a cluster worker. */
  spend!: Counters;
  /** Ours, unless a cluster primary owns the counters (StoreOptions.cluster). */
  private readonly memoryCounters: MemoryCounters | undefined;
  private sqliteSpend: SqliteSpendCounters | undefined;
  /** A cluster worker's parts that the primary owns (./cluster/shared-store.ts). */
  private readonly shared: SharedStoreParts | undefined;
  /** Where request-log batches go: this process's writer thread or connection (a primary lends it to its workers). */
  readonly logSink: RequestLogSink;
  readonly events: Store['events'];
  private readonly onError: (err: unknown, context: string) => void;
  private readonly writer: RequestLogWriter;
  private readonly workerSink: WorkerLogSink | undefined;
  private initialized = false;
  private readonly now: () => number;
  private stopPruning: (() => void) | undefined;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    config: SqliteStoreConfig,
    options: StoreOptions = {},
    private readonly migrations: readonly Migration[] = sqliteMigrations,
  ) {
    if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
    this.db = new Database(config.path);
    this.db.pragma('journal_mode = WAL');
    const useWorker = config.path !== ':memory:' && config.logWorker !== false;
    // synchronous = NORMAL, busy_timeout; with the worker, its checkpoint threshold (see there).
    configureLogConnection(this.db, useWorker ? WORKER_WAL_AUTOCHECKPOINT_PAGES : undefined);
    this.shared = options.cluster;
    this.memoryCounters = this.shared ? undefined : new MemoryCounters();
    this.counters = this.shared?.counters ?? this.memoryCounters!;
    if (this.shared) this.spend = this.shared.spend;
    this.events = this.shared?.events;
    const onError = options.onError ?? defaultLogWriterOptions.onError;
    this.onError = onError;
    this.now = options.now ?? Date.now;
    const inProcess = this.mainThreadSink();
    this.workerSink =
      useWorker && !this.shared
        ? new WorkerLogSink(
            workerFileUrl(import.meta.url, './log-worker'),
            { path: config.path } satisfies SqliteLogWorkerData,
            inProcess,
            onError,
          )
        : undefined;
    this.logSink = this.shared?.logSink ?? this.workerSink ?? inProcess;
    this.writer = new RequestLogWriter(this.logSink, {
      ...options.log,
      // Off the event loop, larger transactions are cheaper per row (fewer commits and page writes);
      // on the main thread, 500 rows keep each synchronous batch short.
      batchSize: options.log?.batchSize ?? (useWorker ? 2_000 : 500),
      // In a cluster, retention is the primary's alone.
      retentionDays: this.shared ? 0 : config.retentionDays,
      ...(options.onError ? { onError: options.onError } : {}),
      ...(options.onDeadLetter ? { onDeadLetter: options.onDeadLetter } : {}),
    });
  }

  /** Runs pending migrations (idempotent; safe when two processes open the same file) and starts the writer. */
  async init(): Promise<void> {
    if (this.initialized) return;
    if (!this.shared) {
      // A cluster's primary has migrated the file before starting any worker, and prunes for all.
      this.migrate();
      this.sqliteSpend = new SqliteSpendCounters(this.db, this.onError);
      this.sqliteSpend.start();
      this.spend = this.sqliteSpend;
      this.stopPruning = startResponsePruning(this.responses, this.onError);
    }
    this.writer.start();
    this.initialized = true;
  }

  async close(): Promise<void> {
    this.stopPruning?.();
    try {
      await this.writer.close();
    } finally {
      await this.workerSink?.close();
      this.memoryCounters?.close();
      try {
        if (this.db.open) this.sqliteSpend?.close();
      } finally {
        if (this.db.open) this.db.close();
      }
    }
  }

  /** Ready unless the database file cannot be written (the log writer's last attempt failed). */
  health(): StoreHealth {
    if (!this.db.open) return { ready: false, reason: 'sqlite: closed' };
    const failing = this.writer.failing;
    return failing ? { ready: false, reason: `sqlite: request log writes fail (${failing})` } : { ready: true };
  }

  stats(): StoreStats {
    return { deadLetters: this.writer.deadLetters, pendingLogEntries: this.writer.pending };
  }

  /** Versions recorded in schema_migrations (for tests and `meridian doctor`). */
  appliedMigrations(): number[] {
    return (this.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Row[]).map((r) => Number(r.version));
  }

  /** Prepared statements are cached: findByHash runs on every authenticated request. */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private migrate(): void {
    checkMigrations(this.migrations);
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    // IMMEDIATE takes the write lock first, so a second process waits, then sees the versions applied.
    const apply = this.db.transaction(() => {
      const applied = new Set(this.appliedMigrations());
      for (const m of this.migrations) {
        if (applied.has(m.version)) continue;
        this.db.exec(m.sql);
        this.db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(m.version, m.name, new Date().toISOString());
      }
    });
    apply.immediate();
  }

  readonly keys = {
    create: async (rec: ApiKeyRecord): Promise<void> => {
      this.stmt(`INSERT INTO api_keys (${KEY_COLUMNS.join(', ')}) VALUES (${KEY_COLUMNS.map(() => '?').join(', ')})`).run(
        ...encodeKey(rec),
      );
    },
    findByHash: async (hash: string): Promise<ApiKeyRecord | undefined> => {
      const row = this.stmt(`SELECT ${KEY_COLUMNS.join(', ')} FROM api_keys WHERE hash = ?`).get(hash) as Row | undefined;
      return row ? decodeKey(row) : undefined;
    },
    list: async (): Promise<ApiKeyRecord[]> => {
      const rows = this.stmt(`SELECT ${KEY_COLUMNS.join(', ')} FROM api_keys ORDER BY created_at, id`).all() as Row[];
      return rows.map(decodeKey);
    },
    revoke: async (id: string): Promise<boolean> => {
      const res = this.stmt('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id);
      return res.changes > 0;
    },
    /** Every key ever created, revoked ones too: revoking the last key must not switch auth off. */
    count: async (): Promise<number> => {
      return Number((this.stmt('SELECT count(*) AS n FROM api_keys').get() as Row).n);
    },
    update: async (rec: ApiKeyRecord): Promise<boolean> => {
      const cols = KEY_COLUMNS.slice(1);
      const res = this.stmt(`UPDATE api_keys SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(
        ...encodeKey(rec).slice(1),
        rec.id,
      );
      return res.changes > 0;
    },
  };

  readonly requestLog = {
    append: (entry: RequestLogEntry): void => this.writer.append(entry),
    flush: (): Promise<void> => this.writer.flush(),
    /** Flushes first, so a query sees everything appended before it. */
    query: async (filter: RequestLogFilter): Promise<RequestLogEntry[]> => {
      await this.writer.flush();
      const { sql, params } = buildLogQuery(filter, () => '?');
      return (this.stmt(sql).all(...params) as Row[]).map(decodeLogRow);
    },
    totals: async (since: string): Promise<UsageTotalsRow> => {
      await this.writer.flush();
      return decodeTotals(
        this.stmt(
          `SELECT count(*) AS requests, coalesce(sum(prompt_tokens), 0) AS prompt, coalesce(sum(completion_tokens), 0) AS completion,
  coalesce(sum(cached_tokens), 0) AS cached, coalesce(sum(CASE WHEN location = 'cloud' THEN cost_usd ELSE 0 END), 0) AS cloud_cost
  FROM request_log WHERE time >= ? AND status = 200`,
        ).get(since) as Row,
      );
    },
    summary: async (since: string): Promise<RequestLogSummary> => {
      await this.writer.flush();
      const iso = toIsoTime(since);
      const sql = summarySql(sqliteSummaryDialect);
      return decodeSummary(iso, this.stmt(sql.groups).all({ since: iso }) as Row[], this.stmt(sql.pii).all({ since: iso }) as Row[]);
    },
    series: async (window: { since: string; until: string; bucketMs: number }): Promise<RequestLogSeries> => {
      await this.writer.flush();
      const sql = seriesSql(sqliteSeriesDialect);
      const { named } = seriesParams(window);
      const all = (text: string) => this.stmt(text).all(named) as Row[];
      return decodeSeries(window, { groups: all(sql.groups), latency: all(sql.latency), pii: all(sql.pii), guard: all(sql.guard) });
    },
    prune: (): Promise<number> => this.writer.prune(),
  };

  /** Prompt registry and feedback (../prompt-records.ts), on the main thread's connection. */
  private readonly runSql: RunSql = async (sql, params) => {
    const s = this.stmt(sql);
    if (s.reader) return s.all(...params) as Row[];
    s.run(...params);
    return [];
  };
  readonly prompts = promptRecords(this.runSql, sqliteRecordDialect);
  readonly feedback = feedbackRecords(this.runSql, sqliteRecordDialect, () => this.writer.flush());
  readonly responses = responseRecords(this.runSql, sqliteRecordDialect, () => this.now());
  readonly experiments = experimentRecords(this.runSql, sqliteRecordDialect, () => this.writer.flush());
  /** Synchronous inside one better-sqlite3 transaction: no other statement of this connection interleaves. */
  private readonly runAtomic: RunAtomic = async (statements) =>
    this.db.transaction(() => statements.map((s) => this.stmt(s.sql).run(...s.params).changes))();
  readonly rag = ragRecords(this.runSql, this.runAtomic, sqliteRecordDialect);

  readonly audit = {
    append: async (entry: AuditEntry): Promise<void> => {
      this.stmt(`INSERT INTO audit_log (${AUDIT_COLUMNS.join(', ')}) VALUES (?, ?, ?, ?, ?)`).run(...encodeAudit(entry));
    },
    list: async (limit = 100): Promise<AuditEntry[]> => {
      const rows = this.stmt(`SELECT ${AUDIT_COLUMNS.join(', ')} FROM audit_log ORDER BY seq DESC LIMIT ?`).all(
        Math.max(1, Math.trunc(limit)),
      ) as Row[];
      return rows.map(decodeAudit);
    },
  };

  /** Inserts on this (the main thread's) connection: for ':memory:', and as the worker's fallback. */
  private mainThreadSink(): RequestLogSink {
    let insert: ((rows: LogRow[]) => void) | undefined;
    let insertDead: ((letters: DeadLetter[]) => void) | undefined;
    return {
      insertRows: async (rows) => {
        insert ??= prepareLogInsert(this.db);
        insert(rows);
      },
      isRowError: isSqliteRowError,
      insertDeadLetters: async (letters) => {
        insertDead ??= prepareDeadLetterInsert(this.db);
        insertDead(letters);
      },
      // Let requests through between chunks.
      deleteOlderThan: (cutoffIso) => pruneLog(this.db, cutoffIso, () => new Promise((r) => setImmediate(r))),
    };
  }
}

const sqliteRecordDialect: RecordSqlDialect = {
  placeholder: () => '?',
  isUniqueViolation: (err) => (err as { code?: unknown })?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY',
};
