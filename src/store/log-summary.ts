/**
 * Request-log aggregates for the dashboard (`GET /admin/summary`), computed in the database so a
 * window of millions of requests costs one indexed scan, not a transfer. One SQL text serves
 * SQLite and PostgreSQL; only the time parameter and the JSON table function differ.
 */
import type { RequestLogSummary, RequestLogSummaryGroup, UsageTotalsRow } from './types.js';

export interface SummaryDialect {
  /** The `since` parameter as written in SQL: `@since` (better-sqlite3) or `$1::timestamptz`. */
  since: string;
  /** A FROM item over `request_log.pii` yielding `key` and a numeric-castable `value`. */
  piiPairs: string;
  /** `value` of `piiPairs` as a number. */
  piiValue: string;
}

export const sqliteSummaryDialect: SummaryDialect = { since: '@since', piiPairs: 'json_each(request_log.pii) AS j', piiValue: 'j.value' };
export const postgresSummaryDialect: SummaryDialect = {
  since: '$1::timestamptz',
  piiPairs: 'jsonb_each_text(request_log.pii) AS j',
  piiValue: 'j.value::double precision',
};

/** Column (or expression) per grouping; `all` is the window's totals. */
const DIMENSIONS = {
  location: 'location',
  alias: 'alias',
  deployment: 'deployment',
  tenant: 'tenant',
  reason: 'route_reason',
  status: 'CAST(status AS TEXT)',
} as const;
type Dimension = keyof typeof DIMENSIONS;

/** Groups beyond this many per dimension are dropped (largest kept): the page shows tops, not everything. */
export const MAX_SUMMARY_GROUPS = 50;

export function summarySql(d: SummaryDialect): { groups: string; pii: string } {
  const measures = `count(*) AS requests,
    coalesce(sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END), 0) AS errors,
    coalesce(sum(cost_usd), 0) AS cost,
    coalesce(sum(prompt_tokens), 0) AS prompt,
    coalesce(sum(completion_tokens), 0) AS completion,
    coalesce(avg(latency_ms), 0) AS latency,
    coalesce(sum(CASE WHEN tokens_estimated THEN 1 ELSE 0 END), 0) AS estimated,
    avg(ttft_ms) AS ttft,
    coalesce(sum(CASE WHEN pii IS NOT NULL AND pii <> '{}' THEN 1 ELSE 0 END), 0) AS pii_requests`;
  const where = `FROM request_log WHERE time >= ${d.since}`;
  const parts = [`SELECT 'all' AS dim, '' AS key, ${measures} ${where}`];
  for (const [dim, column] of Object.entries(DIMENSIONS)) {
    parts.push(`SELECT '${dim}' AS dim, coalesce(${column}, '') AS key, ${measures} ${where} GROUP BY ${column}`);
  }
  return {
    groups: `${parts.join('\nUNION ALL\n')}\nORDER BY dim, requests DESC, key`,
    pii: `SELECT j.key AS key, coalesce(sum(${d.piiValue}), 0) AS n FROM request_log, ${d.piiPairs}
      WHERE request_log.time >= ${d.since} AND request_log.pii IS NOT NULL GROUP BY j.key ORDER BY n DESC, j.key`,
  };
}

type Row = Record<string, unknown>;

/** One row of the usage-totals query (`requestLog.totals`), in both drivers' value shapes. */
export function decodeTotals(row: Row): UsageTotalsRow {
  return {
    requests: Number(row.requests),
    promptTokens: Number(row.prompt),
    completionTokens: Number(row.completion),
    cachedTokens: Number(row.cached),
    cloudCostUsd: Number(row.cloud_cost),
  };
}

/** Builds the summary from the rows of `summarySql`'s two queries (both drivers' value shapes). */
export function decodeSummary(since: string, groupRows: Row[], piiRows: Row[]): RequestLogSummary {
  const summary: RequestLogSummary = {
    since,
    totals: {
      requests: 0,
      errors: 0,
      costUsd: 0,
      promptTokens: 0,
      completionTokens: 0,
      avgLatencyMs: 0,
      estimatedTokenRequests: 0,
      avgTtftMs: null,
      piiRequests: 0,
    },
    byLocation: [],
    byAlias: [],
    byDeployment: [],
    byTenant: [],
    byReason: [],
    byStatus: [],
    pii: {},
  };
  const lists: Record<Dimension, RequestLogSummaryGroup[]> = {
    location: summary.byLocation,
    alias: summary.byAlias,
    deployment: summary.byDeployment,
    tenant: summary.byTenant,
    reason: summary.byReason,
    status: summary.byStatus,
  };
  for (const r of groupRows) {
    const group = decodeGroup(r);
    if (r.dim === 'all') {
      const { key: _k, ...measures } = group;
      summary.totals = {
        ...measures,
        estimatedTokenRequests: Number(r.estimated),
        avgTtftMs: r.ttft === null || r.ttft === undefined ? null : Number(r.ttft),
        piiRequests: Number(r.pii_requests),
      };
      continue;
    }
    const list = lists[r.dim as Dimension];
    if (list && list.length < MAX_SUMMARY_GROUPS) list.push(group);
  }
  for (const r of piiRows) summary.pii[String(r.key)] = Number(r.n);
  return summary;
}

function decodeGroup(r: Row): RequestLogSummaryGroup {
  return {
    key: String(r.key ?? ''),
    requests: Number(r.requests),
    errors: Number(r.errors),
    costUsd: Number(r.cost),
    promptTokens: Number(r.prompt),
    completionTokens: Number(r.completion),
    avgLatencyMs: Number(r.latency),
  };
}
