/**
 * The scale-out store: PostgreSQL for durable state (keys, request log, audit log), Redis for
 * the counters every replica shares. Replicas are stateless; any number may start at once
 * (migrations take an advisory lock). `pg` and `ioredis` are loaded with `import()` only here,
 * so the embedded default never loads them.
 */
import { maskUrl, unavailable } from './connection.js';
import { placeholders, postgresRecordDialect } from './pg-sql.js';
import type { Pool } from 'pg';
import { StoreUnavailableError } from '../../errors.js';
import { isPostgresUnavailable } from './unavailable.js';
import type { Redis } from 'ioredis';
import { buildLogQuery, decodeLogRow, toIsoTime } from '../log-rows.js';
import { decodeSeries, postgresSeriesDialect, seriesParams, seriesSql } from '../log-series.js';
import { decodeSummary, decodeTotals, postgresSummaryDialect, summarySql } from '../log-summary.js';
import { defaultLogWriterOptions, RequestLogWriter } from '../log-writer.js';
import type { Migration } from '../migration.js';
import type { StoreOptions } from '../options.js';
import { experimentRecords } from '../experiment-records.js';
import { ragRecords } from '../rag-records.js';
import { feedbackRecords, promptRecords } from '../prompt-records.js';
import { responseRecords, startResponsePruning } from '../response-records.js';
import { AUDIT_COLUMNS, decodeAudit, decodeKey, encodeAudit, encodeKey, KEY_COLUMNS } from '../record-rows.js';
import { RedisEvents } from '../redis-events.js';
import { RedisCounters, type CounterErrorMode } from '../redis-counters.js';
import { RedisSpendCounters } from './spend-counters.js';
import { PostgresSpendJournal } from './spend-journal.js';
import type {
  ApiKeyRecord,
  AuditEntry,
  RequestLogEntry,
  RequestLogFilter,
  RequestLogSeries,
  RequestLogSummary,
  Store,
  StoreHealth,
  StoreStats,
  UsageTotalsRow,
} from '../types.js';
import { WorkerLogSink } from '../log-worker-sink.js';
import { workerFileUrl } from '../../util/worker.js';
import { postgresLogSink } from './log-insert.js';
import type { PostgresLogWorkerData } from './log-worker.js';
import { postgresMigrations } from './migrations.js';
import { appliedMigrations, atomically, migrate } from './transaction.js';

type Row = Record<string, unknown>;

export interface PostgresStoreConfig {
  /** libpq-style URL; `?options=-c%20search_path%3Dname` selects a schema. */
  postgres: string;
  redis: string;
  retentionDays: number;
  /** Pool size per replica. */
  poolSize?: number;
  /** When Redis cannot answer a counter call: refuse (503, default) or allow unmetered. */
  onCounterError?: CounterErrorMode;
  /** A Redis command slower than this fails (default 250 ms): counters fail fast, never hang requests. */
  redisTimeoutMs?: number;
  /**
   * Send request-log batches from a worker thread with one connection of its own (default), so
   * building and sending them costs the event loop almost nothing; `false` uses the pool.
   */
  logWorker?: boolean;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly counters: RedisCounters;
  readonly spend: RedisSpendCounters;
  readonly events: RedisEvents;
  private readonly journal: PostgresSpendJournal;
  private readonly onError: (err: unknown, context: string) => void;
  private readonly writer: RequestLogWriter;
  /** Set when a query found PostgreSQL unreachable; cleared by the next one that succeeds. */
  private postgresProblem: string | undefined;
  /** Why Redis is not connected, from its client's events (for health()). */
  private redisProblem: string | undefined = 'redis: not connected yet';
  private readonly workerSink: WorkerLogSink | undefined;
  private initialized = false;
  private readonly now: () => number;
  private stopPruning: (() => void) | undefined;

  private constructor(
    readonly pool: Pool,
    readonly redis: Redis,
    private readonly config: PostgresStoreConfig,
    options: StoreOptions,
    private readonly migrations: readonly Migration[],
  ) {
    const onError = options.onError ?? defaultLogWriterOptions.onError;
    this.onError = onError;
    this.now = options.now ?? Date.now;
    const counterOptions = {
      ...(options.redisPrefix !== undefined ? { prefix: options.redisPrefix } : {}),
      onCounterError: config.onCounterError ?? 'fail-closed',
      onError,
      timeoutMs: config.redisTimeoutMs ?? 250,
    };
    this.counters = new RedisCounters(redis, counterOptions);
    this.events = new RedisEvents(redis, `${options.redisPrefix ?? 'meridian:'}events:`, onError);
    this.journal = new PostgresSpendJournal(pool, onError);
    this.spend = new RedisSpendCounters(redis, this.journal, counterOptions);
    this.watchRedis(redis);
    const inProcess = postgresLogSink(pool);
    this.workerSink =
      config.logWorker === false
        ? undefined
        : new WorkerLogSink(
            workerFileUrl(import.meta.url, './log-worker'),
            { connectionString: config.postgres } satisfies PostgresLogWorkerData,
            inProcess,
            onError,
          );
    this.writer = new RequestLogWriter(this.workerSink ?? inProcess, {
      ...options.log,
      // One statement per batch (one array parameter per column, see log-insert.ts); the cap keeps each
      // statement, and a retried batch, bounded. Sent from the worker, larger batches cost the
      // event loop nothing and PostgreSQL less per row.
      batchSize: Math.min(options.log?.batchSize ?? (this.workerSink ? 2_000 : 500), 2_000),
      retentionDays: config.retentionDays,
      ...(options.onError ? { onError: options.onError } : {}),
      ...(options.onDeadLetter ? { onDeadLetter: options.onDeadLetter } : {}),
    });
  }

  /** Tracks the Redis connection from its events, so health() is synchronous and free. */
  private watchRedis(redis: Redis): void {
    let lastError: string | undefined;
    redis.on('error', (err: unknown) => {
      const e = err as { code?: unknown; message?: unknown };
      lastError = typeof e?.code === 'string' ? e.code : typeof e?.message === 'string' ? e.message.slice(0, 200) : 'error';
    });
    redis.on('ready', () => {
      lastError = undefined;
      this.redisProblem = undefined;
    });
    const lost = (): void => {
      this.redisProblem = `redis: connection lost${lastError ? ` (${lastError})` : ''}; reconnecting`;
    };
    redis.on('close', lost);
    redis.on('reconnecting', lost);
    redis.on('end', () => (this.redisProblem = 'redis: connection closed'));
  }

  /** Not ready while Redis is disconnected, or PostgreSQL refuses the request log or spend writes. */
  health(): StoreHealth {
    if (this.redisProblem !== undefined || this.redis.status !== 'ready')
      return { ready: false, reason: this.redisProblem ?? `redis: ${this.redis.status}` };
    if (this.postgresProblem) return { ready: false, reason: this.postgresProblem };
    const logFailure = this.writer.failing;
    if (logFailure) return { ready: false, reason: `postgres: request log writes fail (${logFailure.slice(0, 200)})` };
    const spendFailure = this.journal.failing;
    if (spendFailure) return { ready: false, reason: `postgres: budget spend writes fail (${spendFailure.slice(0, 200)})` };
    return { ready: true };
  }

  stats(): StoreStats {
    return { deadLetters: this.writer.deadLetters, pendingLogEntries: this.writer.pending };
  }

  /** Loads the drivers and creates the pool and Redis client (no connection yet: see init). */
  static async create(config: PostgresStoreConfig, options: StoreOptions = {}, migrations = postgresMigrations): Promise<PostgresStore> {
    const pg = (await import('pg')).default;
    const { Redis: RedisClient } = await import('ioredis');
    // A bounded wait for a connection: with PostgreSQL unreachable, a query fails instead of hanging a request.
    const pool = new pg.Pool({ connectionString: config.postgres, max: config.poolSize ?? 10, connectionTimeoutMillis: 2_000 });
    const onError = options.onError ?? ((err: unknown, ctx: string) => process.stderr.write(`meridian store: ${ctx}: ${String(err)}\n`));
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', (err) => onError(err, 'postgres idle client error'));
    const redis = new RedisClient(config.redis, {
      lazyConnect: true,
      // Fail fast while Redis is away (no queueing, no per-command retries), and reconnect in the
      // background (ioredis' default backoff, at most 2 s between tries). The counters apply their
      // own deadline (redisTimeoutMs, see withDeadline); this one only clears commands a hung
      // Redis never answers.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: Math.max(5_000, 4 * (config.redisTimeoutMs ?? 250)),
      connectTimeout: 2_000,
    });
    redis.on('error', (err: unknown) => onError(err, 'redis connection error'));
    return new PostgresStore(pool, redis, config, options, migrations);
  }

  /** Connects to both, runs pending migrations under an advisory lock, starts the writer. */
  async init(): Promise<void> {
    if (this.initialized) return;
    try {
      if (this.redis.status === 'wait') await this.redis.connect();
      await this.redis.ping();
    } catch (err) {
      throw unavailable('Redis', this.config.redis, err);
    }
    try {
      await migrate(this.pool, this.migrations);
    } catch (err) {
      throw unavailable('PostgreSQL', this.config.postgres, err);
    }
    this.writer.start();
    this.journal.start();
    this.stopPruning = startResponsePruning(this.responses, this.onError);
    this.initialized = true;
  }

  async close(): Promise<void> {
    this.stopPruning?.();
    try {
      await this.writer.close();
    } finally {
      await this.journal.close().catch((err: unknown) => this.onError(err, 'budget spend not saved to PostgreSQL at close'));
      await this.workerSink?.close();
      // quit() waits for replies to commands already sent; a client that never connected just drops.
      await this.events.close().catch((err: unknown) => this.onError(err, 'redis subscriber close'));
      const redisDone = this.redis.status === 'ready' ? this.redis.quit() : Promise.resolve(this.redis.disconnect());
      await Promise.allSettled([this.pool.end(), redisDone]);
    }
  }

  /**
   * A query on the pool; when PostgreSQL cannot be reached the caller gets StoreUnavailableError
   * (503 store_unavailable), not the driver's error (a generic 500), and health() says why.
   */
  private async sql(text: string | { text: string }, values?: unknown[]): Promise<{ rows: Row[]; rowCount: number | null }> {
    try {
      const res = await this.pool.query(typeof text === 'string' ? text : text.text, values);
      this.postgresProblem = undefined;
      return res;
    } catch (err) {
      throw this.mapPostgresError(err);
    }
  }

  /** Statements in one transaction on one pooled client (../rag-records.ts RunAtomic); same error mapping as sql(). */
  private async atomic(statements: ReadonlyArray<{ sql: string; params: unknown[] }>, lock: string): Promise<number[]> {
    try {
      const changed = await atomically(this.pool, statements, lock);
      this.postgresProblem = undefined;
      return changed;
    } catch (err) {
      throw this.mapPostgresError(err);
    }
  }

  /** Flushes this replica's log buffer (queries see what was appended before them); same error mapping. */
  private async flushed(): Promise<void> {
    try {
      await this.writer.flush();
    } catch (err) {
      throw this.mapPostgresError(err);
    }
  }

  private mapPostgresError(err: unknown): unknown {
    if (!isPostgresUnavailable(err)) return err;
    const reason = err instanceof Error ? err.message.slice(0, 200) : String(err);
    this.postgresProblem = `postgres: unreachable (${reason})`;
    return new StoreUnavailableError(`The gateway cannot reach PostgreSQL (${reason}); retry shortly.`, err);
  }

  /** Versions recorded in schema_migrations (for tests and `meridian doctor`). */
  appliedMigrations(): Promise<number[]> {
    return appliedMigrations(this.pool);
  }

  readonly keys = {
    create: async (rec: ApiKeyRecord): Promise<void> => {
      await this.sql(`INSERT INTO api_keys (${KEY_COLUMNS.join(', ')}) VALUES (${placeholders(KEY_COLUMNS.length)})`, encodeKey(rec));
    },
    findByHash: async (hash: string): Promise<ApiKeyRecord | undefined> => {
      const res = await this.sql(`SELECT ${KEY_COLUMNS.join(', ')} FROM api_keys WHERE hash = $1`, [hash]);
      const row = res.rows[0] as Row | undefined;
      return row ? decodeKey(row) : undefined;
    },
    list: async (): Promise<ApiKeyRecord[]> => {
      const res = await this.sql(`SELECT ${KEY_COLUMNS.join(', ')} FROM api_keys ORDER BY created_at, id`);
      return res.rows.map(decodeKey);
    },
    revoke: async (id: string): Promise<boolean> => {
      const res = await this.sql('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
      return (res.rowCount ?? 0) > 0;
    },
    /** Every key ever created, revoked ones too: revoking the last key must not switch auth off. */
    count: async (): Promise<number> => {
      const res = await this.sql('SELECT count(*) AS n FROM api_keys');
      return Number((res.rows[0] as Row).n);
    },
    update: async (rec: ApiKeyRecord): Promise<boolean> => {
      const cols = KEY_COLUMNS.slice(1);
      const res = await this.sql(
        `UPDATE api_keys SET ${cols.map((c, i) => `${c} = $${i + 1}`).join(', ')} WHERE id = $${cols.length + 1}`,
        [...encodeKey(rec).slice(1), rec.id],
      );
      return (res.rowCount ?? 0) > 0;
    },
  };

  readonly requestLog = {
    append: (entry: RequestLogEntry): void => this.writer.append(entry),
    flush: (): Promise<void> => this.writer.flush(),
    /** Flushes this replica's buffer first, so a query sees everything appended here before it. */
    query: async (filter: RequestLogFilter): Promise<RequestLogEntry[]> => {
      await this.flushed();
      const { sql, params } = buildLogQuery(
        filter,
        (n) => `$${n}`,
        (p) => `${p}::timestamptz`,
      );
      const res = await this.sql(sql, params);
      return res.rows.map(decodeLogRow);
    },
    totals: async (since: string): Promise<UsageTotalsRow> => {
      await this.flushed();
      const res = await this.sql(
        `SELECT count(*) AS requests, coalesce(sum(prompt_tokens), 0) AS prompt, coalesce(sum(completion_tokens), 0) AS completion,
  coalesce(sum(cached_tokens), 0) AS cached, coalesce(sum(CASE WHEN location = 'cloud' THEN cost_usd ELSE 0 END), 0) AS cloud_cost
  FROM request_log WHERE time >= $1::timestamptz AND status = 200`,
        [since],
      );
      return decodeTotals(res.rows[0] as Row);
    },
    summary: async (since: string): Promise<RequestLogSummary> => {
      await this.flushed();
      const iso = toIsoTime(since);
      const sql = summarySql(postgresSummaryDialect);
      const [groups, pii] = await Promise.all([this.sql(sql.groups, [iso]), this.sql(sql.pii, [iso])]);
      return decodeSummary(iso, groups.rows as Row[], pii.rows as Row[]);
    },
    series: async (window: { since: string; until: string; bucketMs: number }): Promise<RequestLogSeries> => {
      await this.flushed();
      const sql = seriesSql(postgresSeriesDialect);
      const { positional } = seriesParams(window);
      const [groups, latency, pii, guard] = await Promise.all(
        [sql.groups, sql.latency, sql.pii, sql.guard].map(async (text) => (await this.sql(text, positional)).rows as Row[]),
      );
      return decodeSeries(window, { groups: groups!, latency: latency!, pii: pii!, guard: guard! });
    },
    prune: (): Promise<number> => this.writer.prune(),
  };

  /** Prompt registry and feedback (../prompt-records.ts). */
  readonly prompts = promptRecords(async (sql, params) => (await this.sql(sql, params)).rows, postgresRecordDialect);
  readonly rag = ragRecords(
    async (sql, params) => (await this.sql(sql, params)).rows,
    (statements, lock) => this.atomic(statements, lock),
    postgresRecordDialect,
  );
  readonly feedback = feedbackRecords(
    async (sql, params) => (await this.sql(sql, params)).rows,
    postgresRecordDialect,
    () => this.flushed(),
  );
  /** Written directly on the pool: a response saved here can be continued on any replica at once. */
  readonly responses = responseRecords(
    async (sql, params) => (await this.sql(sql, params)).rows,
    postgresRecordDialect,
    () => this.now(),
  );
  readonly experiments = experimentRecords(
    async (sql, params) => (await this.sql(sql, params)).rows,
    postgresRecordDialect,
    () => this.flushed(),
  );

  readonly audit = {
    append: async (entry: AuditEntry): Promise<void> => {
      await this.sql(
        `INSERT INTO audit_log (${AUDIT_COLUMNS.join(', ')}) VALUES (${placeholders(AUDIT_COLUMNS.length)})`,
        encodeAudit(entry),
      );
    },
    list: async (limit = 100): Promise<AuditEntry[]> => {
      const res = await this.sql(`SELECT ${AUDIT_COLUMNS.join(', ')} FROM audit_log ORDER BY seq DESC LIMIT $1`, [
        Math.max(1, Math.trunc(limit)),
      ]);
      return res.rows.map(decodeAudit);
    },
  };
}

export { maskUrl };
