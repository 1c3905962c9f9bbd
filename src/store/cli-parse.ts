/** Option parsers for the keys/logs CLI verbs. They throw commander's InvalidArgumentError, which commander prints with the option name. */
import { InvalidArgumentError } from 'commander';
import { parseTimeOrDuration, TIME_ARG_HINT } from './time-arg.js';
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

/**
 * A point in time: a duration ago (`90s`, `15m`, `1h`, `7d`, `2w`) or an absolute time
 * (ISO-8601). Returns ISO-8601 UTC. The parser is shared with the admin API (./time-arg.ts).
 */
export function parseTimeArg(value: string, now = Date.now()): string {
  const iso = parseTimeOrDuration(value, now);
  if (iso === undefined) throw new InvalidArgumentError(`expected ${TIME_ARG_HINT}, got '${value.slice(0, 64)}'`);
  return iso;
}
