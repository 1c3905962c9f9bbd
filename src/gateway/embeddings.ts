/**
 * POST /v1/embeddings: parse → admit (the shared pipeline: guard, limits, budgets, plan) → first
 * deployment that answers. Another wire format (Ollama's /api/embed) supplies its own parse and
 * answer shape through `EmbeddingsWire` and runs the same pipeline.
 */
import { parseEmbeddingsRequest } from '../api/schemas.js';
import type { ChatRequest, EmbeddingsRequest, EmbeddingsResponse } from '../api/types.js';
import { InvalidRequestError } from '../errors.js';
import { formatPiiHeader } from '../guard/index.js';
import { readJsonBody, sendError, sendJson } from '../server/http-util.js';
import type { RequestContext } from './context.js';
import { formatRouteHeader } from '../router/index.js';
import { formatUsd } from './headers.js';
import { recordCost } from './metering.js';
import { admit, runPipeline, traced, type ErrorWire, type Pending, type Subject } from './pipeline.js';
import type { GatewayServices } from './services.js';

/** How a client speaks embeddings: its body → the canonical request, the canonical answer → its body. */
export interface EmbeddingsWire extends ErrorWire {
  parse(body: unknown): EmbeddingsRequest;
  answer(response: EmbeddingsResponse, request: EmbeddingsRequest): unknown;
}

const openaiEmbeddingsWire: EmbeddingsWire = {
  parse: parseEmbeddingsRequest,
  answer: (response, request) => (request.encoding_format === 'base64' ? toBase64Embeddings(response) : response),
  sendError,
};

export function handleEmbeddings(g: GatewayServices, ctx: RequestContext): Promise<void> {
  return handleEmbeddingsWire(g, ctx, openaiEmbeddingsWire);
}

export async function handleEmbeddingsWire(g: GatewayServices, ctx: RequestContext, wire: EmbeddingsWire): Promise<void> {
  const request = wire.parse(await readJsonBody(ctx.req, g.config.server.bodyLimitBytes));
  await runPipeline(g, ctx, wire, { kind: 'embeddings', model: request.model, stream: false }, (pending) =>
    serveEmbeddings(g, ctx, pending, request, wire),
  );
}

/**
 * How the pipeline sees an embeddings request: text inputs as user messages, so the guard can
 * block, keep local, or send placeholders to a cloud embedding API (the vector then encodes the
 * placeholder, not the value). Token-id inputs carry no text to inspect.
 */
function embeddingsSubject(request: EmbeddingsRequest): Subject {
  const texts = typeof request.input === 'string' ? [request.input] : request.input;
  const textual = texts.every((t): t is string => typeof t === 'string');
  const view: ChatRequest = {
    model: request.model,
    messages: textual ? texts.map((t) => ({ role: 'user' as const, content: t })) : [],
  };
  const tokens = texts.reduce<number>((n, t) => n + (typeof t === 'string' ? Math.ceil(t.length / 4) : Array.isArray(t) ? t.length : 1), 0);
  return { kind: 'embeddings', model: request.model, view, inspectable: textual, estimatedPromptTokens: tokens, expectedOutputTokens: 0 };
}

async function serveEmbeddings(
  g: GatewayServices,
  ctx: RequestContext,
  pending: Pending,
  request: EmbeddingsRequest,
  wire: EmbeddingsWire,
): Promise<void> {
  const { entry } = pending;
  const subject = embeddingsSubject(request);
  const { plan, inspection } = await admit(g, ctx, pending, subject);
  const result = await g.router.execute(
    plan,
    traced(pending, async (d, signal) => {
      if (!d.provider.adapter.embed) throw new InvalidRequestError(`Provider type '${d.provider.type}' has no embeddings API.`, 'model');
      let input = request.input;
      if (inspection?.action === 'pseudonymize' && d.location === 'cloud') {
        const replaced = g.guard!.pseudonymize(subject.view, inspection).request.messages.map((m) => m.content as string);
        input = typeof request.input === 'string' ? replaced[0]! : replaced;
      }
      return d.provider.adapter.embed({ request: { ...request, input, model: d.model }, deployment: d, signal });
    }),
    ctx.signal,
  );
  // The vectors were read to their end: nothing upstream is left to cancel.
  result.release({ ok: true, settled: true });
  const d = result.deployment;
  const reported = result.value.usage;
  const promptTokens = reported?.prompt_tokens ?? subject.estimatedPromptTokens;
  const cost = g.meter.costOfEmbedding(d, { prompt_tokens: promptTokens });
  entry.promptTokens = promptTokens;
  entry.completionTokens = 0;
  recordCost(entry, cost, reported === undefined);
  Object.assign(entry, { deployment: d.id, location: d.location, routeReason: result.reason, status: 200 });
  entry.attempts = [...entry.attempts, ...result.attempts];
  g.metrics?.routeDecision(plan.alias, d.id, result.reason);
  sendJson(ctx.res, 200, wire.answer(result.value, request), {
    'x-meridian-route': formatRouteHeader({ deployment: d, reason: result.reason, strategy: plan.strategy }),
    'x-meridian-cost-usd': formatUsd(cost.usd),
    ...(entry.pii ? { 'x-meridian-pii': formatPiiHeader(entry.pii) } : {}),
  });
}

/**
 * OpenAI's base64 encoding is the little-endian float32 bytes of the vector; adapters whose
 * upstream only returns floats are converted here so every provider honours `encoding_format`.
 */
function toBase64Embeddings(res: EmbeddingsResponse): EmbeddingsResponse {
  return {
    ...res,
    data: res.data.map((e) =>
      typeof e.embedding === 'string' ? e : { ...e, embedding: Buffer.from(new Float32Array(e.embedding).buffer).toString('base64') },
    ),
  };
}
