/**
 * Stored Responses API responses (`responses` table), implemented once for both backends like the
 * prompt registry (./prompt-records.ts): the same SQL with the dialect's placeholders, JSON as
 * text (TEXT in PostgreSQL too: JSONB refuses `\u0000`), times as ISO-8601. Expiry uses the
 * store's clock, passed in, so tests can move it.
 */
import { parseJson, toIsoTime, type LogValue } from './log-rows.js';
import type { RecordSqlDialect, RunSql } from './prompt-records.js';
import type { Store, StoredResponseRecord } from './types.js';

type Row = Record<string, unknown>;

const COLUMNS = ['id', 'tenant', 'created_at', 'expires_at', 'model', 'response', 'input_items', 'messages'] as const;
/** Rows deleted per prune statement: a large backlog never holds a long lock. */
const PRUNE_CHUNK = 1_000;
/** How often each process prunes (the log's retention runs hourly too). */
export const RESPONSE_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

function decode(r: Row): StoredResponseRecord {
  return {
    id: String(r.id),
    tenant: String(r.tenant),
    createdAt: toIsoTime(r.created_at as string | Date),
    expiresAt: toIsoTime(r.expires_at as string | Date),
    model: String(r.model),
    response: (parseJson(r.response) as Record<string, unknown> | undefined) ?? {},
    inputItems: (parseJson(r.input_items) as Record<string, unknown>[] | undefined) ?? [],
    messages: (parseJson(r.messages) as unknown[] | undefined) ?? [],
  };
}

export function responseRecords(run: RunSql, d: RecordSqlDialect, now: () => number): Store['responses'] {
  const p = (n: number, pgType?: string): string => d.placeholder(n, pgType);
  const nowIso = (): string => new Date(now()).toISOString();
  const cols = COLUMNS.join(', ');
  return {
    save: async (rec, ttlSeconds) => {
      const expires = new Date(now() + Math.max(1, Math.trunc(ttlSeconds)) * 1000).toISOString();
      const types = ['text', 'text', 'timestamptz', 'timestamptz', 'text', 'text', 'text', 'text'];
      const params: LogValue[] = [
        rec.id,
        rec.tenant,
        toIsoTime(rec.createdAt),
        expires,
        rec.model,
        JSON.stringify(rec.response),
        JSON.stringify(rec.inputItems),
        JSON.stringify(rec.messages),
      ];
      await run(
        `INSERT INTO responses (${cols}) VALUES (${types.map((t, i) => p(i + 1, t)).join(', ')}) ` +
          'ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, created_at = excluded.created_at, expires_at = excluded.expires_at, ' +
          'model = excluded.model, response = excluded.response, input_items = excluded.input_items, messages = excluded.messages',
        params,
      );
    },
    get: async (tenant, id) => {
      const rows = await run(
        `SELECT ${cols} FROM responses WHERE id = ${p(1)} AND tenant = ${p(2)} AND expires_at > ${p(3, 'timestamptz')}`,
        [id, tenant, nowIso()],
      );
      return rows[0] ? decode(rows[0]) : undefined;
    },
    delete: async (tenant, id) => {
      const rows = await run(
        `DELETE FROM responses WHERE id = ${p(1)} AND tenant = ${p(2)} AND expires_at > ${p(3, 'timestamptz')} RETURNING id`,
        [id, tenant, nowIso()],
      );
      return rows.length > 0;
    },
    prune: async () => {
      const cutoff = nowIso();
      let total = 0;
      for (;;) {
        const rows = await run(
          `DELETE FROM responses WHERE id IN (SELECT id FROM responses WHERE expires_at <= ${p(1, 'timestamptz')} LIMIT ${PRUNE_CHUNK}) RETURNING id`,
          [cutoff],
        );
        total += rows.length;
        if (rows.length < PRUNE_CHUNK) return total;
      }
    },
  };
}

/** Prunes every `intervalMs` (unref'd: never keeps the process alive); returns the stop function. */
export function startResponsePruning(
  responses: Store['responses'],
  onError: (err: unknown, context: string) => void,
  intervalMs = RESPONSE_PRUNE_INTERVAL_MS,
): () => void {
  const timer = setInterval(() => {
    responses.prune().catch((err: unknown) => onError(err, 'stored responses retention'));
  }, intervalMs).unref();
  return () => clearInterval(timer);
}
