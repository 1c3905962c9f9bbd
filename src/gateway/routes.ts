/** The route table: every HTTP endpoint the gateway serves, in one place. */
import { parseChatRequest } from '../api/schemas.js';
import type { RouteTable } from '../server/app.js';
import { readJsonBody, sendJson } from '../server/http-util.js';
import { handleMessages } from './anthropic-wire.js';
import { handleChat, requestFacts } from './chat.js';
import { handleEmbeddings } from './embeddings.js';
import type { GatewayServices } from './services.js';

export function coreRoutes(state: { ready: () => boolean }): RouteTable {
  const routes: RouteTable = new Map();
  routes.set('POST /v1/chat/completions', handleChat);
  routes.set('POST /v1/messages', handleMessages);
  routes.set('POST /v1/embeddings', handleEmbeddings);
  routes.set('GET /v1/models', (g, ctx) => {
    sendJson(ctx.res, 200, { object: 'list', data: g.catalog.listModels(startedAt) });
  });
  routes.set('GET /healthz', (_g, ctx) => sendJson(ctx.res, 200, { status: 'ok' }));
  routes.set('GET /readyz', (_g, ctx) => {
    const ready = state.ready();
    sendJson(ctx.res, ready ? 200 : 503, { status: ready ? 'ready' : 'starting' });
  });
  routes.set('POST /v1/route/explain', explain);
  return routes;
}

const startedAt = Math.floor(Date.now() / 1000);

/** Answers "where would this run and why" without running it (also `POST /admin/route/explain`, with no tenant). */
export async function explain(g: GatewayServices, ctx: Parameters<typeof handleChat>[1]): Promise<void> {
  const request = parseChatRequest(await readJsonBody(ctx.req, g.config.server.bodyLimitBytes));
  const resolved = g.catalog.resolve(request.model);
  const inspection = await g.guard?.inspect(request, ctx.signal);
  const facts = requestFacts(ctx, request, resolved.alias, g.meter.estimatePromptTokens(request), inspection);
  sendJson(ctx.res, 200, { facts, ...g.router.explain(facts, resolved.deployments, resolved.strategy) });
}
