/**
 * A chat request, whatever its wire format: parse → admit (pipeline.ts) → execute the plan's
 * attempts (pseudonymize before cloud, restore after) → meter → respond. `wire` says how the
 * client speaks (OpenAI at /v1/chat/completions, Anthropic at /v1/messages).
 */
import { prepend } from '../util/iterators.js';
import type { ChatRequest, ChatResponse, RelayEvent, StreamEvent, Usage } from '../api/types.js';
import type { Restorer } from '../guard/index.js';
import { formatPiiHeader } from '../guard/index.js';
import type { ChatResult } from '../providers/spec.js';
import { readJsonBody } from '../server/http-util.js';
import { promptRequestOf, resolvePromptedBody } from '../prompts/index.js';
import type { RequestContext } from './context.js';
import { assignExperiment, preferVariant, withVariantPrompt, type Assignment } from './experiment.js';
import { formatRouteHeader } from '../router/index.js';
import { formatUsd } from './headers.js';
import { cacheBypassed, cacheStep, serveHit } from './cache-step.js';
import { account, countUsage, meterStream, responseText, type StreamMeter } from './metering.js';
import type { NativeCommitted } from './native-attempt.js';
import { admit, round, runPipeline, traced, type Pending, type Subject } from './pipeline.js';
import type { GatewayServices } from './services.js';
import { applyRag, takeRag, type RetrievedSource } from './rag-step.js';
import { openaiWire, type ChatWire } from './wire.js';

type Committed =
  | { type: 'response'; response: ChatResponse; raw?: Buffer }
  | { type: 'stream'; events: AsyncIterable<StreamEvent>; ttftMs: number }
  | { type: 'relay'; events: AsyncIterable<RelayEvent>; ttftMs: number }
  | NativeCommitted;

/** POST /v1/chat/completions */
export function handleChat(g: GatewayServices, ctx: RequestContext): Promise<void> {
  return handleChatWire(g, ctx, openaiWire);
}

export function handleChatWire(g: GatewayServices, ctx: RequestContext, wire: ChatWire): Promise<void> {
  // `then`, not an async function returning the handler's promise (three microtask turns more per request).
  return readJsonBody(ctx.req, g.config.server.bodyLimitBytes).then((body) => handleChatBody(g, ctx, wire, body));
}

/**
 * The same, with the JSON body already read (the Responses API looks up `previous_response_id` and
 * its own `prompt` first; `promptVersion` is the version such a wire applied).
 */
export async function handleChatBody(
  g: GatewayServices,
  ctx: RequestContext,
  wire: ChatWire,
  body: unknown,
  promptVersion?: string,
): Promise<void> {
  // An alias running an experiment: the variant is drawn first, since it may choose the prompt.
  const assigned = assignExperiment(g, ctx, body);
  if (assigned) {
    ctx.res.setHeader('x-meridian-variant', assigned.variant.label);
    if (wire.prompts) body = withVariantPrompt(body as Record<string, unknown>, assigned.variant);
  }
  // A registered prompt becomes an ordinary body here, before validation and admission.
  // (Most bodies name none: the check is synchronous, so they skip the look-up's promise.)
  const prompted = wire.prompts && promptRequestOf(body) ? await resolvePromptedBody(g.store, body, wire.promptShape) : undefined;
  // Retrieved context (docs/rag.md) joins the canonical request here, so the guard sees it before admission.
  const taken = takeRag(prompted?.body ?? body);
  const parsed = wire.parse(taken.body);
  const retrieved = taken.rag === undefined ? undefined : await applyRag(g, ctx, parsed, taken.rag);
  const request = retrieved?.request ?? parsed;
  const version = prompted?.version ?? promptVersion;
  if (version) ctx.res.setHeader('x-meridian-prompt', version);
  const start = {
    kind: 'chat' as const,
    model: request.model,
    stream: request.stream === true,
    promptVersion: version,
    variant: assigned?.variant.label,
  };
  await runPipeline(g, ctx, wire, start, (pending) => serveChat(g, ctx, pending, request, wire, assigned, retrieved?.sources));
}

/** How the pipeline sees a chat request. */
export function chatSubject(g: GatewayServices, request: ChatRequest): Subject {
  return {
    kind: 'chat',
    model: request.model,
    view: request,
    inspectable: true,
    estimatedPromptTokens: g.meter.estimatePromptTokens(request),
    expectedOutputTokens: request.max_completion_tokens ?? request.max_tokens ?? 256,
  };
}

async function serveChat(
  g: GatewayServices,
  ctx: RequestContext,
  pending: Pending,
  request: ChatRequest,
  wire: ChatWire,
  assigned: Assignment | undefined,
  sources: RetrievedSource[] | undefined,
): Promise<void> {
  const { entry } = pending;
  // The answer's own body names what it was grounded on (the header may be cut at 20 ids).
  const bodyFields = sources ? { sources } : undefined;
  const admission = await admit(g, ctx, pending, chatSubject(g, request));
  const { inspection, resolved, facts } = admission;
  // An experiment compares variants: an answer cached from another variant would blur it.
  const step = assigned ? cacheBypassed(g, resolved.alias) : cacheStep(g, ctx, request, { inspection, facts, alias: resolved.alias });
  const cache = step instanceof Promise ? await step : step;
  if (cache.result) entry.cacheHit = false;
  if (cache.hit) return serveHit(g, ctx, pending, request, wire, cache, bodyFields);
  const plan = assigned ? preferVariant(g, ctx, admission.plan, assigned) : admission.plan;

  // Made only when an attempt pseudonymizes (most requests never do).
  let restorers: Map<string, Restorer> | undefined;
  // Content events may pass as bytes when nothing between the upstream and the client reads them.
  const relayable = wire.writeRelay !== undefined && !cache.records && !bodyFields && (request.n ?? 1) <= 1;
  const result = await g.router.execute(
    plan,
    traced(pending, async (d, signal) => {
      // The native path sends the client's own body upstream, which has no retrieved context.
      const native = sources ? undefined : wire.nativeAttempt?.({ g, deployment: d, signal, inspection });
      if (native) return native;
      let upstreamRequest: ChatRequest = { ...request, model: d.model };
      if (inspection?.action === 'pseudonymize' && d.location === 'cloud') {
        const p = g.guard!.pseudonymize(upstreamRequest, inspection);
        upstreamRequest = p.request;
        if (p.restorer.size !== 0) (restorers ??= new Map()).set(d.id, p.restorer);
      }
      const t0 = performance.now();
      const relay = relayable && !restorers?.has(d.id);
      return commit(await d.provider.adapter.chat({ request: upstreamRequest, deployment: d, signal, relay }), t0);
    }),
    ctx.signal,
  );

  const d = result.deployment;
  entry.deployment = d.id;
  entry.location = d.location;
  entry.routeReason = result.reason;
  entry.attempts = entry.attempts.length ? [...entry.attempts, ...result.attempts] : result.attempts;
  g.metrics?.routeDecision(resolved.alias, d.id, result.reason);
  const headers: Record<string, string> = {
    'x-meridian-route': formatRouteHeader({ deployment: d, reason: result.reason, strategy: plan.strategy }),
  };
  if (entry.pii) headers['x-meridian-pii'] = formatPiiHeader(entry.pii);
  if (pending.budget?.warningHeader) headers['x-meridian-budget-warning'] = pending.budget.warningHeader;
  if (cache.result) headers['x-meridian-cache'] = cache.result;

  const restorer = restorers?.get(d.id);
  let ok = false;
  // A complete response was read to its end upstream: releasing it need not cancel anything.
  const settled = result.value.type === 'response';
  try {
    const committed = result.value;
    if (committed.type === 'native') {
      if (committed.ttftMs !== undefined) entry.ttftMs = round(committed.ttftMs);
      entry.status = 200;
      const outcome = await committed.send(ctx.res, {
        headers,
        signal: ctx.signal,
        account: (usage, counted) => account(g, entry, d, usage, counted),
        count: (text) => countUsage(g, request, d, text),
      });
      if (outcome.error) {
        entry.status = outcome.error.status;
        entry.errorCode = outcome.error.code;
      }
      ok = !outcome.error;
    } else if (committed.type === 'response') {
      let response = committed.response;
      let raw = committed.raw;
      if (restorer) {
        response = restorer.restoreResponse(response);
        raw = undefined;
      }
      const counted = response.usage === undefined;
      const usage = response.usage ?? (await countUsage(g, request, d, responseText(response)));
      const costUsd = account(g, entry, d, usage, counted);
      headers['x-meridian-cost-usd'] = formatUsd(costUsd);
      cache.keepResponse(d, committed.response, usage, costUsd);
      if (counted) {
        response = { ...response, usage };
        raw = undefined;
      }
      entry.status = 200;
      await wire.sendResponse(ctx.res, response, raw, headers, bodyFields);
      ok = true;
    } else {
      entry.ttftMs = round(committed.ttftMs);
      const meter: StreamMeter = {};
      const metering = <E extends RelayEvent>(events: AsyncIterable<E>) =>
        meterStream(
          events,
          (usage, counted) => account(g, entry, d, usage, counted),
          (text) => countUsage(g, request, d, text),
          meter,
        );
      const opts = {
        headers,
        includeUsage: request.stream_options?.include_usage === true,
        costUsd: () => meter.costUsd,
        signal: ctx.signal,
        ...(bodyFields ? { firstChunkFields: bodyFields } : {}),
      };
      entry.status = 200;
      let outcome;
      if (committed.type === 'relay') outcome = await wire.writeRelay!(ctx.res, metering(committed.events), opts);
      else {
        const upstream = cache.record(committed.events);
        outcome = await wire.writeStream(ctx.res, metering(restorer ? restorer.restoreStream(upstream) : upstream), opts);
      }
      if (outcome.error) {
        entry.status = outcome.error.status;
        entry.errorCode = outcome.error.code;
      }
      ok = !outcome.error;
      if (ok) cache.keepStream(d, usageOf(entry), meter.costUsd ?? 0);
    }
  } finally {
    result.release({
      ok,
      ...(entry.ttftMs !== undefined ? { ttftMs: entry.ttftMs } : {}),
      outputTokens: entry.completionTokens ?? 0,
      durationMs: performance.now() - ctx.start,
      settled,
    });
  }
}

function usageOf(entry: Pending['entry']): Usage {
  const prompt = entry.promptTokens ?? 0;
  const completion = entry.completionTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/**
 * Resolves once the attempt is committed: a response, or a stream whose first event arrived
 * (so fallback never happens after bytes reached the client). The first event is put back in
 * front of the rest.
 */
function commit(result: ChatResult, t0: number): Committed | Promise<Committed> {
  // A complete answer is committed as it is: no promise, no microtask turn.
  if (result.type === 'response') return result;
  return commitStream(result, t0);
}

async function commitStream(result: Exclude<ChatResult, { type: 'response' }>, t0: number): Promise<Committed> {
  if (result.type === 'relay') return { type: 'relay', events: await started(result.events), ttftMs: performance.now() - t0 };
  return { type: 'stream', events: await started(result.events), ttftMs: performance.now() - t0 };
}

/** The stream once its first event arrived, that event put back in front. */
async function started<T>(events: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const it = events[Symbol.asyncIterator]();
  return prepend(await it.next(), it);
}
