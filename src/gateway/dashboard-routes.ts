/**
 * The admin endpoints behind the dashboard's views (master key, wired by ./admin-routes.ts):
 * `GET /admin/timeseries` (the request log over time), `GET /admin/providers` (the router's live
 * view of every deployment), `GET /admin/cost` (spend, what the same traffic would have cost
 * all-cloud and all-local, break-even, budgets) and `PATCH /admin/keys` (edit a key's limits).
 * The arithmetic lives where it belongs (src/store/log-series.ts, src/meter); this file gathers
 * and answers.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../errors.js';
import { breakeven, type BreakevenResult } from '../meter/breakeven.js';
import { BUDGET_USD_UNIT, budgetCounterKey, periodWindow } from '../meter/budgets.js';
import type { BudgetRule, LocalCostModel } from '../meter/config.js';
import type { Deployment, Price } from '../providers/spec.js';
import type { Route, RouteTable } from '../server/app.js';
import { sendJson } from '../server/http-util.js';
import { findKeyById } from '../store/keys.js';
import { MAX_SERIES_BUCKETS } from '../store/log-series.js';
import { parseTimeOrDuration, TIME_ARG_HINT } from '../store/time-arg.js';
import type { ApiKeyRecord, RequestLogSummary, RequestLogSummaryGroup, Store } from '../store/types.js';
import type { Auth } from './auth.js';
import type { RequestContext } from './context.js';
import type { GatewayServices } from './services.js';

type Handler = (g: GatewayServices, ctx: RequestContext) => Promise<void>;
type Parse = <T>(ctx: RequestContext, schema: z.ZodType<T>, limit: number) => Promise<T>;

const DAY_MS = 86_400_000;
/** Bucket sizes chosen when the client names none: the smallest giving at most `AUTO_BUCKETS` buckets. */
const NICE_BUCKETS_MS = [10e3, 30e3, 60e3, 300e3, 900e3, 1800e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, DAY_MS];
const AUTO_BUCKETS = 120;
const BUCKET_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };
/** Rows of the budgets table at most: a `*` rule over many tenants or keys is one row each. */
const MAX_BUDGET_ROWS = 500;
/** Points on the break-even curve. */
const CURVE_POINTS = 24;

const query = (ctx: RequestContext) => new URL(ctx.req.url ?? '/', 'http://x').searchParams;

function timeParam(v: string | null, name: string, fallback: number): number {
  if (!v) return fallback;
  const iso = parseTimeOrDuration(v);
  // The value is not echoed: an error body must not quote what the client sent.
  if (iso === undefined) throw new InvalidRequestError(`Query parameter '${name}' must be ${TIME_ARG_HINT}.`, name);
  return Date.parse(iso);
}

/** `bucket`: `30s`, `5m`, `1h`, `1d` (at least 1 s); absent: chosen from the window. */
function bucketParam(v: string | null, spanMs: number): number {
  if (!v) return NICE_BUCKETS_MS.find((b) => spanMs / b <= AUTO_BUCKETS) ?? DAY_MS;
  const m = /^(\d{1,6})([smhd])$/.exec(v);
  const ms = m ? Number(m[1]) * BUCKET_UNITS[m[2]!]! : 0;
  if (!(ms >= 1000)) throw new InvalidRequestError("Query parameter 'bucket' must be a duration such as 30s, 5m, 1h or 1d.", 'bucket');
  return ms;
}

/**
 * The window of a series: `since` floored to a bucket boundary (so buckets are whole minutes,
 * hours or UTC days), `until` exclusive; at most MAX_SERIES_BUCKETS buckets.
 */
export function seriesWindow(
  q: URLSearchParams,
  defaultSpanMs: number,
  now = Date.now(),
): { since: string; until: string; bucketMs: number } {
  const until = timeParam(q.get('until'), 'until', now + 1);
  const since = timeParam(q.get('since'), 'since', until - defaultSpanMs);
  if (!(since < until)) throw new InvalidRequestError("Query parameter 'since' must be before 'until'.", 'since');
  const bucketMs = bucketParam(q.get('bucket'), until - since);
  const start = Math.floor(since / bucketMs) * bucketMs;
  if ((until - start) / bucketMs > MAX_SERIES_BUCKETS)
    throw new InvalidRequestError(
      `The window holds more than ${MAX_SERIES_BUCKETS} buckets: choose a larger 'bucket' or a shorter window.`,
      'bucket',
    );
  return { since: new Date(start).toISOString(), until: new Date(until).toISOString(), bucketMs };
}

// ---------- providers ----------

type BreakerReader = (id: string) => 'closed' | 'open' | 'half-open';

interface LiveRouter {
  breakerState?: BreakerReader;
  inFlight?: (id: string) => number;
  stats?: (id: string) => { ttftMs?: number; tokensPerSec?: number; samples: number };
  health?: (id: string) => string;
  engineState?: (id: string) => { loadedModels?: string[]; waiting?: number; running?: number; kvCacheUsage?: number } | undefined;
  queueLength?: () => number;
}

/** What the router knows about each deployment now (this replica's view: in flight, EWMA, breakers are per replica). */
export function providersView(g: GatewayServices): Record<string, unknown> {
  // The Router contract has no live-state readers (RouterInstance does); a router given as an override may lack them.
  const r = g.router as unknown as LiveRouter;
  const deployments = g.catalog.allDeployments().map((d) => {
    const engine = r.engineState?.(d.id);
    const stats = r.stats?.(d.id);
    const health = r.health?.(d.id) ?? 'up';
    const loaded = engine?.loadedModels;
    const price = g.meter.priceOf(d);
    return {
      id: d.id,
      provider: d.provider.id,
      type: d.provider.type,
      model: d.model,
      location: d.location,
      health,
      breaker: r.breakerState?.(d.id) ?? 'closed',
      // Warm: the engine says the model is loaded; cold: it says otherwise (or the health monitor did); unknown: no engine report.
      warm: health === 'cold' ? 'cold' : loaded ? (loaded.includes(d.model) ? 'warm' : 'cold') : 'unknown',
      inFlight: r.inFlight?.(d.id) ?? 0,
      ...(d.maxConcurrency !== undefined ? { maxConcurrency: d.maxConcurrency } : {}),
      ...(engine ? { engine: { ...engine } } : {}),
      ttftEwmaMs: stats?.ttftMs ?? null,
      tokensPerSecEwma: stats?.tokensPerSec ?? null,
      samples: stats?.samples ?? 0,
      price: price
        ? { input: price.input, output: price.output, ...(price.cachedInput !== undefined ? { cachedInput: price.cachedInput } : {}) }
        : null,
    };
  });
  return { object: 'providers', time: new Date().toISOString(), queueLength: r.queueLength?.() ?? 0, data: deployments };
}

// ---------- cost ----------

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

// ---------- keys ----------

const positiveInt = z.number().int().positive().max(1e12);
const patchKeySchema = z
  .object({
    id: z.string().min(1).max(200),
    name: z.string().max(200).nullable().optional(),
    models: z.array(z.string().min(1).max(200)).max(100).optional(),
    rpm: positiveInt.nullable().optional(),
    tpm: positiveInt.nullable().optional(),
    budget: z
      .object({
        usd: z.number().positive().max(1e9).optional(),
        tokens: positiveInt.optional(),
        period: z.enum(['day', 'month']),
        mode: z.enum(['hard', 'soft', 'downgrade']).optional(),
      })
      .strict()
      .refine((b) => b.usd !== undefined || b.tokens !== undefined, { message: 'a budget needs usd, tokens or both' })
      .nullable()
      .optional(),
    dataPolicy: z.enum(['local-only', 'any']).nullable().optional(),
  })
  .strict();

/** A field given as null is removed; a field left out keeps its value. */
function applyPatch(rec: ApiKeyRecord, patch: z.infer<typeof patchKeySchema>): ApiKeyRecord {
  const next: ApiKeyRecord = { ...rec };
  const set = <K extends 'name' | 'rpm' | 'tpm' | 'budget' | 'dataPolicy'>(k: K, v: ApiKeyRecord[K] | null | undefined) => {
    if (v === undefined) return;
    if (v === null) delete next[k];
    else next[k] = v;
  };
  set('name', patch.name);
  set('rpm', patch.rpm);
  set('tpm', patch.tpm);
  set('budget', patch.budget as ApiKeyRecord['budget'] | null | undefined);
  set('dataPolicy', patch.dataPolicy);
  if (patch.models !== undefined) next.models = patch.models;
  return next;
}

export function dashboardAdminRoutes(
  deps: { store: Store; auth: Auth },
  guard: (fn: Handler) => Route,
  parse: Parse,
  publicKey: (r: ApiKeyRecord) => Omit<ApiKeyRecord, 'hash'>,
): RouteTable {
  const routes: RouteTable = new Map();
  routes.set(
    'GET /admin/timeseries',
    guard(async (_g, ctx) => {
      const window = seriesWindow(query(ctx), 3_600_000);
      sendJson(ctx.res, 200, { object: 'timeseries', ...(await deps.store.requestLog.series(window)) });
    }),
  );
  routes.set(
    'GET /admin/providers',
    guard(async (g, ctx) => sendJson(ctx.res, 200, providersView(g))),
  );
  routes.set(
    'GET /admin/cost',
    guard(async (g, ctx) => {
      const q = query(ctx);
      // Whole UTC days, so "by day" has whole days and the daily volume is per day.
      const byDay = seriesWindow(new URLSearchParams({ since: q.get('since') ?? '30d', bucket: '1d' }), 30 * DAY_MS);
      const summary = await deps.store.requestLog.summary(byDay.since);
      const series = await deps.store.requestLog.series(byDay);
      const days = Math.max((Date.parse(byDay.until) - Date.parse(byDay.since)) / DAY_MS, 1 / 24);
      const keys = await deps.store.keys.list();
      sendJson(ctx.res, 200, {
        object: 'cost',
        since: byDay.since,
        until: byDay.until,
        totals: summary.totals,
        byDay: series.buckets.map((b) => ({
          day: b.start.slice(0, 10),
          costUsd: b.costUsd,
          requests: b.requests,
          byLocation: Object.fromEntries(Object.entries(b.byLocation).map(([k, v]) => [k || 'none', v.costUsd])),
        })),
        byModel: summary.byDeployment,
        byTenant: summary.byTenant,
        byLocation: summary.byLocation,
        counterfactual: counterfactual(g, summary),
        breakeven: breakevenView(g, summary, days),
        budgets: await budgetsView(g, deps.store, keys, summary.byTenant.map((t) => t.key).filter(Boolean)),
      });
    }),
  );
  routes.set(
    'PATCH /admin/keys',
    guard(async (g, ctx) => {
      const patch = await parse(ctx, patchKeySchema, g.config.server.bodyLimitBytes);
      const rec = await findKeyById(deps.store, patch.id);
      if (rec.revokedAt) throw new InvalidRequestError(`API key '${patch.id}' is revoked; create a new key instead.`, 'id', 'key_revoked');
      const next = applyPatch(rec, patch);
      await deps.store.keys.update(next);
      const { id: _id, ...changed } = patch;
      await deps.store.audit.append({
        time: new Date().toISOString(),
        actor: 'admin-api',
        action: 'key.updated',
        target: rec.id,
        details: changed,
      });
      deps.auth.forget(rec.hash); // the new limits apply from the next request on this replica (others within the auth cache time)
      sendJson(ctx.res, 200, publicKey(next));
    }),
  );
  return routes;
}
