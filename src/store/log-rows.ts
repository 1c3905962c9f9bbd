/**
 * Request-log rows: one column list and one value encoding shared by SQLite and PostgreSQL.
 * Values are encoded once, at `append()` time, as text/number/null only (booleans as 1/0, JSON as
 * text, time as ISO-8601 UTC), cleaned and bounded by ./sanitize.ts, which both databases accept;
 * so whatever a client or an upstream sent cannot poison a batch later.
 */
import { InvalidRequestError } from '../errors.js';
import { boundedInt, boundedJson, boundedNumber, cleanText, optText } from './sanitize.js';
import { parseTimeOrDuration, TIME_ARG_HINT } from './time-arg.js';
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
  'client_request_id',
  'guard_action',
  'excluded',
  'cost_estimated',
  'episode',
  'cache_hit',
  'saved_usd',
  'variant',
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
  // Years past 9999 print as `+010000-…`, which neither database reads as a time.
  const year = d.getUTCFullYear();
  return Number.isNaN(d.getTime()) || year < 1 || year > 9999 ? fallback.toISOString() : d.toISOString();
}

/** Bounds of numeric columns: token counts are BIGINT, status a small INTEGER; durations and cost finite. */
const MAX_STATUS = 999;
const MAX_MS = 1e12;
const MAX_USD = 1e12;

function flag(v: unknown): number | null {
  return typeof v === 'boolean' ? (v ? 1 : 0) : null;
}

/** Encodes an entry as a row; every value cleaned and bounded, so no entry can fail an insert for its content. */
export function encodeLogEntry(e: RequestLogEntry): LogRow {
  return [
    optText(e.id, 200) ?? '',
    toIsoTime(e.time),
    optText(e.tenant),
    optText(e.keyId),
    optText(e.kind, 40),
    optText(e.alias) ?? '',
    optText(e.deployment),
    optText(e.location, 40),
    optText(e.routeReason),
    boundedJson(Array.isArray(e.attempts) ? e.attempts : []),
    boundedInt(e.status, 0, MAX_STATUS) ?? 0,
    optText(e.errorCode, 200),
    flag(e.stream) ?? 0,
    boundedNumber(e.latencyMs, 0, MAX_MS) ?? 0,
    boundedNumber(e.ttftMs, 0, MAX_MS),
    boundedInt(e.promptTokens),
    boundedInt(e.completionTokens),
    boundedInt(e.reasoningTokens),
    boundedInt(e.cachedTokens),
    flag(e.tokensEstimated),
    boundedNumber(e.costUsd, -MAX_USD, MAX_USD),
    boundedJson(e.pii),
    optText(e.promptVersion),
    optText(e.clientRequestId, 200),
    optText(e.guardAction, 40),
    boundedJson(e.excluded),
    flag(e.costEstimated),
    optText(e.episode, 200),
    flag(e.cacheHit),
    boundedNumber(e.savedUsd, 0, MAX_USD),
    optText(e.variant, 200),
  ];
}

/** A row as a JSON object keyed by column (for the dead-letter table: readable, and already sanitized). */
export function logRowJson(row: LogRow): string {
  const o: Record<string, LogValue> = {};
  LOG_COLUMNS.forEach((c, i) => (o[c] = row[i] ?? null));
  return JSON.stringify(o);
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
  setIf(entry, 'clientRequestId', str(r.client_request_id));
  setIf(entry, 'guardAction', str(r.guard_action));
  setIf(entry, 'excluded', parseJson(r.excluded) as RequestLogEntry['excluded']);
  setIf(entry, 'costEstimated', toBool(r.cost_estimated));
  setIf(entry, 'episode', str(r.episode));
  setIf(entry, 'cacheHit', toBool(r.cache_hit));
  setIf(entry, 'savedUsd', optNum(r.saved_usd));
  setIf(entry, 'variant', str(r.variant));
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
  if (filter.since !== undefined) add((p) => `time >= ${timeParam(p)}`, filterTime(filter.since, 'since'));
  if (filter.until !== undefined) add((p) => `time < ${timeParam(p)}`, filterTime(filter.until, 'until'));
  if (filter.tenant !== undefined) add((p) => `tenant = ${p}`, filter.tenant);
  if (filter.alias !== undefined) add((p) => `alias = ${p}`, filter.alias);
  if (filter.location !== undefined) add((p) => `location = ${p}`, filter.location);
  if (filter.status !== undefined) add((p) => `status = ${p}`, filter.status);
  if (filter.clientRequestId !== undefined) add((p) => `client_request_id = ${p}`, cleanText(filter.clientRequestId, 200));
  if (filter.episode !== undefined) add((p) => `episode = ${p}`, cleanText(filter.episode, 200));
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? DEFAULT_QUERY_LIMIT), 1), MAX_QUERY_LIMIT);
  params.push(limit);
  const sql =
    `SELECT ${LOG_COLUMNS.join(', ')} FROM request_log` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY time DESC, id DESC LIMIT ${placeholder(params.length)}`;
  return { sql, params };
}

/** A filter time: ISO or a duration ago (`10m`); never silently "now" (that made `since=10m` return nothing). */
function filterTime(value: string, param: 'since' | 'until'): string {
  const iso = parseTimeOrDuration(value);
  if (iso === undefined) throw new InvalidRequestError(`'${param}' must be ${TIME_ARG_HINT}; got '${cleanText(value, 40)}'.`, param);
  return iso;
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
