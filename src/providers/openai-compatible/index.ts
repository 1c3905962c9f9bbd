/**
 * The OpenAI wire protocol: OpenAI itself and every engine that speaks it (vLLM, llama-server,
 * LM Studio, OpenRouter, Groq…). References:
 * https://platform.openai.com/docs/api-reference/chat/create ,
 * https://platform.openai.com/docs/api-reference/embeddings/create ,
 * https://platform.openai.com/docs/api-reference/models/list ,
 * https://platform.openai.com/docs/api-reference/responses/create (the Responses pass-through)
 * https://platform.openai.com/docs/api-reference/audio/createTranscription (openai-transcribe.ts)
 * Re-ranking is not OpenAI's: `POST /v1/rerank` as llama.cpp's server documents it
 * (https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md, `/reranking` and its
 * aliases) and vLLM, Jina and Cohere share: `{model, query, documents, top_n}` →
 * `{results: [{index, relevance_score}]}`. The caller (src/rag/rerank.ts) checks the results.
 */
import type { ChatResponse, EmbeddingsResponse } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import { readJson, scrubSecrets, upstreamRequest } from '../shared/http.js';
import { tiedToBody } from '../shared/upstream-body.js';
import type {
  ChatCall,
  ChatResult,
  DiscoveredModel,
  EmbedCall,
  EngineState,
  ProviderAdapter,
  ProviderHandle,
  RerankCall,
  RerankResult,
  ResponsesCall,
  ResponsesResult,
  TranscribeCall,
} from '../spec.js';
import { openaiTranscribe, openaiTranscribeStream } from './openai-transcribe.js';
import { convertOpenAIRequest } from './convert-openai-request.js';
import { readEngineState } from './engine-state.js';
import { errorBodyMessage, isErrorBody, type OpenAIErrorBody } from './openai-error-body.js';
import { normalizeReasoning } from './normalize-openai-response.js';
import { openaiRelay } from './openai-relay.js';
import { openaiStream } from './openai-stream.js';
import { responsesStream } from './responses-stream.js';
import { openaiCompatibleSettings, openaiSettings, readEngine, readResponsesApi, type OpenAICompatibleSettings } from './settings.js';

function authHeaders(provider: ProviderHandle): Record<string, string> {
  const key = provider.config.apiKey;
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** 5xx-equivalent: the upstream accepted the request and then failed, so another deployment may succeed. */
function errorBodyFailure(json: OpenAIErrorBody, provider: ProviderHandle, deployment: string): UpstreamError {
  return new UpstreamError(scrubSecrets(`Upstream '${deployment}' answered 200 with an error: ${errorBodyMessage(json)}`, provider), {
    deployment,
    upstreamStatus: 502,
  });
}

export function createOpenAICompatibleAdapter(settings: OpenAICompatibleSettings): ProviderAdapter {
  return {
    type: settings.type,
    ...(settings.genAiProviderName ? { genAiProviderName: settings.genAiProviderName } : {}),
    ...(settings.defaultBaseUrl ? { defaultBaseUrl: settings.defaultBaseUrl } : {}),

    checkOptions(options) {
      readEngine(options);
      readResponsesApi(options, 'translate');
    },

    speaksResponses(provider: ProviderHandle): boolean {
      return readResponsesApi(provider.config.options, settings.responsesApi ?? 'translate') === 'native';
    },

    /** The client's Responses body, sent as it is (the gateway set `model`, `store: false` and the full `input`). */
    async responses({ body, deployment, signal }: ResponsesCall): Promise<ResponsesResult> {
      const provider = deployment.provider;
      const stream = body.stream === true;
      const res = await upstreamRequest(provider, {
        path: '/responses',
        headers: { ...authHeaders(provider), ...(stream ? { accept: 'text/event-stream' } : {}) },
        body,
        signal,
        deployment: deployment.id,
      });
      if (stream) return { type: 'stream', events: tiedToBody(res.body, responsesStream(res.body, signal, provider, deployment.id)) };
      const { json } = await readJson<unknown>(res, provider, deployment.id);
      // A 200 carrying an error (a failed response has `status: failed` and its `error`): another deployment may answer.
      if (isErrorBody(json)) throw errorBodyFailure(json, provider, deployment.id);
      if (json === null || typeof json !== 'object' || Array.isArray(json) || !Array.isArray((json as { output?: unknown }).output)) {
        throw new UpstreamError(`Upstream '${deployment.id}' returned a body that is not a response object.`, {
          deployment: deployment.id,
          upstreamStatus: 502,
        });
      }
      return { type: 'response', response: json as Record<string, unknown> };
    },

    async chat({ request, deployment, signal, relay }: ChatCall): Promise<ChatResult> {
      const provider = deployment.provider;
      const body = convertOpenAIRequest(request, settings);
      const headers = authHeaders(provider);
      if (request.stream) headers.accept = 'text/event-stream';
      const res = await upstreamRequest(provider, {
        path: '/chat/completions',
        headers,
        body,
        signal,
        deployment: deployment.id,
      });
      if (request.stream && relay)
        return { type: 'relay', events: tiedToBody(res.body, openaiRelay(res.body, signal, provider, deployment.id)) };
      if (request.stream) return { type: 'stream', events: tiedToBody(res.body, openaiStream(res.body, signal, provider, deployment.id)) };
      const { json, raw } = await readJson<ChatResponse>(res, provider, deployment.id);
      // A 200 carrying the error object (engines behind proxies, vLLM) is a failure, not an empty answer.
      if (isErrorBody(json)) throw errorBodyFailure(json, provider, deployment.id);
      if (json === null || typeof json !== 'object') {
        throw new UpstreamError(`Upstream '${deployment.id}' returned a body that is not a completion.`, {
          deployment: deployment.id,
          upstreamStatus: 502,
        });
      }
      if (!Array.isArray(json.choices)) json.choices = [];
      return normalizeReasoning(json) ? { type: 'response', response: json } : { type: 'response', response: json, raw };
    },

    async embed({ request, deployment, signal }: EmbedCall): Promise<EmbeddingsResponse> {
      const provider = deployment.provider;
      const res = await upstreamRequest(provider, {
        path: '/embeddings',
        headers: authHeaders(provider),
        body: { ...request, model: deployment.model },
        signal,
        deployment: deployment.id,
      });
      const { json } = await readJson<EmbeddingsResponse>(res, provider, deployment.id);
      if (isErrorBody(json)) throw errorBodyFailure(json, provider, deployment.id);
      return json;
    },

    async rerank({ request, deployment, signal }: RerankCall): Promise<RerankResult> {
      const provider = deployment.provider;
      const res = await upstreamRequest(provider, {
        path: '/rerank',
        headers: authHeaders(provider),
        body: { model: deployment.model, query: request.query, documents: request.documents, top_n: request.documents.length },
        signal,
        deployment: deployment.id,
      });
      const { json } = await readJson<RerankResult>(res, provider, deployment.id);
      if (isErrorBody(json)) throw errorBodyFailure(json, provider, deployment.id);
      return json;
    },

    transcribe(call: TranscribeCall) {
      return openaiTranscribe(call, authHeaders(call.deployment.provider));
    },

    transcribeStream(call: TranscribeCall) {
      return openaiTranscribeStream(call, authHeaders(call.deployment.provider));
    },

    async listModels(provider: ProviderHandle, signal: AbortSignal): Promise<DiscoveredModel[]> {
      const res = await upstreamRequest(provider, { method: 'GET', path: '/models', headers: authHeaders(provider), signal });
      const { json } = await readJson<{ data?: Array<{ id: string }> }>(res, provider);
      return (json.data ?? []).map((m) => ({ id: m.id }));
    },

    /** Load as the engine named by `options.engine` reports it; a plain API says nothing (`{}`). */
    async engineState(provider: ProviderHandle, signal: AbortSignal): Promise<EngineState> {
      const engine = readEngine(provider.config.options);
      return engine ? readEngineState(provider, engine, signal) : {};
    },
  };
}

export const openaiAdapter = createOpenAICompatibleAdapter(openaiSettings);
export const openaiCompatibleAdapter = createOpenAICompatibleAdapter(openaiCompatibleSettings);
