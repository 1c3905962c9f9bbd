/**
 * The response cache's place in a chat request (docs/cache.md): after admission (the guard has
 * inspected, limits and budgets have passed) and before the plan's attempts. It keys the request
 * as it would be sent upstream after the guard, so an entry holds placeholders, never the values
 * they stand for; a hit restores them from this request's own findings. Caching logic lives in
 * src/cache/; this file only joins it to the request: headers, the log entry, the wire.
 */
import type { ChatChunk, ChatRequest, ChatResponse, StreamEvent, Usage } from '../api/types.js';
import {
  cacheKeys,
  normalize,
  parseCacheControl,
  type CacheHit,
  type CacheKeys,
  type CacheResult,
  type CacheSettings,
  type CachedAnswer,
} from '../cache/index.js';
import type { Pseudonymized, Restorer } from '../guard/index.js';
import { formatPiiHeader } from '../guard/index.js';
import type { Deployment } from '../providers/spec.js';
import type { RequestFacts } from '../router/types.js';
import { formatRouteHeader } from '../router/index.js';
import type { RequestContext } from './context.js';
import { formatUsd } from './headers.js';
import { meterStream, type StreamMeter } from './metering.js';
import type { Admission, Pending } from './pipeline.js';
import type { GatewayServices } from './services.js';
import type { ChatWire } from './wire.js';

/** How long the semantic layer waits for an embedding before it counts as a miss. */
const EMBED_TIMEOUT_MS = 5_000;

/** What the cache decided for one request; `result` is undefined when caching is off for the alias. */
export interface CacheStep {
  readonly result?: CacheResult;
  readonly hit?: CacheHit;
  /** For a hit on a pseudonymized request: puts this request's own values back. */
  readonly restorer?: Restorer;
  /** Whether `record` reads the stream (caching is on for the alias); a relay would hide its chunks. */
  readonly records: boolean;
  /** Records a stream's chunks as they pass, for `keepStream`. */
  record(events: AsyncIterable<StreamEvent>): AsyncIterable<StreamEvent>;
  /** Stores a complete answer `d` produced (when this request may store, and `d` got the guarded request). */
  keepResponse(d: Deployment, response: ChatResponse, usage: Usage, costUsd: number): void;
  /** Stores the recorded stream when it ran to its end with a finish reason and fit the size bound. */
  keepStream(d: Deployment, usage: Usage, costUsd: number): void;
}

const OFF: CacheStep = { records: false, record: (e) => e, keepResponse: () => undefined, keepStream: () => undefined };

/**
 * The cache's decision for one request. An alias without a cache gets the step at once, not a
 * promise: most requests have none, and the hot path should not pay a turn for it.
 */
export function cacheStep(
  g: GatewayServices,
  ctx: RequestContext,
  request: ChatRequest,
  admission: Pick<Admission, 'inspection' | 'facts'> & { alias: string },
): CacheStep | Promise<CacheStep> {
  const settings = g.cache?.settingsFor(g.config, admission.alias);
  return g.cache && settings ? cacheStepFor(g, g.cache, ctx, request, admission, settings) : OFF;
}

async function cacheStepFor(
  g: GatewayServices,
  cache: NonNullable<GatewayServices['cache']>,
  ctx: RequestContext,
  request: ChatRequest,
  admission: Pick<Admission, 'inspection' | 'facts'> & { alias: string },
  settings: CacheSettings,
): Promise<CacheStep> {
  const { inspection, alias } = admission;
  const control = parseCacheControl(ctx.req.headers['cache-control']);
  // Personal data that must stay local (local-only, or a guard failure) is never written to a
  // cache that may be shared; with `allow`, the policy lets the text go anywhere.
  if (control.noStore || inspection?.action === 'local-only') return { ...OFF, result: bypass(g, alias) };
  const pseudonymized = inspection?.action === 'pseudonymize' && inspection.findings.length > 0;
  let guarded: Pseudonymized | undefined;
  try {
    guarded = pseudonymized ? g.guard!.pseudonymize(request, inspection!) : undefined;
  } catch {
    // The executor meets the same failure for cloud deployments; the cache just stays out of it.
    return { ...OFF, result: bypass(g, alias) };
  }
  const keyed = { ...(guarded?.request ?? request), model: alias };
  const keys = cacheKeys(keyed, alias, ctx.principal.tenant, settings.shareAcrossTenants, settings.semantic !== undefined);

  let embedding: number[] | undefined;
  let hit: CacheHit | undefined;
  if (!control.noCache) {
    hit = await cache.getExact(keys);
    if (!hit && settings.semantic && keys.lastUser !== undefined) {
      embedding = await embed(g, ctx, admission.facts, settings.semantic.embeddingModel, keys.lastUser);
      if (embedding) hit = await cache.getSemantic(keys, embedding, settings.semantic.threshold);
    }
  } else if (settings.semantic && keys.lastUser !== undefined) {
    embedding = await embed(g, ctx, admission.facts, settings.semantic.embeddingModel, keys.lastUser);
  }
  const result: CacheResult = hit ? 'hit' : control.noCache ? 'bypass' : 'miss';
  g.metrics?.cacheResult?.(alias, result);
  if (hit) return { ...OFF, result, hit, ...(guarded ? { restorer: guarded.restorer } : {}) };
  return storingStep(g, ctx, keys, settings, result, pseudonymized, embedding);
}

/** The cache stays out of this request (an experiment's variants must each answer for themselves). */
export function cacheBypassed(g: GatewayServices, alias: string): CacheStep {
  return g.cache?.settingsFor(g.config, alias) ? { ...OFF, result: bypass(g, alias) } : OFF;
}

function bypass(g: GatewayServices, alias: string): CacheResult {
  g.metrics?.cacheResult?.(alias, 'bypass');
  return 'bypass';
}

function storingStep(
  g: GatewayServices,
  ctx: RequestContext,
  keys: CacheKeys,
  settings: CacheSettings,
  result: CacheResult,
  pseudonymized: boolean,
  embedding: number[] | undefined,
): CacheStep {
  const cache = g.cache!;
  // Under pseudonymize only a cloud deployment got the placeholders: a local one answered the real
  // values, which must not be stored.
  const storable = (d: Deployment) => !pseudonymized || d.location === 'cloud';
  const put = (d: Deployment, answer: CachedAnswer) => {
    void cache
      .put(keys, answer, settings, embedding)
      .catch((err: unknown) =>
        g.logger.warn({ requestId: ctx.requestId, err: (err as Error).message, deployment: d.id }, 'cache write failed'),
      );
  };
  let chunks: ChatChunk[] | undefined;
  let complete = false;
  return {
    result,
    records: true,
    record(events) {
      chunks = [];
      let bytes = 0;
      return (async function* () {
        let finished = false;
        for await (const ev of events) {
          if (chunks) {
            bytes += JSON.stringify(ev.chunk).length;
            if (bytes > settings.maxEntryBytes) chunks = undefined;
            else chunks.push(ev.chunk);
            if (ev.chunk.choices.some((c) => c.finish_reason)) finished = true;
          }
          yield ev;
        }
        // Reached only when the upstream ended normally: a failure or a client gone never gets here.
        complete = finished;
      })();
    },
    keepResponse(d, response, usage, costUsd) {
      if (!storable(d) || !response.choices.every((c) => c.finish_reason)) return;
      put(d, { type: 'response', response: { ...response, usage }, deployment: d.id, usage, costUsd, storedAt: cache.now() });
    },
    keepStream(d, usage, costUsd) {
      if (!storable(d) || !complete || !chunks) return;
      put(d, { type: 'stream', chunks, deployment: d.id, usage, costUsd, storedAt: cache.now() });
    },
  };
}

/**
 * The last user message's embedding (unit vector), or undefined. The embedding deployment is
 * planned with this request's facts, so its policies hold for the text being embedded too (a
 * `local-only` key or a rule that keeps PII local never sends it to a cloud embedding API).
 */
async function embed(
  g: GatewayServices,
  ctx: RequestContext,
  facts: RequestFacts,
  model: string,
  text: string,
): Promise<number[] | undefined> {
  try {
    const resolved = g.catalog.resolve(model);
    const embedFacts: RequestFacts = {
      ...facts,
      kind: 'embeddings',
      alias: resolved.alias,
      hasTools: false,
      responseFormat: 'text',
      stream: false,
    };
    const plan = g.router.plan(embedFacts, resolved.deployments, resolved.strategy);
    const d = plan.attempts.map((a) => a.deployment).find((x) => x.provider.adapter.embed);
    if (!d) return undefined;
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(EMBED_TIMEOUT_MS)]);
    const res = await d.provider.adapter.embed!({ request: { model: d.model, input: text }, deployment: d, signal });
    const v = res.data[0]?.embedding;
    return Array.isArray(v) ? normalize(v) : undefined;
  } catch (err) {
    g.logger.debug({ requestId: ctx.requestId, err: (err as Error).message }, 'cache: embedding failed; semantic lookup skipped');
    return undefined;
  }
}

/**
 * Answers from the cache: the stored response, or the stored chunks replayed one by one through
 * the same restore and metering stages as a live stream. Priced at $0; what it cost when it ran
 * is logged as `savedUsd`.
 */
export async function serveHit(
  g: GatewayServices,
  ctx: RequestContext,
  pending: Pending,
  request: ChatRequest,
  wire: ChatWire,
  step: CacheStep,
  bodyFields?: Record<string, unknown>,
): Promise<void> {
  const { entry } = pending;
  const { answer, similarity } = step.hit!;
  const reason = similarity === undefined ? 'cache' : 'cache-semantic';
  Object.assign(entry, { cacheHit: true, savedUsd: answer.costUsd, deployment: answer.deployment, routeReason: reason, costUsd: 0 });
  const tokens = (u: Usage) => {
    entry.promptTokens = u.prompt_tokens;
    entry.completionTokens = u.completion_tokens;
    return 0;
  };
  const headers: Record<string, string> = {
    'x-meridian-cache': 'hit',
    'x-meridian-route': formatRouteHeader({ deployment: answer.deployment, reason }),
    'x-meridian-cost-usd': formatUsd(0),
  };
  if (similarity !== undefined) headers['x-meridian-cache-similarity'] = similarity.toFixed(4);
  if (entry.pii) headers['x-meridian-pii'] = formatPiiHeader(entry.pii);
  if (pending.budget?.warningHeader) headers['x-meridian-budget-warning'] = pending.budget.warningHeader;
  const restorer = step.restorer;
  entry.status = 200;
  if (answer.type === 'response') {
    tokens(answer.usage);
    wire.sendResponse(ctx.res, restorer ? restorer.restoreResponse(answer.response) : answer.response, undefined, headers, bodyFields);
    return;
  }
  const replay = replayChunks(answer.chunks);
  const meter: StreamMeter = {};
  const metered = meterStream(restorer ? restorer.restoreStream(replay) : replay, tokens, () => Promise.resolve(answer.usage), meter);
  const outcome = await wire.writeStream(ctx.res, metered, {
    headers,
    includeUsage: request.stream_options?.include_usage === true,
    costUsd: () => 0,
    signal: ctx.signal,
    ...(bodyFields ? { firstChunkFields: bodyFields } : {}),
  });
  if (outcome.error) {
    entry.status = outcome.error.status;
    entry.errorCode = outcome.error.code;
  }
}

async function* replayChunks(chunks: readonly ChatChunk[]): AsyncGenerator<StreamEvent> {
  for (const chunk of chunks) yield { chunk };
}
