/**
 * Request-log rows: one column list and one value encoding shared by SQLite and PostgreSQL.
 * Values are encoded once, at `append()` time, as text/number/null only (booleans as 1/0, JSON as
 * text, time as ISO-8601 UTC), which both databases accept; so a bad entry fails fast in the
 * caller instead of poisoning a batch later.
 */
import type { RequestLogEntry, RequestLogFilter } from './types.js';

export const LOG_COLUMNS = [
  'id',
  'time',
  'tenant',
  'key_id',
  'kind',
  'alias',
  'deployment',
  'location',
  'route_reason',
  'attempts',
  'status',
  'error_code',
  'stream',
  'latency_ms',
  'ttft_ms',
  'prompt_tokens',
  'completion_tokens',
  'reasoning_tokens',
  'cached_tokens',
  'tokens_estimated',
  'cost_usd',
  'pii',
  'prompt_version',
] as const;

export type LogValue = string | number | null;
/** One encoded row, values in `LOG_COLUMNS` order. */
export type LogRow = LogValue[];

export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 10_000;

/**
 * Strings `Date#toISOString()` would give back unchanged (days 29–31 excluded: `new Date()` rolls
 * an impossible date such as Feb 30 over into the next month, so those take the parsing path).
 */
const CANONICAL_ISO_UTC = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** ISO-8601 UTC with milliseconds, so that text comparison in SQLite orders like time does. */
export function toIsoTime(value: string | Date | undefined | null, fallback?: Date): string {
  // Fast path for the common case (the gateway's request time is already canonical): a regex
  // test costs ~30 ns, a Date parse + toISOString ~600 ns, and this runs on every append().
  if (typeof value === 'string' && CANONICAL_ISO_UTC.test(value)) return value;
  fallback ??= new Date();
  if (value === undefined || value === null) return fallback.toISOString();
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? fallback.toISOString() : d.toISOString();
}

/** PostgreSQL text and JSON reject NUL characters; they carry no meaning in a log, so drop them. */
function clean(s: string | undefined | null): string | null {
  if (s === undefined || s === null) return null;
  return s.includes('\u0000') ? s.replaceAll('\u0000', '') : s;
}

function jsonText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v) && v.length === 0) return '[]'; // most requests: no failed attempts
  const text = JSON.stringify(v);
  return text.includes('\\u0000') ? text.replaceAll('\\u0000', '') : text;
}

function num(v: number | undefined | null): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Integer columns: a fractional value would make PostgreSQL reject the whole batch. */
function int(v: number | undefined | null): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : null;
}

function flag(v: boolean | undefined | null): number | null {
  return v === undefined || v === null ? null : v ? 1 : 0;
}

export function encodeLogEntry(e: RequestLogEntry): LogRow {
  return [
    clean(e.id) ?? '',
    toIsoTime(e.time),
    clean(e.tenant),
    clean(e.keyId),
    clean(e.kind),
    clean(e.alias) ?? '',
    clean(e.deployment),
    clean(e.location),
    clean(e.routeReason),
    jsonText(e.attempts ?? []),
    int(e.status) ?? 0,
    clean(e.errorCode),
    flag(e.stream) ?? 0,
    num(e.latencyMs) ?? 0,
    num(e.ttftMs),
    int(e.promptTokens),
    int(e.completionTokens),
    int(e.reasoningTokens),
    int(e.cachedTokens),
    flag(e.tokensEstimated),
    num(e.costUsd),
    jsonText(e.pii),
    clean(e.promptVersion),
  ];
}

/** Accepts both drivers' shapes: SQLite gives text/0/1, pg gives Date/boolean/parsed JSON. */
export function decodeLogRow(r: Record<string, unknown>): RequestLogEntry {
  const entry: RequestLogEntry = {
    id: String(r.id),
    time: toIsoTime(r.time as string | Date),
    kind: (r.kind as RequestLogEntry['kind']) ?? 'chat',
    alias: String(r.alias ?? ''),
    attempts: (parseJson(r.attempts) as unknown[] | undefined) ?? [],
    status: Number(r.status),
    stream: toBool(r.stream) ?? false,
    latencyMs: Number(r.latency_ms),
  };
  setIf(entry, 'tenant', str(r.tenant));
  setIf(entry, 'keyId', str(r.key_id));
  setIf(entry, 'deployment', str(r.deployment));
  setIf(entry, 'location', str(r.location));
  setIf(entry, 'routeReason', str(r.route_reason));
  setIf(entry, 'errorCode', str(r.error_code));
  setIf(entry, 'ttftMs', optNum(r.ttft_ms));
  setIf(entry, 'promptTokens', optNum(r.prompt_tokens));
  setIf(entry, 'completionTokens', optNum(r.completion_tokens));
  setIf(entry, 'reasoningTokens', optNum(r.reasoning_tokens));
  setIf(entry, 'cachedTokens', optNum(r.cached_tokens));
  setIf(entry, 'tokensEstimated', toBool(r.tokens_estimated));
  setIf(entry, 'costUsd', optNum(r.cost_usd));
  setIf(entry, 'pii', parseJson(r.pii) as Record<string, number> | undefined);
  setIf(entry, 'promptVersion', str(r.prompt_version));
  return entry;
}

/**
 * Builds the SELECT for a filter, newest first. `placeholder(n)` renders the n-th parameter
 * (`?` for SQLite, `$n` for PostgreSQL); `timeParam` lets PostgreSQL cast text to timestamptz.
 */
export function buildLogQuery(
  filter: RequestLogFilter,
  placeholder: (n: number) => string,
  timeParam: (p: string) => string = (p) => p,
): { sql: string; params: LogValue[] } {
  const where: string[] = [];
  const params: LogValue[] = [];
  const add = (clause: (p: string) => string, value: LogValue): void => {
    params.push(value);
    where.push(clause(placeholder(params.length)));
  };
  if (filter.since !== undefined) add((p) => `time >= ${timeParam(p)}`, toIsoTime(filter.since));
  if (filter.until !== undefined) add((p) => `time < ${timeParam(p)}`, toIsoTime(filter.until));
  if (filter.tenant !== undefined) add((p) => `tenant = ${p}`, filter.tenant);
  if (filter.alias !== undefined) add((p) => `alias = ${p}`, filter.alias);
  if (filter.location !== undefined) add((p) => `location = ${p}`, filter.location);
  if (filter.status !== undefined) add((p) => `status = ${p}`, filter.status);
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? DEFAULT_QUERY_LIMIT), 1), MAX_QUERY_LIMIT);
  params.push(limit);
  const sql =
    `SELECT ${LOG_COLUMNS.join(', ')} FROM request_log` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY time DESC, id DESC LIMIT ${placeholder(params.length)}`;
  return { sql, params };
}

function setIf<K extends keyof RequestLogEntry>(o: RequestLogEntry, k: K, v: RequestLogEntry[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

function str(v: unknown): string | undefined {
  return v === null || v === undefined ? undefined : String(v);
}

function optNum(v: unknown): number | undefined {
  return v === null || v === undefined ? undefined : Number(v);
}

function toBool(v: unknown): boolean | undefined {
  if (v === null || v === undefined) return undefined;
  return v === true || v === 1 || v === '1' || v === 't' || v === 'true';
}

export function parseJson(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'string') return v;
  return JSON.parse(v) as unknown;
}
