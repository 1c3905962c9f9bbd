/**
 * The admin API, protected by the master key (`MERIDIAN_MASTER_KEY` or `auth.masterKeyFile`):
 * keys (create, list, revoke, rotate; edit limits in ./dashboard-routes.ts), the request log (filtered by tenant, alias, location, status,
 * episode) and the feedback on one request, the audit log, prompts and the feedback summary
 * (./prompt-routes.ts), and Prometheus metrics.
 */
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AuthenticationError, ConfigError, InvalidRequestError, MeridianError, PermissionDeniedError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { Route, RouteTable } from '../server/app.js';
import { readJsonBody, sendJson } from '../server/http-util.js';
import { parseTimeOrDuration, TIME_ARG_HINT } from '../store/time-arg.js';
import { createApiKey, revokeApiKey, rotateApiKey } from '../store/keys.js';
import type { ApiKeyRecord, Store } from '../store/types.js';
import type { Auth } from './auth.js';
import type { RequestContext } from './context.js';
import { experimentAdminRoutes } from './experiment-routes.js';
import { dashboardAdminRoutes } from './dashboard-routes.js';
import { promptAdminRoutes } from './prompt-routes.js';
import { ragAdminRoutes } from './rag-routes.js';
import { explain } from './routes.js';
import type { GatewayServices } from './services.js';

const newKeySchema = z
  .object({
    tenant: z.string().min(1),
    name: z.string().optional(),
    models: z.array(z.string()).optional(),
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    budget: z
      .object({
        usd: z.number().positive().optional(),
        tokens: z.number().int().positive().optional(),
        period: z.enum(['day', 'month']),
        mode: z.enum(['hard', 'soft', 'downgrade']).optional(),
      })
      .optional(),
    dataPolicy: z.enum(['local-only', 'any']).optional(),
  })
  .strict();

const idSchema = z.object({ id: z.string().min(1) }).strict();

export function adminRoutes(deps: { store: Store; auth: Auth; metrics: Metrics; masterKey: string | undefined }): RouteTable {
  const routes: RouteTable = new Map();
  const guard = (fn: (g: GatewayServices, ctx: RequestContext) => Promise<void>): Route => ({
    access: 'master',
    handler: async (g, ctx) => {
      requireMaster(ctx, deps.masterKey);
      await fn(g, ctx);
    },
  });
  const parse = async <T>(ctx: RequestContext, schema: z.ZodType<T>, limit: number): Promise<T> => {
    const r = schema.safeParse(await readJsonBody(ctx.req, limit));
    if (!r.success) {
      const i = r.error.issues[0]!;
      // zod names an unknown field in its message: an error body must not quote what the client sent.
      const message = i.code === 'unrecognized_keys' ? 'unknown field (see the admin API docs for the accepted ones)' : i.message;
      throw new InvalidRequestError(`Invalid '${i.path.join('.')}': ${message}`, i.path.join('.') || null);
    }
    return r.data;
  };

  routes.set(
    'POST /admin/keys',
    guard(async (g, ctx) => {
      const settings = await parse(ctx, newKeySchema, g.config.server.bodyLimitBytes);
      const created = await createApiKey(deps.store, settings, 'admin-api');
      await deps.auth.keysChanged();
      sendJson(ctx.res, 201, { key: created.key, ...publicKey(created.record) });
    }),
  );
  routes.set(
    'GET /admin/keys',
    guard(async (_g, ctx) => sendJson(ctx.res, 200, { object: 'list', data: (await deps.store.keys.list()).map(publicKey) })),
  );
  routes.set(
    'POST /admin/keys/revoke',
    guard(async (g, ctx) => {
      const { id } = await parse(ctx, idSchema, g.config.server.bodyLimitBytes);
      const revoked = await revokeApiKey(deps.store, id, 'admin-api');
      await deps.auth.keysChanged();
      sendJson(ctx.res, 200, { id, revoked });
    }),
  );
  routes.set(
    'POST /admin/keys/rotate',
    guard(async (g, ctx) => {
      const { id } = await parse(ctx, idSchema, g.config.server.bodyLimitBytes);
      const created = await rotateApiKey(deps.store, id, 'admin-api');
      await deps.auth.keysChanged();
      sendJson(ctx.res, 201, { key: created.key, ...publicKey(created.record) });
    }),
  );
  routes.set(
    'GET /admin/requests',
    guard(async (_g, ctx) => {
      const q = new URL(ctx.req.url ?? '/', 'http://x').searchParams;
      const status = q.get('status');
      const limit = q.get('limit');
      const filter = {
        ...(q.get('since') ? { since: timeParam(q.get('since')!, 'since') } : {}),
        ...(q.get('until') ? { until: timeParam(q.get('until')!, 'until') } : {}),
        ...(q.get('tenant') ? { tenant: q.get('tenant')! } : {}),
        ...(q.get('alias') ? { alias: q.get('alias')! } : {}),
        ...(q.get('location') ? { location: q.get('location')! } : {}),
        ...(q.get('episode') ? { episode: q.get('episode')! } : {}),
        ...(status ? { status: intParam(status, 'status') } : {}),
        limit: limit ? Math.min(intParam(limit, 'limit'), 10_000) : 100,
      };
      await deps.store.requestLog.flush();
      sendJson(ctx.res, 200, { object: 'list', data: await deps.store.requestLog.query(filter) });
    }),
  );
  // The dashboard's request detail: the feedback given on one request (POST /v1/feedback), oldest first.
  routes.set(
    'GET /admin/feedback',
    guard(async (_g, ctx) => {
      const id = new URL(ctx.req.url ?? '/', 'http://x').searchParams.get('request_id');
      if (!id) throw new InvalidRequestError("Query parameter 'request_id' is required.", 'request_id');
      if (id.length > 200) throw new InvalidRequestError("Query parameter 'request_id' is at most 200 characters.", 'request_id');
      sendJson(ctx.res, 200, { object: 'list', request_id: id, data: await deps.store.feedback.forRequest(id) });
    }),
  );
  routes.set(
    'GET /admin/summary',
    guard(async (_g, ctx) => {
      const since = new URL(ctx.req.url ?? '/', 'http://x').searchParams.get('since');
      sendJson(ctx.res, 200, { object: 'summary', ...(await deps.store.requestLog.summary(sinceParam(since))) });
    }),
  );
  // The dashboard's explain box: the master key is not a virtual key, so the plan is for a request without a tenant.
  routes.set('POST /admin/route/explain', guard(explain));
  routes.set(
    'POST /admin/reload',
    guard(async (g, ctx) => {
      if (!g.reloadConfig)
        throw new MeridianError(
          409,
          'invalid_request_error',
          'reload_unavailable',
          'This gateway was started without a config file: there is nothing to reload.',
        );
      try {
        sendJson(ctx.res, 200, { reloaded: true, ...(await g.reloadConfig('admin-api')) });
      } catch (err) {
        if (err instanceof ConfigError)
          throw new InvalidRequestError(`The config was not reloaded: ${err.message}`, null, 'invalid_config');
        throw err;
      }
    }),
  );
  routes.set(
    'GET /admin/audit',
    guard(async (_g, ctx) => sendJson(ctx.res, 200, { object: 'list', data: await deps.store.audit.list(200) })),
  );
  for (const [path, route] of promptAdminRoutes(deps.store, guard, parse)) routes.set(path, route);
  for (const [path, route] of ragAdminRoutes(guard)) routes.set(path, route);
  for (const [path, route] of experimentAdminRoutes(deps.store, guard)) routes.set(path, route);
  // The dashboard's views: over time, providers, cost and budgets, editing a key's limits.
  for (const [path, route] of dashboardAdminRoutes(deps, guard, parse, publicKey)) routes.set(path, route);
  routes.set('GET /metrics', {
    access: 'public',
    handler: async (_g, ctx) => {
      const body = await deps.metrics.exposition();
      ctx.res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
      ctx.res.end(body);
    },
  });
  return routes;
}

function publicKey(r: ApiKeyRecord): Omit<ApiKeyRecord, 'hash'> {
  const { hash: _h, ...rest } = r;
  return rest;
}

function intParam(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidRequestError(`Query parameter '${name}' must be a non-negative integer.`, name);
  return n;
}

/** `since`: a duration ago (`15m`, `24h`, `7d`) or an ISO time; the last 24 hours when absent. */
function sinceParam(v: string | null): string {
  return v ? timeParam(v, 'since') : new Date(Date.now() - 86_400_000).toISOString();
}

/** A time query parameter through the parser the CLI uses (`meridian logs --since`). */
function timeParam(v: string, name: 'since' | 'until'): string {
  const iso = parseTimeOrDuration(v);
  if (iso === undefined)
    // The value is not echoed: an error body must not quote what the client sent (it may be anything).
    throw new InvalidRequestError(`Query parameter '${name}' must be ${TIME_ARG_HINT}.`, name);
  return iso;
}

function requireMaster(ctx: RequestContext, masterKey: string | undefined): void {
  if (!masterKey) {
    throw new PermissionDeniedError(
      'The admin API is disabled: set MERIDIAN_MASTER_KEY (or auth.masterKeyFile) and restart.',
      'admin_disabled',
    );
  }
  const h = ctx.req.headers.authorization ?? '';
  const given = Buffer.from(h.toLowerCase().startsWith('bearer ') ? h.slice(7).trim() : '');
  const want = Buffer.from(masterKey);
  if (given.length !== want.length || !timingSafeEqual(given, want)) {
    throw new AuthenticationError(
      'The admin API needs the master key: "Authorization: Bearer <MERIDIAN_MASTER_KEY>".',
      'invalid_master_key',
    );
  }
}
