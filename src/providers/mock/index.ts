/**
 * The `mock` provider: answers in-process from the mock engine (src/mock/engine.ts), so a gateway
 * config can route to a deterministic model without any server. Rules come from
 * `options.rules` (a YAML/JSON file path) or `options.rulesInline` (the same structure inline).
 * Faults become what a real upstream failure would: an error status → UpstreamError with that
 * status and Retry-After; a dropped connection or truncated stream → UpstreamError without a
 * status; a hang → waits for the call's signal (the router's timeout).
 */
import type { EmbeddingsResponse, StreamEvent } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import { MockEngine, type Delivery, type EmbedPlan, type MockPlan, type TranscribePlan } from '../../mock/engine.js';
import { loadRulesFile, normalizeRules, type MockRulesFile } from '../../mock/rules.js';
import { transportError } from '../shared/http.js';
import type {
  ChatCall,
  ChatResult,
  DiscoveredModel,
  EmbedCall,
  ProviderAdapter,
  ProviderHandle,
  RerankCall,
  RerankResult,
  TranscribeCall,
  Transcription,
} from '../spec.js';

/** One engine per provider config, so `every`/`probability` sequences are per provider. */
const engines = new WeakMap<ProviderHandle['config'], MockEngine>();

export function engineFor(provider: ProviderHandle): MockEngine {
  let engine = engines.get(provider.config);
  if (!engine) {
    engine = new MockEngine({ rules: rulesFromOptions(provider.config.options, provider.id) });
    engines.set(provider.config, engine);
  }
  return engine;
}

function rulesFromOptions(options: Record<string, unknown> | undefined, id: string): MockRulesFile | undefined {
  if (!options) return undefined;
  if (options.rulesInline !== undefined) return normalizeRules(options.rulesInline, `providers[${id}].options.rulesInline`);
  if (typeof options.rules === 'string') return loadRulesFile(options.rules);
  return undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Carries out the non-answer plans (errors, drops, hangs); returns when the plan is an answer. */
async function applyFault(
  plan: MockPlan | EmbedPlan | TranscribePlan,
  provider: ProviderHandle,
  deployment: string,
  signal: AbortSignal,
): Promise<void> {
  try {
    await sleep(plan.delivery.latencyMs, signal);
    if (plan.kind === 'hang') await sleep(plan.hangMs, signal);
  } catch (err) {
    throw transportError(err, signal, provider, deployment);
  }
  if (plan.kind === 'error') {
    throw new UpstreamError(`Upstream '${deployment}' returned ${plan.status}: ${plan.message}`, {
      upstreamStatus: plan.status,
      deployment,
      ...(plan.retryAfter !== undefined ? { retryAfter: plan.retryAfter } : {}),
    });
  }
  if (plan.kind === 'drop' || plan.kind === 'hang') {
    throw new UpstreamError(`Could not reach '${deployment}' (mock dropped the connection).`, { deployment });
  }
}

async function* streamPlan(
  engine: MockEngine,
  plan: Extract<MockPlan, { kind: 'chat' }>,
  provider: ProviderHandle,
  deployment: string,
  signal: AbortSignal,
): AsyncGenerator<StreamEvent> {
  const delivery: Delivery = plan.delivery;
  const chunks = engine.chunks(plan.response, true);
  for (const [i, chunk] of chunks.entries()) {
    if (delivery.truncateAfterChunks !== undefined && i >= delivery.truncateAfterChunks) {
      throw new UpstreamError(`Upstream '${deployment}' closed the stream early (mock truncation).`, { deployment });
    }
    try {
      await sleep(i === 1 ? delivery.firstTokenMs : i > 1 ? delivery.chunkDelayMs : 0, signal);
    } catch (err) {
      throw transportError(err, signal, provider, deployment);
    }
    yield { chunk };
  }
}

export const mockAdapter: ProviderAdapter = {
  type: 'mock',
  // In-process: no base URL needed (createProviderHandle accepts '' for this adapter).
  defaultBaseUrl: '',

  async chat({ request, deployment, signal }: ChatCall): Promise<ChatResult> {
    const provider = deployment.provider;
    const engine = engineFor(provider);
    const plan = engine.chat({ ...request, model: deployment.model });
    await applyFault(plan, provider, deployment.id, signal);
    if (plan.kind !== 'chat') throw new UpstreamError(`Mock plan '${plan.kind}' did not produce an answer.`, { deployment: deployment.id });
    if (request.stream) return { type: 'stream', events: streamPlan(engine, plan, provider, deployment.id, signal) };
    return { type: 'response', response: plan.response };
  },

  async embed({ request, deployment, signal }: EmbedCall): Promise<EmbeddingsResponse> {
    const provider = deployment.provider;
    const plan = engineFor(provider).embed({ ...request, model: deployment.model });
    await applyFault(plan, provider, deployment.id, signal);
    if (plan.kind !== 'embeddings')
      throw new UpstreamError(`Mock plan '${plan.kind}' did not produce embeddings.`, { deployment: deployment.id });
    return plan.response;
  },

  /** Deterministic stand-in for a cross-encoder: the share of the query's words a document contains. */
  async rerank({ request }: RerankCall): Promise<RerankResult> {
    const words = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []);
    const query = words(request.query);
    return {
      results: request.documents.map((d, index) => {
        const doc = words(d);
        let shared = 0;
        for (const w of query) if (doc.has(w)) shared++;
        return { index, relevance_score: query.size ? shared / query.size : 0 };
      }),
    };
  },

  async transcribe({ request, deployment, signal }: TranscribeCall): Promise<Transcription> {
    const provider = deployment.provider;
    const plan = engineFor(provider).transcribe({ model: deployment.model, filename: request.file.filename });
    await applyFault(plan, provider, deployment.id, signal);
    if (plan.kind !== 'transcription')
      throw new UpstreamError(`Mock plan '${plan.kind}' did not produce a transcript.`, { deployment: deployment.id });
    return { text: plan.text, language: request.language ?? 'en' };
  },

  async listModels(provider: ProviderHandle): Promise<DiscoveredModel[]> {
    return engineFor(provider)
      .models()
      .map((id) => ({
        id,
        capabilities: id.includes('embed')
          ? { embeddings: true, tools: false, vision: false, jsonSchema: false }
          : id.includes('whisper') || id.includes('transcribe')
            ? { audio: true, tools: false, vision: false, jsonSchema: false, embeddings: false }
            : { tools: true, jsonSchema: true, vision: false, embeddings: false },
      }));
  },
};
