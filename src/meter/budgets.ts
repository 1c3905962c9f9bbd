/**
 * Budgets per tenant, key, alias (or global), per UTC day or calendar month, in USD and tokens.
 *
 * Modes:
 * - `hard`: before the request, its estimate is *reserved* with one atomic `Counters.consume`
 *   (add unless that passes the limit). A request that does not fit throws BudgetExceededError
 *   (429 `budget_exceeded`, Retry-After = seconds to the reset). After the request, `settle`
 *   adds `actual − reserved`.
 * - `soft`: the request runs; when spend + estimate passes the limit the decision carries a
 *   warning for the `x-meridian-budget-warning` header and the log.
 * - `downgrade`: the request runs but `decision.downgrade` is true: the router restricts the
 *   request to local deployments.
 *
 * Overshoot of a hard budget: reservations never pass the limit, so the only overshoot is the
 * sum, over requests in flight at the same moment, of (actual − estimate) where positive. With
 * `estimate = prompt + max_tokens` output there is none; with a smaller expected output it is at
 * most (in-flight requests) × (their unreserved output). Requests settled as cheaper than reserved
 * give the difference back.
 *
 * Counters are integers: USD is counted in micro-dollars, so Redis INCRBY works and sums are exact.
 * Keys carry the period (`…:day:2026-11-23`), so every replica agrees on when a budget resets.
 */
import type { Counters } from '../store/types.js';
import type { ApiKeyRecord } from '../store/types.js';
import { BudgetExceededError } from '../errors.js';
import type { BudgetRule } from './config.js';

export interface BudgetContext {
  tenant?: string;
  keyId?: string;
  alias: string;
  /** The API key's own budget (`ApiKeyRecord.budget`), enforced as a `key` rule. */
  keyBudget?: ApiKeyRecord['budget'];
}

export interface BudgetAmount {
  usd: number;
  tokens: number;
}

type Metric = 'usd' | 'tokens';

interface Charge {
  key: string;
  mode: BudgetRule['mode'];
  metric: Metric;
  /** Units reserved by `check` (hard rules only). */
  reserved: number;
  ttlSeconds: number;
}

export interface BudgetDecision {
  /** Route only to local deployments (a `downgrade` budget is spent). */
  downgrade: boolean;
  /** Seconds until every spent `downgrade` budget has reset (Retry-After when there is no local deployment). */
  downgradeResetSeconds?: number;
  /** Human-readable notes for soft/downgrade budgets that are spent; never secrets. */
  warnings: string[];
  /** Value for the `x-meridian-budget-warning` header, when there are warnings. */
  warningHeader?: string;
  /** What `settle` must adjust; opaque to callers. */
  readonly charges: readonly Charge[];
}

export interface Budgets {
  /** Throws BudgetExceededError when a hard budget cannot fit `estimate`. */
  check(ctx: BudgetContext, estimate: BudgetAmount): Promise<BudgetDecision>;
  /** Call once per checked request, also when it failed (actual = what was billed, often 0). */
  settle(decision: BudgetDecision, actual: BudgetAmount): Promise<void>;
}

const MICRO = 1_000_000;
/** Counters outlive their period a little so late settles still land on the right key. */
const TTL_SLACK_SECONDS = 3600;

interface ActiveRule {
  rule: BudgetRule;
  /** Who the budget is counted for (tenant id, key id, alias or `*`). */
  subject: string;
  source: 'cfg' | 'apikey';
  label: string;
}

/** The current UTC period: id, reset time. */
export function periodWindow(period: 'day' | 'month', now: Date): { id: string; resetAt: Date } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  if (period === 'day') {
    const d = now.getUTCDate();
    return { id: now.toISOString().slice(0, 10), resetAt: new Date(Date.UTC(y, m, d + 1)) };
  }
  return { id: now.toISOString().slice(0, 7), resetAt: new Date(Date.UTC(y, m + 1, 1)) };
}

function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.ceil((seconds % 3600) / 60);
  if (h >= 48) return `${Math.round(h / 24)}d`;
  return h > 0 ? `${h}h ${m}m` : `${m}m`;
}

function formatAmount(metric: Metric, units: number): string {
  return metric === 'usd' ? `$${(units / MICRO).toFixed(2)}` : `${Math.round(units).toLocaleString('en-US')} tokens`;
}

function toUnits(metric: Metric, amount: BudgetAmount): number {
  return metric === 'usd' ? Math.round(amount.usd * MICRO) : Math.round(amount.tokens);
}

function subjectOf(rule: BudgetRule, ctx: BudgetContext): string | undefined {
  const value = rule.scope === 'tenant' ? ctx.tenant : rule.scope === 'key' ? ctx.keyId : rule.scope === 'alias' ? ctx.alias : '*';
  if (value === undefined) return undefined;
  if (rule.match !== '*' && rule.match !== value) return undefined;
  return value;
}

function describe(rule: BudgetRule, subject: string): string {
  if (rule.name) return rule.name;
  const who = rule.scope === 'global' ? 'global' : `${rule.scope} '${subject}'`;
  return `${who} ${rule.period === 'day' ? 'daily' : 'monthly'}`;
}

export function createBudgets(rules: readonly BudgetRule[], counters: Counters, now: () => Date = () => new Date()): Budgets {
  function activeRules(ctx: BudgetContext): ActiveRule[] {
    const out: ActiveRule[] = [];
    for (const rule of rules) {
      const subject = subjectOf(rule, ctx);
      if (subject !== undefined) out.push({ rule, subject, source: 'cfg', label: describe(rule, subject) });
    }
    const kb = ctx.keyBudget;
    if (kb && ctx.keyId && (kb.usd !== undefined || kb.tokens !== undefined)) {
      const rule: BudgetRule = { scope: 'key', match: ctx.keyId, period: kb.period, mode: kb.mode ?? 'hard' };
      if (kb.usd !== undefined) rule.usd = kb.usd;
      if (kb.tokens !== undefined) rule.tokens = kb.tokens;
      out.push({
        rule,
        subject: ctx.keyId,
        source: 'apikey',
        label: `API key '${ctx.keyId}' ${kb.period === 'day' ? 'daily' : 'monthly'}`,
      });
    }
    return out;
  }

  async function release(taken: Charge[]): Promise<void> {
    await Promise.all(taken.map((c) => counters.add(c.key, -c.reserved, c.ttlSeconds)));
  }

  return {
    async check(ctx, estimate) {
      const at = now();
      const charges: Charge[] = [];
      const warnings: string[] = [];
      let downgrade = false;
      let downgradeResetSeconds = 0;
      for (const a of activeRules(ctx)) {
        const { id, resetAt } = periodWindow(a.rule.period, at);
        const resetSeconds = Math.max(1, Math.ceil((resetAt.getTime() - at.getTime()) / 1000));
        const ttlSeconds = resetSeconds + TTL_SLACK_SECONDS;
        for (const metric of ['usd', 'tokens'] as const) {
          const limitValue = a.rule[metric];
          if (limitValue === undefined) continue;
          const limit = metric === 'usd' ? Math.round(limitValue * MICRO) : limitValue;
          const key = `meridian:budget:${a.source}:${a.rule.mode}:${a.rule.scope}:${a.subject}:${a.rule.period}:${id}:${metric}`;
          const amount = toUnits(metric, estimate);
          if (a.rule.mode === 'hard') {
            // At least one unit, so a budget that is exactly spent also rejects free-looking requests.
            const reserve = Math.max(1, amount);
            const r = await counters.consume(key, reserve, limit, ttlSeconds);
            if (!r.allowed) {
              await release(charges.filter((c) => c.mode === 'hard'));
              const kind = metric === 'usd' ? 'USD' : 'token';
              throw new BudgetExceededError(
                `Budget exceeded: ${a.label} ${kind} budget of ${formatAmount(metric, limit)} per ${a.rule.period} ` +
                  `(used ${formatAmount(metric, r.used)}, this request needs about ${formatAmount(metric, amount)}). ` +
                  `It resets at ${resetAt.toISOString()} (in ${formatDuration(resetSeconds)}).`,
                resetSeconds,
              );
            }
            charges.push({ key, mode: 'hard', metric, reserved: reserve, ttlSeconds });
          } else {
            const used = await counters.get(key);
            charges.push({ key, mode: a.rule.mode, metric, reserved: 0, ttlSeconds });
            if (used + amount > limit) {
              const pct = Math.round((used / limit) * 100);
              const what = `${a.label} ${metric === 'usd' ? 'USD' : 'token'} budget ${formatAmount(metric, limit)} at ${pct}%`;
              if (a.rule.mode === 'downgrade') {
                downgrade = true;
                downgradeResetSeconds = Math.max(downgradeResetSeconds, resetSeconds);
                warnings.push(`${what}; routed to local deployments until ${resetAt.toISOString()}`);
              } else {
                warnings.push(`${what}; resets ${resetAt.toISOString()}`);
              }
            }
          }
        }
      }
      const decision: BudgetDecision = { downgrade, warnings, charges };
      if (downgrade) decision.downgradeResetSeconds = downgradeResetSeconds;
      if (warnings.length) decision.warningHeader = warnings.join('; ').replace(/[^\x20-\x7e]/g, '?');
      return decision;
    },

    async settle(decision, actual) {
      await Promise.all(
        decision.charges.map((c) => {
          const delta = toUnits(c.metric, actual) - c.reserved;
          return delta === 0 ? undefined : counters.add(c.key, delta, c.ttlSeconds);
        }),
      );
    },
  };
}
