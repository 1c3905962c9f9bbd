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
import type { Route, RouteTable } from '../server/app.js';
import { sendJson } from '../server/http-util.js';
import { findKeyById } from '../store/keys.js';
import { MAX_SERIES_BUCKETS } from '../store/log-series.js';
import { parseTimeOrDuration, TIME_ARG_HINT } from '../store/time-arg.js';
import type { ApiKeyRecord, Store } from '../store/types.js';
import type { Auth } from './auth.js';
import type { RequestContext } from './context.js';
import type { GatewayServices } from './services.js';
import { breakevenView, budgetsView, counterfactual } from './dashboard-cost.js';

type Handler = (g: GatewayServices, ctx: RequestContext) => Promise<void>;
type Parse = <T>(ctx: RequestContext, schema: z.ZodType<T>, limit: number) => Promise<T>;

const DAY_MS = 86_400_000;
/** Bucket sizes chosen when the client names none: the smallest giving at most `AUTO_BUCKETS` buckets. */
const NICE_BUCKETS_MS = [10e3, 30e3, 60e3, 300e3, 900e3, 1800e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, DAY_MS];
const AUTO_BUCKETS = 120;
const BUCKET_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };

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
      await deps.auth.keysChanged(); // the new limits apply from the next request, on every replica and worker
      sendJson(ctx.res, 200, publicKey(next));
    }),
  );
  return routes;
}
