/**
 * Request-log aggregates over time for the dashboard (`GET /admin/timeseries`): requests, errors,
 * tokens, spend and PII per time bucket and location, computed in the database (one indexed scan
 * per query, grouped by bucket); the latency and TTFT percentiles of each bucket are computed here
 * from the newest `MAX_SERIES_LATENCY_ROWS` rows of the window (neither SQLite nor both databases
 * alike have a percentile aggregate), so the transfer stays bounded on any log size.
 * One SQL text serves SQLite and PostgreSQL; only the bucket expression and JSON function differ.
 */
import type { RequestLogSeries, SeriesBucket, SeriesLocation } from './types.js';

export interface SeriesDialect {
  /** The bucket index of a row: `floor((epoch ms of time − since ms) / bucket ms)`, as an integer. */
  bucket: string;
  /** The window bounds as written in SQL. */
  since: string;
  until: string;
  /** A FROM item over `request_log.pii` yielding `key` and a value; `piiValue` reads it as a number. */
  piiPairs: string;
  piiValue: string;
}

// SQLite keeps time as canonical ISO text (`2025-06-01T10:00:00.000Z`, see ./log-rows.ts): whole
// seconds from strftime plus the three millisecond digits, all integer arithmetic (exact).
export const sqliteSeriesDialect: SeriesDialect = {
  // better-sqlite3 binds JS numbers as REAL, so the quotient is truncated explicitly.
  bucket: `CAST((CAST(strftime('%s', time) AS INTEGER) * 1000 + CAST(substr(time, 21, 3) AS INTEGER) - @sinceMs) / @bucketMs AS INTEGER)`,
  since: '@since',
  until: '@until',
  piiPairs: 'json_each(request_log.pii) AS j',
  piiValue: 'j.value',
};

export const postgresSeriesDialect: SeriesDialect = {
  bucket: `CAST(floor((extract(epoch FROM time) * 1000 - $3::double precision) / $4::double precision) AS INTEGER)`,
  since: '$1::timestamptz',
  until: '$2::timestamptz',
  piiPairs: 'jsonb_each_text(request_log.pii) AS j',
  piiValue: 'j.value::double precision',
};

/** Buckets per answer at most: a chart is a few hundred pixels wide. */
export const MAX_SERIES_BUCKETS = 1000;
/** Rows read for percentiles at most (the newest of the window); `latencySampled` says when the window held more. */
export const MAX_SERIES_LATENCY_ROWS = 20_000;

export function seriesSql(d: SeriesDialect): { groups: string; latency: string; pii: string; guard: string } {
  const where = `FROM request_log WHERE time >= ${d.since} AND time < ${d.until}`;
  return {
    groups: `SELECT ${d.bucket} AS b, coalesce(location, '') AS loc, count(*) AS requests,
      coalesce(sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END), 0) AS errors,
      coalesce(sum(cost_usd), 0) AS cost,
      coalesce(sum(prompt_tokens), 0) AS prompt,
      coalesce(sum(completion_tokens), 0) AS completion,
      coalesce(sum(CASE WHEN pii IS NOT NULL AND pii <> '{}' THEN 1 ELSE 0 END), 0) AS pii_requests
      ${where} GROUP BY 1, 2`,
    latency: `SELECT ${d.bucket} AS b, latency_ms AS latency, ttft_ms AS ttft ${where} ORDER BY time DESC LIMIT ${MAX_SERIES_LATENCY_ROWS + 1}`,
    pii: `SELECT ${d.bucket} AS b, j.key AS key, coalesce(sum(${d.piiValue}), 0) AS n
      FROM request_log, ${d.piiPairs}
      WHERE request_log.time >= ${d.since} AND request_log.time < ${d.until} AND request_log.pii IS NOT NULL GROUP BY 1, 2`,
    guard: `SELECT ${d.bucket} AS b, guard_action AS action, count(*) AS n ${where} AND guard_action IS NOT NULL GROUP BY 1, 2`,
  };
}

type Row = Record<string, unknown>;

const LOCATIONS: readonly SeriesLocation[] = ['local', 'private', 'cloud', ''];

/** The p-th percentile (0..1) of sorted values, nearest rank; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank]!;
}

function emptyBucket(start: number): SeriesBucket {
  return {
    start: new Date(start).toISOString(),
    requests: 0,
    errors: 0,
    costUsd: 0,
    promptTokens: 0,
    completionTokens: 0,
    piiRequests: 0,
    byLocation: {},
    latencyMs: { p50: null, p95: null, p99: null },
    ttftMs: { p50: null, p95: null, p99: null },
    pii: {},
    guard: {},
  };
}

/** Dense buckets (empty ones included, so a chart's x axis is continuous) from the four queries' rows. */
export function decodeSeries(
  window: { since: string; until: string; bucketMs: number },
  rows: { groups: Row[]; latency: Row[]; pii: Row[]; guard: Row[] },
): RequestLogSeries {
  const sinceMs = Date.parse(window.since);
  const count = Math.max(1, Math.ceil((Date.parse(window.until) - sinceMs) / window.bucketMs));
  const buckets = Array.from({ length: count }, (_, i) => emptyBucket(sinceMs + i * window.bucketMs));
  const at = (r: Row): SeriesBucket | undefined => buckets[Number(r.b)];
  for (const r of rows.groups) {
    const b = at(r);
    if (!b) continue;
    const loc = (LOCATIONS as readonly string[]).includes(String(r.loc)) ? (String(r.loc) as SeriesLocation) : '';
    const g = {
      requests: Number(r.requests),
      errors: Number(r.errors),
      costUsd: Number(r.cost),
      promptTokens: Number(r.prompt),
      completionTokens: Number(r.completion),
    };
    b.requests += g.requests;
    b.errors += g.errors;
    b.costUsd += g.costUsd;
    b.promptTokens += g.promptTokens;
    b.completionTokens += g.completionTokens;
    b.piiRequests += Number(r.pii_requests);
    const into = (b.byLocation[loc] ??= { requests: 0, errors: 0, costUsd: 0, promptTokens: 0, completionTokens: 0 });
    into.requests += g.requests;
    into.errors += g.errors;
    into.costUsd += g.costUsd;
    into.promptTokens += g.promptTokens;
    into.completionTokens += g.completionTokens;
  }
  const sampled = rows.latency.length > MAX_SERIES_LATENCY_ROWS;
  const latency = new Map<number, { lat: number[]; ttft: number[] }>();
  for (const r of rows.latency.slice(0, MAX_SERIES_LATENCY_ROWS)) {
    const i = Number(r.b);
    let l = latency.get(i);
    if (!l) latency.set(i, (l = { lat: [], ttft: [] }));
    l.lat.push(Number(r.latency));
    if (r.ttft !== null && r.ttft !== undefined) l.ttft.push(Number(r.ttft));
  }
  for (const [i, l] of latency) {
    const b = buckets[i];
    if (!b) continue;
    const lat = l.lat.sort((x, y) => x - y);
    const ttft = l.ttft.sort((x, y) => x - y);
    b.latencyMs = { p50: percentile(lat, 0.5), p95: percentile(lat, 0.95), p99: percentile(lat, 0.99) };
    b.ttftMs = { p50: percentile(ttft, 0.5), p95: percentile(ttft, 0.95), p99: percentile(ttft, 0.99) };
  }
  for (const r of rows.pii) {
    const b = at(r);
    if (b) b.pii[String(r.key)] = (b.pii[String(r.key)] ?? 0) + Number(r.n);
  }
  for (const r of rows.guard) {
    const b = at(r);
    if (b) b.guard[String(r.action)] = (b.guard[String(r.action)] ?? 0) + Number(r.n);
  }
  for (const b of buckets) b.costUsd = Math.round(b.costUsd * 1e9) / 1e9;
  return { since: window.since, until: window.until, bucketMs: window.bucketMs, latencySampled: sampled, buckets };
}

/** Parameters of `seriesSql` for better-sqlite3 (named) and pg (positional). */
export function seriesParams(window: { since: string; until: string; bucketMs: number }): {
  named: Record<string, string | number>;
  positional: (string | number)[];
} {
  const sinceMs = Date.parse(window.since);
  return {
    named: { since: window.since, until: window.until, sinceMs, bucketMs: window.bucketMs },
    positional: [window.since, window.until, sinceMs, window.bucketMs],
  };
}
