/**
 * The route table: every HTTP endpoint the gateway serves, in one place. Chat completions,
 * embeddings and the probes load with the table; the other endpoints load their module on first
 * use (./lazy-handler.ts).
 */
import { ollamaErrorFormat } from '../api/ollama/response.js';
import { parseChatRequest } from '../api/schemas.js';
import { errorToAnthropic } from '../providers/anthropic/inbound-error.js';
import type { Route, RouteTable } from '../server/app.js';
import { readJsonBody, sendJson } from '../server/http-util.js';
import { chatSubject, handleChat } from './chat.js';
import { assertModelAllowed } from './context.js';
import { requestFacts } from './pipeline.js';
import { handleEmbeddings } from './embeddings.js';
import { lazyHandler } from './lazy-handler.js';
import type { GatewayServices } from './services.js';

const anthropic = () => import('./anthropic-wire.js');
const audio = () => import('./audio.js');
const feedback = () => import('./prompt-routes.js');
const rag = () => import('./rag-routes.js');
const ollama = () => import('./ollama-wire.js');
const stored = () => import('./responses-store.js');
const responses = () => import('./responses-wire.js');
/** An Ollama route: Ollama clients read `{"error": "..."}` bodies. */
const ollamaRoute = (pick: (m: Awaited<ReturnType<typeof ollama>>) => Route['handler'], access: Route['access'] = 'key'): Route => ({
  handler: lazyHandler(ollama, pick),
  access,
  errorFormat: ollamaErrorFormat,
});

export function coreRoutes(state: { ready: () => boolean }): RouteTable {
  return new Map<string, Route>([
    ['POST /v1/chat/completions', { handler: handleChat, access: 'key' }],
    // Anthropic clients parse Anthropic's error envelope, also for auth and content-type failures.
    [
      'POST /v1/messages',
      {
        handler: lazyHandler(anthropic, (m) => m.handleMessages),
        access: 'key',
        errorFormat: (e) => ({ type: 'error', error: errorToAnthropic(e) }),
      },
    ],
    ['POST /v1/responses', { handler: lazyHandler(responses, (m) => m.handleResponses), access: 'key' }],
    ['GET /v1/responses/{id}', { handler: lazyHandler(stored, (m) => m.handleGetResponse), access: 'key' }],
    ['DELETE /v1/responses/{id}', { handler: lazyHandler(stored, (m) => m.handleDeleteResponse), access: 'key' }],
    ['GET /v1/responses/{id}/input_items', { handler: lazyHandler(stored, (m) => m.handleListInputItems), access: 'key' }],
    ['POST /v1/embeddings', { handler: handleEmbeddings, access: 'key' }],
    ['POST /v1/audio/transcriptions', { handler: lazyHandler(audio, (m) => m.handleTranscriptions), access: 'key', body: 'multipart' }],
    ['POST /v1/audio/translations', { handler: lazyHandler(audio, (m) => m.handleTranslations), access: 'key', body: 'multipart' }],
    [
      'GET /v1/models',
      { handler: (g, ctx) => sendJson(ctx.res, 200, { object: 'list', data: g.catalog.listModels(startedAt) }), access: 'key' },
    ],
    ['POST /v1/route/explain', { handler: explain, access: 'key' }],
    ['POST /v1/feedback', { handler: lazyHandler(feedback, (m) => m.handleFeedback), access: 'key' }],
    // Retrieval (docs/rag.md): any key searches; the master key writes collections (rag-routes.ts
    // ragAdminRoutes, registered with the admin API, which holds the master key).
    ['POST /v1/rag/search', { handler: lazyHandler(rag, (m) => m.handleSearch), access: 'key' }],
    // Ollama's native API (docs/ollama-api.md).
    ['POST /api/chat', ollamaRoute((m) => m.handleOllamaChat)],
    ['POST /api/generate', ollamaRoute((m) => m.handleOllamaGenerate)],
    ['POST /api/embed', ollamaRoute((m) => m.handleOllamaEmbed)],
    ['POST /api/embeddings', ollamaRoute((m) => m.handleOllamaLegacyEmbeddings)],
    ['GET /api/tags', ollamaRoute((m) => m.handleOllamaTags)],
    ['POST /api/show', ollamaRoute((m) => m.handleOllamaShow)],
    // Public, as Ollama's: clients probe it to recognise a server before sending any key.
    ['GET /api/version', ollamaRoute((m) => m.handleOllamaVersion, 'public')],
    ['GET /healthz', { handler: (_g, ctx) => sendJson(ctx.res, 200, { status: 'ok' }), access: 'public' }],
    [
      'GET /readyz',
      {
        handler: (g, ctx) => {
          const up = state.ready();
          // A replica whose store is unreachable must leave the load balancer's rotation (fail closed).
          const store = g.store?.health();
          const ready = up && (store?.ready ?? true);
          sendJson(ctx.res, ready ? 200 : 503, {
            status: ready ? 'ready' : up ? 'store_unavailable' : 'starting',
            ...(store && !store.ready && store.reason ? { reason: store.reason } : {}),
          });
        },
        access: 'public',
      },
    ],
  ]);
}

const startedAt = Math.floor(Date.now() / 1000);

/** Answers "where would this run and why" without running it (also `POST /admin/route/explain`, with no tenant). */
export async function explain(g: GatewayServices, ctx: Parameters<typeof handleChat>[1]): Promise<void> {
  const request = parseChatRequest(await readJsonBody(ctx.req, g.config.server.bodyLimitBytes));
  // A key limited to some aliases may not see how others would be routed.
  assertModelAllowed(ctx.principal, request.model);
  const resolved = g.catalog.resolve(request.model);
  const subject = chatSubject(g, request);
  const inspection = await g.guard?.inspect(request, ctx.signal);
  const facts = requestFacts(ctx, subject, resolved.alias, inspection);
  sendJson(ctx.res, 200, { facts, ...g.router.explain(facts, resolved.deployments, resolved.strategy) });
}
