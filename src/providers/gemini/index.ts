/**
 * The Google Gemini API (Generative Language API, v1beta) adapter. References:
 * https://ai.google.dev/api/generate-content (generateContent, streamGenerateContent),
 * https://ai.google.dev/api/embeddings (batchEmbedContents),
 * https://ai.google.dev/api/models (models.list),
 * https://ai.google.dev/gemini-api/docs/api-key (`x-goog-api-key` header).
 *
 * The key goes in the `x-goog-api-key` header, never in the `?key=` query string, so it cannot
 * end up in a URL that an error message or access log prints.
 */
import type { EmbeddingsResponse } from '../../api/types.js';
import { readJson, upstreamRequest } from '../shared/http.js';
import type { ChatCall, ChatResult, DiscoveredModel, EmbedCall, ProviderAdapter, ProviderHandle } from '../spec.js';
import type { GeminiBatchEmbedResponse, GeminiGenerateContentResponse, GeminiListModelsResponse, GeminiModel } from './gemini-api.js';
import { convertGeminiEmbedRequest, convertGeminiEmbedResponse, embeddingInputs } from './convert-gemini-embeddings.js';
import { convertGeminiRequest, defaultGeminiRequestSettings, type GeminiRequestSettings } from './convert-gemini-request.js';
import { convertGeminiResponse } from './convert-gemini-response.js';
import { geminiErrorFailure, type GeminiErrorObject } from './gemini-error.js';
import { geminiStream } from './gemini-stream.js';
import { tiedToBody } from '../shared/upstream-body.js';

/** Pages of `models.list` read at most (1000 models a page). */
const MAX_MODEL_PAGES = 10;

function authHeaders(provider: ProviderHandle): Record<string, string> {
  const key = provider.config.apiKey;
  return key ? { 'x-goog-api-key': key } : {};
}

/** Model path segment: a config may name the model with or without the `models/` prefix. */
function modelPath(model: string): string {
  return encodeURIComponent(model.replace(/^models\//, ''));
}

function requestSettings(provider: ProviderHandle): GeminiRequestSettings {
  const field = provider.config.options?.structuredOutputField;
  return field === 'responseSchema' || field === 'responseJsonSchema' ? { structuredOutputField: field } : defaultGeminiRequestSettings;
}

export const geminiAdapter: ProviderAdapter = {
  type: 'gemini',
  genAiProviderName: 'gcp.gemini',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',

  async chat({ request, deployment, signal }: ChatCall): Promise<ChatResult> {
    const provider = deployment.provider;
    const body = convertGeminiRequest(request, requestSettings(provider));
    const model = modelPath(deployment.model);
    const res = await upstreamRequest(provider, {
      path: request.stream ? `/models/${model}:streamGenerateContent?alt=sse` : `/models/${model}:generateContent`,
      headers: { ...authHeaders(provider), ...(request.stream ? { accept: 'text/event-stream' } : {}) },
      body,
      signal,
      deployment: deployment.id,
    });
    if (request.stream) {
      return { type: 'stream', events: tiedToBody(res.body, geminiStream(res.body, signal, provider, deployment.id, deployment.model)) };
    }
    const { json } = await readJson<GeminiGenerateContentResponse>(res, provider, deployment.id);
    if (json?.error) throw geminiErrorFailure(json.error, deployment.id, provider, 'with a 200 status');
    return { type: 'response', response: convertGeminiResponse(json, deployment.model, deployment.id) };
  },

  async embed({ request, deployment, signal }: EmbedCall): Promise<EmbeddingsResponse> {
    const provider = deployment.provider;
    const inputs = embeddingInputs(request);
    const model = deployment.model.replace(/^models\//, '');
    const res = await upstreamRequest(provider, {
      path: `/models/${modelPath(model)}:batchEmbedContents`,
      headers: authHeaders(provider),
      body: convertGeminiEmbedRequest(inputs, model, request.dimensions),
      signal,
      deployment: deployment.id,
    });
    const { json } = await readJson<GeminiBatchEmbedResponse & { error?: GeminiErrorObject }>(res, provider, deployment.id);
    if (json?.error) throw geminiErrorFailure(json.error, deployment.id, provider, 'with a 200 status');
    return convertGeminiEmbedResponse(json, inputs, request, deployment.model, deployment.id);
  },

  async listModels(provider: ProviderHandle, signal: AbortSignal): Promise<DiscoveredModel[]> {
    const found: DiscoveredModel[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const query = `?pageSize=1000${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`;
      const res = await upstreamRequest(provider, { method: 'GET', path: `/models${query}`, headers: authHeaders(provider), signal });
      const { json } = await readJson<GeminiListModelsResponse>(res, provider);
      for (const m of json.models ?? []) found.push(toDiscoveredModel(m));
      pageToken = json.nextPageToken;
      if (!pageToken) break;
    }
    return found;
  },
};

function toDiscoveredModel(m: GeminiModel): DiscoveredModel {
  const methods = m.supportedGenerationMethods ?? [];
  const embeddings = methods.includes('embedContent') || methods.includes('batchEmbedContents');
  return {
    id: m.name.replace(/^models\//, ''),
    capabilities: {
      ...(m.inputTokenLimit ? { contextWindow: m.inputTokenLimit } : {}),
      embeddings,
      ...(m.thinking !== undefined ? { reasoning: m.thinking } : {}),
    },
  };
}
