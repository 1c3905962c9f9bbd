/**
 * Budgets per tenant, key, alias (or global), per UTC day or calendar month, in USD and tokens.
 *
 * Every mode reserves. Before the request, its estimate is added to the budget's counter; after
 * it, `settle` adds `actual − reserved`. What the modes do with the reservation:
 * - `hard`: one atomic `Counters.consume` (add unless that passes the limit). A request that does
 *   not fit throws BudgetExceededError (429 `budget_exceeded`, Retry-After = seconds to the reset).
 * - `downgrade`: one atomic `Counters.add`; when the total *after* this reservation passes the
 *   limit, `decision.downgrade` is true and the router restricts the request to local deployments.
 *   A downgraded request keeps its reservation (local engines have a cost too) until it settles.
 * - `soft`: the same `add`; past the limit the decision carries a warning for the
 *   `x-meridian-budget-warning` header and the log, and the request runs.
 * Because each reservation is one atomic step, requests in flight at the same moment see each
 * other: of N concurrent requests only those whose reservations fit run on the cloud (downgrade)
 * or pass silently (soft), exactly as for hard.
 *
 * Overshoot: reservations of admitted (hard) or cloud-routed (downgrade) requests never pass the
 * limit, so the only overshoot is the sum, over requests in flight at the same moment, of
 * (actual − estimate) where positive. With `estimate = prompt + max_tokens` output there is none;
 * with a smaller expected output it is at most (in-flight requests) × (their unreserved output).
 * Requests settled as cheaper than reserved give the difference back.
 *
 * Counter keys name what is counted — scope, subject, period, metric — and nothing a reload may
 * change (mode, limit, rule name), so editing a rule keeps its spend. Rules that count the same
 * thing (a soft $5 and a hard $10 on one tenant per day) share one counter: the request reserves
 * once and each rule compares the total with its own limit.
 *
 * Counters are integers: USD is counted in micro-dollars, so Redis INCRBY works and sums are exact.
 * Keys carry the period (`…:day:2026-11-23`), so every replica agrees on when a budget resets.
 * Durability is the store's: the embedded store's in-memory counters start at zero after a
 * restart; the store decides what it persists (see docs/cost.md, "Durability").
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
  metric: Metric;
  /** Units reserved by `check`; `settle` adds `actual − reserved`. */
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
  /**
   * Reserves `estimate` on every budget that applies (all modes). Throws BudgetExceededError when
   * a hard budget cannot fit it (nothing stays reserved then). Every decision returned must be
   * settled exactly once, also when the request is rejected or fails afterwards.
   */
  check(ctx: BudgetContext, estimate: BudgetAmount): Promise<BudgetDecision>;
  /** Call once per checked request, also when it failed (actual = what was billed, often 0). */
  settle(decision: BudgetDecision, actual: BudgetAmount): Promise<void>;
  /** Whether any budget in USD (any mode) applies to this request: unknown prices matter then. */
  hasUsdBudget(ctx: BudgetContext): boolean;
}

const MICRO = 1_000_000;
/** Counters outlive their period a little so late settles still land on the right key. */
const TTL_SLACK_SECONDS = 3600;

interface CounterGroup {
  key: string;
  metric: Metric;
  resetAt: Date;
  resetSeconds: number;
  ttlSeconds: number;
  /** The rules counting on this key, each with its limit in counter units. */
  rules: Array<ActiveRule & { limit: number }>;
}

interface ActiveRule {
  rule: BudgetRule;
  /** Who the budget is counted for (tenant id, key id, alias or `*`). */
  subject: string;
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

/** "45m", "3h 0m", "2d": time to a reset, rounded up to the minute (never "3h 60m"). */
export function formatDuration(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h >= 48) return `${Math.round(minutes / 1440)}d`;
  return h > 0 ? `${h}h ${m}m` : `${m}m`;
}

/** The counter one budget counts on in the current period (see the module comment on keys); the dashboard reads it too. */
export function budgetCounterKey(
  rule: Pick<BudgetRule, 'scope' | 'period'>,
  subject: string,
  periodId: string,
  metric: 'usd' | 'tokens',
): string {
  return `meridian:budget:${rule.scope}:${subject}:${rule.period}:${periodId}:${metric}`;
}

/** USD budgets count micro-dollars (integers); token budgets count tokens. */
export const BUDGET_USD_UNIT = MICRO;

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
      if (subject !== undefined) out.push({ rule, subject, label: describe(rule, subject) });
    }
    const kb = ctx.keyBudget;
    if (kb && ctx.keyId && (kb.usd !== undefined || kb.tokens !== undefined)) {
      const rule: BudgetRule = { scope: 'key', match: ctx.keyId, period: kb.period, mode: kb.mode ?? 'hard' };
      if (kb.usd !== undefined) rule.usd = kb.usd;
      if (kb.tokens !== undefined) rule.tokens = kb.tokens;
      out.push({
        rule,
        subject: ctx.keyId,
        label: `API key '${ctx.keyId}' ${kb.period === 'day' ? 'daily' : 'monthly'}`,
      });
    }
    return out;
  }

  /** Active rules grouped by the counter they count on (see the module comment on keys). */
  function counterGroups(active: ActiveRule[], at: Date): CounterGroup[] {
    const groups = new Map<string, CounterGroup>();
    for (const a of active) {
      const { id, resetAt } = periodWindow(a.rule.period, at);
      const resetSeconds = Math.max(1, Math.ceil((resetAt.getTime() - at.getTime()) / 1000));
      for (const metric of ['usd', 'tokens'] as const) {
        const limitValue = a.rule[metric];
        if (limitValue === undefined) continue;
        const key = budgetCounterKey(a.rule, a.subject, id, metric);
        let g = groups.get(key);
        if (!g) {
          g = { key, metric, resetAt, resetSeconds, ttlSeconds: resetSeconds + TTL_SLACK_SECONDS, rules: [] };
          groups.set(key, g);
        }
        g.rules.push({ ...a, limit: metric === 'usd' ? Math.round(limitValue * MICRO) : limitValue });
      }
    }
    return [...groups.values()];
  }

  async function release(taken: Charge[]): Promise<void> {
    await Promise.all(taken.map((c) => counters.add(c.key, -c.reserved, c.ttlSeconds))).catch(() => {});
  }

  return {
    hasUsdBudget: (ctx) => activeRules(ctx).some((a) => a.rule.usd !== undefined),

    async check(ctx, estimate) {
      const at = now();
      const charges: Charge[] = [];
      const warnings: string[] = [];
      let downgrade = false;
      let downgradeResetSeconds = 0;
      try {
        for (const g of counterGroups(activeRules(ctx), at)) {
          const amount = toUnits(g.metric, estimate);
          const hard = g.rules.filter((r) => r.rule.mode === 'hard').sort((x, y) => x.limit - y.limit)[0];
          // At least one unit for hard and downgrade, so a budget that is exactly spent also stops free-looking requests.
          const reserve = hard || g.rules.some((r) => r.rule.mode === 'downgrade') ? Math.max(1, amount) : amount;
          let total: number;
          if (hard) {
            const r = await counters.consume(g.key, reserve, hard.limit, g.ttlSeconds);
            if (!r.allowed) {
              const kind = g.metric === 'usd' ? 'USD' : 'token';
              throw new BudgetExceededError(
                `Budget exceeded: ${hard.label} ${kind} budget of ${formatAmount(g.metric, hard.limit)} per ${hard.rule.period} ` +
                  `(used ${formatAmount(g.metric, r.used)}, this request needs about ${formatAmount(g.metric, amount)}). ` +
                  `It resets at ${g.resetAt.toISOString()} (in ${formatDuration(g.resetSeconds)}).`,
                g.resetSeconds,
              );
            }
            total = r.used;
          } else {
            total = reserve > 0 ? await counters.add(g.key, reserve, g.ttlSeconds) : await counters.get(g.key);
          }
          if (reserve > 0) charges.push({ key: g.key, metric: g.metric, reserved: reserve, ttlSeconds: g.ttlSeconds });
          for (const r of g.rules) {
            if (r.rule.mode === 'hard' || total <= r.limit) continue;
            // Spend before this request, in-flight reservations of others included.
            const pct = Math.round(((total - reserve) / r.limit) * 100);
            const what = `${r.label} ${g.metric === 'usd' ? 'USD' : 'token'} budget ${formatAmount(g.metric, r.limit)} at ${pct}%`;
            if (r.rule.mode === 'downgrade') {
              downgrade = true;
              downgradeResetSeconds = Math.max(downgradeResetSeconds, g.resetSeconds);
              warnings.push(`${what}; routed to local deployments until ${g.resetAt.toISOString()}`);
            } else {
              warnings.push(`${what}; resets ${g.resetAt.toISOString()}`);
            }
          }
        }
      } catch (err) {
        await release(charges);
        throw err;
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
