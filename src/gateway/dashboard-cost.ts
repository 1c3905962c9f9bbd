/**
 * The dashboard's cost view (`GET /admin/cost`): what the same traffic would have cost all-cloud
 * and all-local, the break-even curve with today's volume, and every budget with what is spent.
 * The arithmetic is the meter's (src/meter); this gathers it per deployment and subject.
 */
import { breakeven, type BreakevenResult } from '../meter/breakeven.js';
import { BUDGET_USD_UNIT, budgetCounterKey, periodWindow } from '../meter/budgets.js';
import type { BudgetRule, LocalCostModel } from '../meter/config.js';
import type { Deployment, Price } from '../providers/spec.js';
import type { ApiKeyRecord, RequestLogSummary, RequestLogSummaryGroup, Store } from '../store/types.js';

/** At most this many budget rows (one per subject and rule). */
const MAX_BUDGET_ROWS = 500;
/** Points of the break-even curve. */
const CURVE_POINTS = 24;
import type { GatewayServices } from './services.js';

const tokenCost = (p: Price | undefined, prompt: number, completion: number): number | undefined =>
  p ? (prompt * p.input + completion * p.output) / 1e6 : undefined;

/** The first deployment of `alias` at `location` with a price, else `fallback` (the busiest priced one at that location). */
function referenceFor(g: GatewayServices, alias: string, location: string, fallback: Deployment | undefined): Deployment | undefined {
  let candidates: Deployment[] = [];
  try {
    candidates = g.catalog.resolve(alias).deployments;
  } catch {
    // An alias the config no longer has (or a `provider/model` of a removed provider): priced at the fallback.
  }
  return candidates.find((d) => d.location === location && g.meter.priceOf(d)) ?? fallback;
}

function busiest(g: GatewayServices, summary: RequestLogSummary, location: string): Deployment | undefined {
  const all = g.catalog.allDeployments().filter((d) => d.location === location && g.meter.priceOf(d));
  const traffic = new Map(summary.byDeployment.map((x) => [x.key, x.requests]));
  return all.sort((a, b) => (traffic.get(b.id) ?? 0) - (traffic.get(a.id) ?? 0))[0];
}

/** What the window's traffic would have cost had every request run in the cloud, or locally (each alias at its own deployments' prices). */
export function counterfactual(g: GatewayServices, summary: RequestLogSummary): Record<string, unknown> {
  const cloudFallback = busiest(g, summary, 'cloud');
  const localFallback = busiest(g, summary, 'local');
  let allCloud: number | undefined = 0;
  let allLocal: number | undefined = 0;
  const byAlias = summary.byAlias.map((a: RequestLogSummaryGroup) => {
    const cloud = referenceFor(g, a.key, 'cloud', cloudFallback);
    const local = referenceFor(g, a.key, 'local', localFallback);
    const c = tokenCost(cloud && g.meter.priceOf(cloud), a.promptTokens, a.completionTokens);
    const l = tokenCost(local && g.meter.priceOf(local), a.promptTokens, a.completionTokens);
    allCloud = c === undefined || allCloud === undefined ? undefined : allCloud + c;
    allLocal = l === undefined || allLocal === undefined ? undefined : allLocal + l;
    return {
      alias: a.key,
      promptTokens: a.promptTokens,
      completionTokens: a.completionTokens,
      actualUsd: a.costUsd,
      cloudDeployment: cloud?.id ?? null,
      allCloudUsd: c ?? null,
      localDeployment: local?.id ?? null,
      allLocalUsd: l ?? null,
    };
  });
  const notes: string[] = [];
  if (allCloud === undefined) notes.push('Some traffic has no priced cloud deployment to compare with: all-cloud is unknown.');
  if (allLocal === undefined) notes.push('Some traffic has no local deployment to compare with: all-local is unknown.');
  notes.push('Local prices come from pricing.local cost models (free when none is configured): see docs/cost.md.');
  return { actualUsd: summary.totals.costUsd, allCloudUsd: allCloud ?? null, allLocalUsd: allLocal ?? null, byAlias, notes };
}

/** The `pricing.local` cost model of a deployment: `provider/model`, then the provider id, then `*` (docs/cost.md). */
function localModelOf(g: GatewayServices, d: Deployment): LocalCostModel | undefined {
  const local = g.config.pricing.local;
  return local[d.id] ?? local[d.provider.id] ?? local['*'];
}

/** Break-even of the busiest local deployment against the busiest cloud one at the window's daily volume, with the cost curve. */
export function breakevenView(g: GatewayServices, summary: RequestLogSummary, days: number): Record<string, unknown> | null {
  const cloud = busiest(g, summary, 'cloud');
  const local = g.catalog
    .allDeployments()
    .filter((d) => d.location !== 'cloud')
    .sort(
      (a, b) =>
        (summary.byDeployment.find((x) => x.key === b.id)?.requests ?? 0) -
        (summary.byDeployment.find((x) => x.key === a.id)?.requests ?? 0),
    )
    .find((d) => {
      const m = localModelOf(g, d);
      return m && 'gpuUsdPerHour' in m && m.tokensPerSecond;
    });
  const cloudPrice = cloud && g.meter.priceOf(cloud);
  const model = local && localModelOf(g, local);
  if (!cloud || !cloudPrice || !local || !model || !('gpuUsdPerHour' in model) || !model.tokensPerSecond) return null;
  const t = summary.totals;
  const perDay = { in: t.promptTokens / days, out: t.completionTokens / days };
  const inputs = {
    cloudPriceIn: cloudPrice.input,
    cloudPriceOut: cloudPrice.output,
    gpuUsdPerHour: model.gpuUsdPerHour,
    tokensPerSecond: model.tokensPerSecond,
    ...(model.promptTokensPerSecond ? { promptTokensPerSecond: model.promptTokensPerSecond } : {}),
  };
  const now: BreakevenResult = breakeven({ ...inputs, tokensInPerDay: perDay.in, tokensOutPerDay: perDay.out });
  // In:out ratio of today's traffic (1:1 with no traffic yet), kept along the curve.
  const ratio = perDay.out > 0 ? perDay.in / perDay.out : 1;
  const top = Math.max(perDay.out * 2, Number.isFinite(now.breakevenTokensOutPerDay) ? now.breakevenTokensOutPerDay * 2 : 0, 1000);
  const curve = Array.from({ length: CURVE_POINTS + 1 }, (_, i) => {
    const out = (top * i) / CURVE_POINTS;
    const r = breakeven({ ...inputs, tokensInPerDay: out * ratio, tokensOutPerDay: out });
    return { tokensOutPerDay: Math.round(out), cloudUsdPerDay: r.cloudUsdPerDay, selfHostUsdPerDay: r.selfHostUsdPerDay };
  });
  return {
    cloudDeployment: cloud.id,
    localDeployment: local.id,
    tokensInPerDay: Math.round(perDay.in),
    tokensOutPerDay: Math.round(perDay.out),
    result: { ...now, breakevenTokensOutPerDay: Number.isFinite(now.breakevenTokensOutPerDay) ? now.breakevenTokensOutPerDay : null },
    curve,
  };
}

interface BudgetRow {
  scope: BudgetRule['scope'];
  subject: string;
  label: string;
  period: 'day' | 'month';
  mode: 'hard' | 'soft' | 'downgrade';
  metric: 'usd' | 'tokens';
  limit: number;
  used: number;
  fraction: number;
  resetAt: string;
}

/** Every budget that applies now (config rules per subject, and keys' own budgets) with what is spent in this period. */
export async function budgetsView(g: GatewayServices, store: Store, keys: ApiKeyRecord[], tenants: string[]): Promise<BudgetRow[]> {
  const active = keys.filter((k) => !k.revokedAt);
  const subjects = (rule: BudgetRule): string[] => {
    if (rule.scope === 'global') return ['*'];
    if (rule.match !== '*') return [rule.match];
    if (rule.scope === 'tenant') return [...new Set([...active.map((k) => k.tenant), ...tenants])];
    if (rule.scope === 'key') return active.map((k) => k.id);
    return g.catalog.aliasNames();
  };
  const wanted: { rule: BudgetRule; subject: string; label: string }[] = [];
  for (const rule of g.config.budgets)
    for (const subject of subjects(rule)) {
      const who = rule.scope === 'global' ? 'global' : `${rule.scope} '${subject}'`;
      wanted.push({ rule, subject, label: rule.name ?? `${who} ${rule.period === 'day' ? 'daily' : 'monthly'}` });
    }
  for (const k of active) {
    const b = k.budget;
    if (!b || (b.usd === undefined && b.tokens === undefined)) continue;
    const rule: BudgetRule = { scope: 'key', match: k.id, period: b.period, mode: b.mode ?? 'hard' };
    if (b.usd !== undefined) rule.usd = b.usd;
    if (b.tokens !== undefined) rule.tokens = b.tokens;
    wanted.push({ rule, subject: k.id, label: `API key ${k.name ? `'${k.name}' ` : ''}(${k.prefix}…, ${k.tenant})` });
  }
  const now = new Date();
  const reads: Promise<BudgetRow>[] = [];
  for (const w of wanted.slice(0, MAX_BUDGET_ROWS)) {
    const { id, resetAt } = periodWindow(w.rule.period, now);
    for (const metric of ['usd', 'tokens'] as const) {
      const limit = w.rule[metric];
      if (limit === undefined) continue;
      // Read at once (one round-trip each to Redis when scaled out), not one after another.
      reads.push(
        store.spend.get(budgetCounterKey(w.rule, w.subject, id, metric)).then((units) => {
          const used = metric === 'usd' ? units / BUDGET_USD_UNIT : units;
          return {
            scope: w.rule.scope,
            subject: w.subject,
            label: w.label,
            period: w.rule.period,
            mode: w.rule.mode,
            metric,
            limit,
            used,
            fraction: limit > 0 ? used / limit : 0,
            resetAt: resetAt.toISOString(),
          };
        }),
      );
    }
  }
  const rows = await Promise.all(reads);
  return rows.sort((a, b) => b.fraction - a.fraction);
}
