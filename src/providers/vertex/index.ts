/**
 * Gemini on Google Cloud Vertex AI. The request and response bodies are the Gemini API's (the
 * `gemini` adapter's mapping is shared); what differs is the address and the credentials:
 * `POST https://{region}-aiplatform.googleapis.com/v1/projects/{project}/locations/{region}/publishers/google/models/{model}:generateContent`
 * (and `:streamGenerateContent?alt=sse`) with an OAuth access token from a service account.
 * References: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference ,
 * https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.publishers.models/generateContent ,
 * https://cloud.google.com/vertex-ai/docs/reference/rest/v1beta1/publishers.models/list ,
 * https://cloud.google.com/vertex-ai/generative-ai/docs/learn/locations (regional and global endpoints).
 * Claude models (`claude-…@date`) go to Anthropic's publisher path with the Anthropic mapping
 * (vertex-anthropic.ts); `endpoints/{id}[/{model}]` to a custom endpoint serving OpenAI-compatible
 * chat (vertex-openai.ts).
 */
import { UpstreamError } from '../../errors.js';
import { convertGeminiRequest } from '../gemini/convert-gemini-request.js';
import { convertGeminiResponse } from '../gemini/convert-gemini-response.js';
import type { GeminiGenerateContentResponse } from '../gemini/gemini-api.js';
import { geminiErrorFailure } from '../gemini/gemini-error.js';
import { geminiStream } from '../gemini/gemini-stream.js';
import { readJson, upstreamRequest, type UpstreamRequest, type UpstreamResponse } from '../shared/http.js';
import { tiedToBody } from '../shared/upstream-body.js';
import type { ChatCall, ChatResult, DiscoveredModel, ProviderAdapter, ProviderConfig, ProviderHandle } from '../spec.js';
import { ServiceAccountAuth } from './service-account.js';
import { readVertexOptions, type VertexOptions } from './settings.js';
import { anthropicModelId, isAnthropicModel, vertexAnthropicChat } from './vertex-anthropic.js';
import { endpointModel, vertexOpenAIChat } from './vertex-openai.js';

/** Pages of the publisher model list read at most. */
const MAX_MODEL_PAGES = 5;

interface Resolved {
  opts: VertexOptions;
  /** The provider as sent to: the regional endpoint unless `baseUrl` is configured. */
  target: ProviderHandle;
}

const resolved = new WeakMap<ProviderConfig, Resolved>();

function resolve(provider: ProviderHandle): Resolved {
  let r = resolved.get(provider.config);
  if (!r) {
    const opts = readVertexOptions(provider.config.options);
    const host = opts.region === 'global' ? 'https://aiplatform.googleapis.com' : `https://${opts.region}-aiplatform.googleapis.com`;
    r = { opts, target: provider.config.baseUrl ? provider : { ...provider, baseUrl: host } };
    resolved.set(provider.config, r);
  }
  return r;
}

/** Accepts `gemini-2.5-flash`, `google/gemini-2.5-flash` or the full `publishers/google/models/…` name. */
function modelPath(model: string): string {
  return encodeURIComponent(model.replace(/^(publishers\/google\/models\/|google\/)/, ''));
}

export interface VertexAdapterOptions {
  /** Clock for token expiry and the JWT's `iat` (tests move it forward). */
  now?: () => number;
}

export function createVertexAdapter(adapterOpts: VertexAdapterOptions = {}): ProviderAdapter {
  const auth = new ServiceAccountAuth(adapterOpts.now ?? Date.now);

  async function send(provider: ProviderHandle, req: UpstreamRequest): Promise<UpstreamResponse> {
    const { opts, target } = resolve(provider);
    const headers = { ...(await auth.headers(provider, opts, req.signal)), ...req.headers };
    try {
      return await upstreamRequest(target, { ...req, headers });
    } catch (err) {
      if (err instanceof UpstreamError && err.upstreamStatus === 401) auth.refused(provider);
      throw err;
    }
  }

  return {
    type: 'vertex',
    genAiProviderName: 'gcp.vertex_ai',
    // The real host depends on options.region; this only satisfies "a base URL exists".
    defaultBaseUrl: 'https://aiplatform.googleapis.com',
    defaultLocation: 'private',

    checkOptions(options) {
      readVertexOptions(options);
    },

    async chat({ request, deployment, signal }: ChatCall): Promise<ChatResult> {
      const provider = deployment.provider;
      const { opts, target } = resolve(provider);
      const location = `/v1/projects/${encodeURIComponent(opts.project)}/locations/${opts.region}`;
      // The model name says what serves it: a custom endpoint (OpenAI wire), Anthropic's publisher
      // (Claude) or Google's (Gemini).
      const custom = endpointModel(deployment.model);
      if (custom) {
        const endpointPath = `${location}/endpoints/${custom.endpoint}`;
        return vertexOpenAIChat(
          request,
          deployment.id,
          { endpointPath, ...(custom.model ? { model: custom.model } : {}) },
          target,
          (req) => send(provider, req),
          signal,
        );
      }
      if (isAnthropicModel(deployment.model)) {
        // `@` (claude-…@20250929) is a legal path character, sent as Anthropic's Vertex SDK sends it.
        const base = `${location}/publishers/anthropic/models/${encodeURIComponent(anthropicModelId(deployment.model)).replace(/%40/g, '@')}`;
        return vertexAnthropicChat(request, deployment.id, base, target, (req) => send(provider, req), signal);
      }
      const body = convertGeminiRequest(request, { structuredOutputField: opts.structuredOutputField });
      const base = `${location}/publishers/google/models/${modelPath(deployment.model)}`;
      const res = await send(provider, {
        path: request.stream ? `${base}:streamGenerateContent?alt=sse` : `${base}:generateContent`,
        headers: request.stream ? { accept: 'text/event-stream' } : {},
        body,
        signal,
        deployment: deployment.id,
      });
      if (request.stream) {
        return { type: 'stream', events: tiedToBody(res.body, geminiStream(res.body, signal, target, deployment.id, deployment.model)) };
      }
      const { json } = await readJson<GeminiGenerateContentResponse>(res, target, deployment.id);
      if (json?.error) throw geminiErrorFailure(json.error, deployment.id, target, 'with a 200 status');
      return { type: 'response', response: convertGeminiResponse(json, deployment.model, deployment.id) };
    },

    /**
     * Google's publisher models (`GET /v1beta1/publishers/google/models`): proves the region is
     * reachable and the service account's token accepted (`meridian doctor`, health probes).
     */
    async listModels(provider: ProviderHandle, signal: AbortSignal): Promise<DiscoveredModel[]> {
      const { target } = resolve(provider);
      const found: DiscoveredModel[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < MAX_MODEL_PAGES; page++) {
        const query = `?pageSize=100${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`;
        const res = await send(provider, { method: 'GET', path: `/v1beta1/publishers/google/models${query}`, signal });
        const { json } = await readJson<{ publisherModels?: Array<{ name?: unknown }>; nextPageToken?: string }>(res, target);
        for (const m of json?.publisherModels ?? []) {
          if (typeof m?.name === 'string') found.push({ id: m.name.replace(/^publishers\/google\/models\//, '') });
        }
        pageToken = json?.nextPageToken;
        if (!pageToken) break;
      }
      return found;
    },
  };
}

export const vertexAdapter = createVertexAdapter();
