/** SQL helpers of the PostgreSQL store: parameter placeholders, the record dialect. */
import type { RecordSqlDialect } from '../prompt-records.js';

export const placeholders = (n: number, offset = 0): string => Array.from({ length: n }, (_, i) => `$${offset + i + 1}`).join(', ');

export const postgresRecordDialect: RecordSqlDialect = {
  placeholder: (n, pgType) => (pgType ? `$${n}::${pgType}` : `$${n}`),
  isUniqueViolation: (err) => (err as { code?: unknown })?.code === '23505',
};
