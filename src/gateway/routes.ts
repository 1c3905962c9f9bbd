/** The route table: every HTTP endpoint the gateway serves, in one place. */
import { parseChatRequest } from '../api/schemas.js';
import { errorToAnthropic } from '../providers/anthropic/inbound.js';
import type { Route, RouteTable } from '../server/app.js';
import { readJsonBody, sendJson } from '../server/http-util.js';
import { handleMessages } from './anthropic-wire.js';
import { chatSubject, handleChat } from './chat.js';
import { assertModelAllowed } from './context.js';
import { requestFacts } from './pipeline.js';
import { handleEmbeddings } from './embeddings.js';
import { handleTranscriptions, handleTranslations } from './audio.js';
import { handleFeedback } from './prompt-routes.js';
import { handleSearch } from './rag-routes.js';
import * as ollama from './ollama-wire.js';
import { handleDeleteResponse, handleGetResponse, handleListInputItems } from './responses-store.js';
import { handleResponses } from './responses-wire.js';
import type { GatewayServices } from './services.js';

export function coreRoutes(state: { ready: () => boolean }): RouteTable {
  return new Map<string, Route>([
    ['POST /v1/chat/completions', { handler: handleChat, access: 'key' }],
    // Anthropic clients parse Anthropic's error envelope, also for auth and content-type failures.
    ['POST /v1/messages', { handler: handleMessages, access: 'key', errorFormat: (e) => ({ type: 'error', error: errorToAnthropic(e) }) }],
    ['POST /v1/responses', { handler: handleResponses, access: 'key' }],
    ['GET /v1/responses/{id}', { handler: handleGetResponse, access: 'key' }],
    ['DELETE /v1/responses/{id}', { handler: handleDeleteResponse, access: 'key' }],
    ['GET /v1/responses/{id}/input_items', { handler: handleListInputItems, access: 'key' }],
    ['POST /v1/embeddings', { handler: handleEmbeddings, access: 'key' }],
    ['POST /v1/audio/transcriptions', { handler: handleTranscriptions, access: 'key', body: 'multipart' }],
    ['POST /v1/audio/translations', { handler: handleTranslations, access: 'key', body: 'multipart' }],
    [
      'GET /v1/models',
      { handler: (g, ctx) => sendJson(ctx.res, 200, { object: 'list', data: g.catalog.listModels(startedAt) }), access: 'key' },
    ],
    ['POST /v1/route/explain', { handler: explain, access: 'key' }],
    ['POST /v1/feedback', { handler: handleFeedback, access: 'key' }],
    // Retrieval (docs/rag.md): any key searches; the master key writes collections (rag-routes.ts
    // ragAdminRoutes, registered with the admin API, which holds the master key).
    ['POST /v1/rag/search', { handler: handleSearch, access: 'key' }],
    // Ollama's native API (docs/ollama-api.md); Ollama clients read `{"error": "..."}` bodies.
    ['POST /api/chat', { handler: ollama.handleOllamaChat, access: 'key', errorFormat: ollama.ollamaErrorFormat }],
    ['POST /api/generate', { handler: ollama.handleOllamaGenerate, access: 'key', errorFormat: ollama.ollamaErrorFormat }],
    ['POST /api/embed', { handler: ollama.handleOllamaEmbed, access: 'key', errorFormat: ollama.ollamaErrorFormat }],
    ['POST /api/embeddings', { handler: ollama.handleOllamaLegacyEmbeddings, access: 'key', errorFormat: ollama.ollamaErrorFormat }],
    ['GET /api/tags', { handler: ollama.handleOllamaTags, access: 'key', errorFormat: ollama.ollamaErrorFormat }],
    ['POST /api/show', { handler: ollama.handleOllamaShow, access: 'key', errorFormat: ollama.ollamaErrorFormat }],
    // Public, as Ollama's: clients probe it to recognise a server before sending any key.
    ['GET /api/version', { handler: ollama.handleOllamaVersion, access: 'public', errorFormat: ollama.ollamaErrorFormat }],
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
