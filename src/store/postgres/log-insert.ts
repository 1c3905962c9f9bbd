/**
 * The PostgreSQL request-log batch insert: one array parameter per column, expanded server-side
 * with multi-argument `unnest()`, as a named (prepared-once-per-connection) statement.
 *
 * Why not one multi-row `VALUES ($1, …), (…)`: for a 500-row batch that is 11,500 parameters and
 * a ~100 kB statement to build, bind and parse on every batch. Measured with bench/request-log.ts
 * it cost the gateway's event loop ~12 µs per entry; 26 array parameters cost a fraction of that
 * and PostgreSQL plans the statement once per connection.
 * https://www.postgresql.org/docs/current/functions-array.html (unnest(anyarray, anyarray [, ...]))
 */
import type { Pool } from 'pg';
import { LOG_COLUMNS, type LogRow, type LogValue } from '../log-rows.js';
import { deadLetterJson, type RequestLogSink } from '../log-writer.js';

/** The PostgreSQL type of each request_log column (postgres/migrations.ts), in LOG_COLUMNS order. */
const COLUMN_TYPES: Record<(typeof LOG_COLUMNS)[number], string> = {
  id: 'text',
  time: 'timestamptz',
  tenant: 'text',
  key_id: 'text',
  kind: 'text',
  alias: 'text',
  deployment: 'text',
  location: 'text',
  route_reason: 'text',
  attempts: 'jsonb',
  status: 'integer',
  error_code: 'text',
  // Encoded as 1/0, which boolean input accepts.
  stream: 'boolean',
  latency_ms: 'double precision',
  ttft_ms: 'double precision',
  prompt_tokens: 'bigint',
  completion_tokens: 'bigint',
  reasoning_tokens: 'bigint',
  cached_tokens: 'bigint',
  tokens_estimated: 'boolean',
  cost_usd: 'double precision',
  pii: 'jsonb',
  prompt_version: 'text',
  client_request_id: 'text',
  guard_action: 'text',
  excluded: 'jsonb',
  cost_estimated: 'boolean',
  episode: 'text',
  cache_hit: 'boolean',
  saved_usd: 'double precision',
  variant: 'text',
};

/** The statement: named, so each pooled connection parses and plans it once. */
export const LOG_INSERT_STATEMENT = {
  name: 'meridian_request_log_insert_v6',
  text:
    `INSERT INTO request_log (${LOG_COLUMNS.join(', ')}) ` +
    `SELECT * FROM unnest(${LOG_COLUMNS.map((c, i) => `$${i + 1}::${COLUMN_TYPES[c]}[]`).join(', ')}) ` +
    // Duplicate ids (a retried batch) are skipped, also within one batch.
    'ON CONFLICT (id) DO NOTHING',
};

/**
 * Rows → one array literal per column (the statement's parameters), e.g. `{"a","b",NULL}` or
 * `{1,0}`. Built here rather than by pg's generic array serializer, which runs two regex
 * replacements per element; most values need no escaping at all.
 */
export function logRowsToColumns(rows: readonly LogRow[]): string[] {
  const width = LOG_COLUMNS.length;
  const columns = new Array<string>(width);
  const parts = new Array<string>(rows.length);
  for (let c = 0; c < width; c++) {
    for (let r = 0; r < rows.length; r++) parts[r] = arrayElement(rows[r]![c]);
    columns[c] = `{${parts.join(',')}}`;
  }
  return columns;
}

const NEEDS_ESCAPE = /["\\]/;

/** One element of a PostgreSQL array literal: NULL, a bare number, or a double-quoted string. */
function arrayElement(v: LogValue | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return String(v); // finite: log-rows encodes non-finite numbers as NULL
  // Inside double quotes only `"` and `\` need a backslash (https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO).
  return NEEDS_ESCAPE.test(v) ? `"${v.replace(/["\\]/g, '\\$&')}"` : `"${v}"`;
}

/** The request-log writes on `pool`: on the log worker thread's own pool, or the store's (fallback). */
export function postgresLogSink(pool: Pool): RequestLogSink {
  return {
    // One INSERT … SELECT FROM unnest(…) per batch: a single statement is atomic, no explicit transaction needed.
    insertRows: async (rows: LogRow[]) => {
      await pool.query({ ...LOG_INSERT_STATEMENT, values: logRowsToColumns(rows) });
    },
    deleteOlderThan: async (cutoffIso: string) => {
      const res = await pool.query('DELETE FROM request_log WHERE time < $1::timestamptz', [cutoffIso]);
      return res.rowCount ?? 0;
    },
    isRowError: isPostgresRowError,
    insertDeadLetters: async (letters) => {
      await pool.query(
        'INSERT INTO request_log_dead_letters (entry_id, entry, error) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])',
        [letters.map((l) => l.row[0] ?? null), letters.map((l) => deadLetterJson(l.row)), letters.map((l) => l.error)],
      );
    },
  };
}

/**
 * SQLSTATE classes that mean "this content is refused", not "the server is unreachable":
 * 22 data exception (bad encoding, out of range), 23 integrity constraint, 54 program limit
 * (e.g. an index row too large). https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function isPostgresRowError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}
