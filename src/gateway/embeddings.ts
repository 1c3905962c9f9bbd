/** POST /v1/embeddings: resolve → plan (embeddings capability) → first deployment that answers. */
import { parseEmbeddingsRequest } from '../api/schemas.js';
import type { ChatRequest, EmbeddingsResponse } from '../api/types.js';
import { InvalidRequestError, PolicyDeniedError, toMeridianError } from '../errors.js';
import type { AttemptRecord } from '../router/types.js';
import type { RequestLogEntry } from '../store/types.js';
import { readJsonBody, sendJson, sendError } from '../server/http-util.js';
import { assertModelAllowed, collectTags, type RequestContext } from './context.js';
import { formatPiiHeader, formatUsd, routeHeader } from './headers.js';
import type { GatewayServices } from './services.js';

export async function handleEmbeddings(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const request = parseEmbeddingsRequest(await readJsonBody(ctx.req, g.config.server.bodyLimitBytes));
  const entry: RequestLogEntry = {
    id: ctx.requestId,
    time: ctx.time,
    tenant: ctx.principal.tenant,
    keyId: ctx.principal.keyId,
    kind: 'embeddings',
    alias: request.model,
    attempts: [],
    status: 0,
    stream: false,
    latencyMs: 0,
  };
  try {
    assertModelAllowed(ctx.principal, request.model);
    const resolved = g.catalog.resolve(request.model);
    const texts = typeof request.input === 'string' ? [request.input] : request.input;
    // Text inputs go through the privacy guard like chat messages: block, keep local, or send
    // placeholders to a cloud embedding API (the vector then encodes the placeholder, not the value).
    const textual = texts.every((t): t is string => typeof t === 'string') ? (texts as string[]) : undefined;
    const asChat: ChatRequest | undefined = textual && {
      model: request.model,
      messages: textual.map((t) => ({ role: 'user', content: t })),
    };
    const inspection = asChat && (await g.guard?.inspect(asChat, ctx.signal));
    if (inspection && Object.keys(inspection.counts).length) entry.pii = inspection.counts;
    if (inspection?.action === 'block') {
      throw new PolicyDeniedError(
        `Request blocked by the privacy policy: it contains ${Object.keys(inspection.counts).join(', ')}.`,
        'pii_blocked',
      );
    }
    const tokens = texts.reduce<number>(
      (n, t) => n + (typeof t === 'string' ? Math.ceil(t.length / 4) : Array.isArray(t) ? t.length : 1),
      0,
    );
    await g.auth?.admit(ctx.principal, tokens);
    const plan = g.router.plan(
      {
        kind: 'embeddings',
        alias: resolved.alias,
        ...(ctx.principal.tenant ? { tenant: ctx.principal.tenant } : {}),
        tags: collectTags(ctx.req.headers['x-meridian-tags'], undefined),
        pii: inspection?.counts ?? {},
        ...(inspection ? { guardAction: inspection.action } : {}),
        ...(ctx.principal.dataPolicy ? { dataPolicy: ctx.principal.dataPolicy } : {}),
        hasTools: false,
        hasImages: false,
        estimatedPromptTokens: tokens,
        responseFormat: 'text',
        stream: false,
      },
      resolved.deployments,
      resolved.strategy,
    );
    const result = await g.router.execute(
      plan,
      async (d, signal) => {
        if (!d.provider.adapter.embed) throw new InvalidRequestError(`Provider type '${d.provider.type}' has no embeddings API.`, 'model');
        let input = request.input;
        if (asChat && inspection?.action === 'pseudonymize' && d.location === 'cloud') {
          const replaced = g.guard!.pseudonymize(asChat, inspection).request.messages.map((m) => m.content as string);
          input = typeof request.input === 'string' ? replaced[0]! : replaced;
        }
        return d.provider.adapter.embed({ request: { ...request, input, model: d.model }, deployment: d, signal });
      },
      ctx.signal,
    );
    result.release({ ok: true });
    const d = result.deployment;
    const usage = result.value.usage ?? { prompt_tokens: tokens, total_tokens: tokens };
    const cost = g.meter.costOf(d, { prompt_tokens: usage.prompt_tokens, completion_tokens: 0, total_tokens: usage.prompt_tokens });
    Object.assign(entry, {
      deployment: d.id,
      location: d.location,
      routeReason: result.reason,
      attempts: result.attempts,
      promptTokens: usage.prompt_tokens,
      completionTokens: 0,
      tokensEstimated: result.value.usage === undefined,
      costUsd: cost.usd,
      status: 200,
    });
    sendJson(ctx.res, 200, request.encoding_format === 'base64' ? toBase64Embeddings(result.value) : result.value, {
      'x-request-id': ctx.requestId,
      'x-meridian-route': routeHeader(d.id, result.reason, plan.strategy),
      'x-meridian-cost-usd': formatUsd(cost.usd),
      ...(entry.pii ? { 'x-meridian-pii': formatPiiHeader(entry.pii) } : {}),
    });
  } catch (err) {
    const e = toMeridianError(err);
    entry.status = e.status;
    entry.errorCode = e.code;
    const attempts = (err as { attempts?: AttemptRecord[] }).attempts;
    if (attempts) entry.attempts = attempts;
    sendError(ctx.res, e);
  } finally {
    entry.latencyMs = Math.round((performance.now() - ctx.start) * 100) / 100;
    if (g.config.log.requests) g.store?.requestLog.append(entry);
    g.metrics?.observe(entry);
  }
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
