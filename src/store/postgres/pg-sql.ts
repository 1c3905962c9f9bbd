/** SQL helpers of the PostgreSQL store: parameter placeholders, the record dialect, row decoding. */
import type { RecordSqlDialect } from '../prompt-records.js';
import type { UsageTotalsRow } from '../types.js';

type Row = Record<string, unknown>;

export const placeholders = (n: number, offset = 0): string => Array.from({ length: n }, (_, i) => `$${offset + i + 1}`).join(', ');

export const postgresRecordDialect: RecordSqlDialect = {
  placeholder: (n, pgType) => (pgType ? `$${n}::${pgType}` : `$${n}`),
  isUniqueViolation: (err) => (err as { code?: unknown })?.code === '23505',
};

export function decodeTotals(row: Row): UsageTotalsRow {
  return {
    requests: Number(row.requests),
    promptTokens: Number(row.prompt),
    completionTokens: Number(row.completion),
    cachedTokens: Number(row.cached),
    cloudCostUsd: Number(row.cloud_cost),
  };
}
