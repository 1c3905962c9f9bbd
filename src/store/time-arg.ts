/**
 * A point in time as people type it: a duration ago (`90s`, `10m`, `2h`, `7d`, `2w`) or an
 * absolute ISO-8601 time. One parser for the CLI (`meridian logs --since`), the admin API
 * (`/admin/requests?since=`, `/admin/summary?since=`) and the store's log filters.
 */

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** What a valid value looks like, for error messages. */
export const TIME_ARG_HINT = "a duration ago like '10m', '2h' or '7d', or an ISO time like '2025-01-31T12:00:00Z'";

/** Longest input considered: real values are short; this keeps parsing cheap for hostile ones. */
const MAX_INPUT = 64;

/** ISO-8601 UTC for `value`, or undefined when it is neither a duration nor a time. */
export function parseTimeOrDuration(value: string, now = Date.now()): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_INPUT) return undefined;
  const m = /^(\d{1,9}(?:\.\d{1,6})?)\s*([smhdw])$/i.exec(value.trim());
  const t = m ? now - Number(m[1]) * (UNIT_MS[m[2]!.toLowerCase()] ?? 0) : Date.parse(value);
  if (!Number.isFinite(t)) return undefined;
  const d = new Date(t);
  const year = d.getUTCFullYear();
  return Number.isNaN(d.getTime()) || year < 1 || year > 9999 ? undefined : d.toISOString();
}
