/** Option parsers for the keys/logs CLI verbs. They throw commander's InvalidArgumentError, which commander prints with the option name. */
import { InvalidArgumentError } from 'commander';
import type { ApiKeyRecord } from './types.js';

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive whole number, got '${value}'`);
  return n;
}

export function parseStatus(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 100 || n > 599) throw new InvalidArgumentError(`expected an HTTP status like 200 or 429, got '${value}'`);
  return n;
}

/** `5/day`, `20/month`, or `5` (per day). */
export function parseBudgetUsd(value: string): { usd: number; period: 'day' | 'month' } {
  const m = /^\s*\$?(\d+(?:\.\d+)?)\s*(?:\/\s*(day|month))?\s*$/i.exec(value);
  if (!m) throw new InvalidArgumentError(`expected an amount and period like '5/day' or '100/month', got '${value}'`);
  const usd = Number(m[1]);
  if (!(usd > 0)) throw new InvalidArgumentError('the budget must be more than 0');
  return { usd, period: (m[2]?.toLowerCase() ?? 'day') as 'day' | 'month' };
}

export function parseBudgetMode(value: string): 'hard' | 'soft' | 'downgrade' {
  if (value === 'hard' || value === 'soft' || value === 'downgrade') return value;
  throw new InvalidArgumentError(`expected 'hard', 'soft' or 'downgrade', got '${value}'`);
}

export function parseDataPolicy(value: string): NonNullable<ApiKeyRecord['dataPolicy']> {
  if (value === 'local-only' || value === 'any') return value;
  throw new InvalidArgumentError(`expected 'local-only' or 'any', got '${value}'`);
}

/** Comma-separated list, blanks dropped. */
export function parseList(value: string, previous: string[] = []): string[] {
  return previous.concat(
    value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time: a duration ago (`90s`, `15m`, `1h`, `7d`, `2w`) or an absolute time
 * (ISO-8601). Returns ISO-8601 UTC.
 */
export function parseTimeArg(value: string, now = Date.now()): string {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(value.trim());
  if (m) return new Date(now - Number(m[1]) * (UNIT_MS[m[2]!.toLowerCase()] ?? 0)).toISOString();
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new InvalidArgumentError(`expected a duration like '1h' or '7d', or a time like '2025-01-31T12:00:00Z', got '${value}'`);
  return new Date(t).toISOString();
}
