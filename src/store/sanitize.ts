/**
 * Bounding and cleaning of values before they are stored: the one place both backends rely on,
 * so that a request log row (whatever a client or an upstream sent) is accepted by SQLite and by
 * PostgreSQL alike. PostgreSQL rejects lone UTF-16 surrogates (invalid UTF-8), NUL characters in
 * text and JSONB, integers beyond their column type and non-finite numbers; any of those in one
 * row used to fail the whole batch forever.
 */

/** Longest text kept in a log column; longer values are cut (the log is for people, not archives). */
export const MAX_TEXT = 1_000;
/** Longest JSON text kept in a log column (attempts, PII counts, planner exclusions). */
export const MAX_JSON = 16_000;
/** Keys kept in a JSON object (e.g. PII entity types). */
const MAX_OBJECT_KEYS = 100;
/** Items kept in a JSON array before the rest is summarized as `{ "truncated": n }`. */
const MAX_ARRAY_ITEMS = 50;
/** Nesting kept in a JSON value; deeper values become null. */
const MAX_DEPTH = 6;

const ANY_SURROGATE = /[\ud800-\udfff]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Well-formed text for a database: lone surrogates become U+FFFD, NULs are removed, and the
 * result is at most `max` UTF-16 units (cut on a character boundary).
 */
export function cleanText(s: string, max = MAX_TEXT): string {
  let out = s.length > max ? s.slice(0, max) : s;
  // A cut may split a surrogate pair; the half then becomes U+FFFD, which is fine.
  if (ANY_SURROGATE.test(out)) out = out.replace(LONE_SURROGATE, '\ufffd');
  if (out.includes('\u0000')) out = out.replaceAll('\u0000', '');
  return out;
}

/** `cleanText` for optional values: null for anything that is not a string. */
export function optText(v: unknown, max = MAX_TEXT): string | null {
  if (typeof v === 'string') return cleanText(v, max);
  if (typeof v === 'number' || typeof v === 'boolean') return cleanText(String(v), max);
  return null;
}

/** A finite number within [min, max], or null. */
export function boundedNumber(v: unknown, min: number, max: number): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  return Math.min(Math.max(v, min), max);
}

/** A whole number within [min, max] (BIGINT columns take up to 2^63 − 1; JS integers are exact to 2^53 − 1). */
export function boundedInt(v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number | null {
  const n = boundedNumber(v, min, max);
  return n === null ? null : Math.round(n);
}

/** JSON text of a cleaned, bounded copy of `v` (strings cleaned, numbers finite, size capped), or null. */
export function boundedJson(v: unknown, max = MAX_JSON): string | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v) && v.length === 0) return '[]'; // most requests: no failed attempts
  const value = cleanJson(v, 0);
  let text = JSON.stringify(value) ?? 'null';
  if (text.length <= max) return text;
  // Too large: keep the leading items of an array, or a marker for anything else.
  if (Array.isArray(value)) {
    const kept = [...value];
    while (kept.length > 0 && text.length > max) {
      kept.pop();
      text = JSON.stringify([...kept, { truncated: value.length - kept.length }]);
    }
    if (text.length <= max) return text;
    return JSON.stringify([{ truncated: value.length }]);
  }
  return JSON.stringify({ truncated: true });
}

function cleanJson(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return cleanText(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean' || v === null) return v;
  if (typeof v === 'bigint') return boundedNumber(Number(v), -Number.MAX_VALUE, Number.MAX_VALUE);
  if (typeof v !== 'object' || depth >= MAX_DEPTH) return null; // undefined, functions, symbols, too deep
  if (Array.isArray(v)) {
    const items = v.slice(0, MAX_ARRAY_ITEMS).map((item) => cleanJson(item, depth + 1));
    if (v.length > MAX_ARRAY_ITEMS) items.push({ truncated: v.length - MAX_ARRAY_ITEMS });
    return items;
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, item] of Object.entries(v)) {
    if (item === undefined) continue;
    if (++n > MAX_OBJECT_KEYS) break;
    out[cleanText(k, 200)] = cleanJson(item, depth + 1);
  }
  return out;
}
