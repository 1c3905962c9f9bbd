/**
 * Ollama's native API (`/api/chat`, `/api/embed`, `/api/tags`, `/api/show`, `/api/ps`).
 * Native rather than Ollama's OpenAI-compatible `/v1` because only the native API reports
 * thinking, capabilities, loaded models and exact counters.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md
 */
import { ollamaLifecycle } from './ollama-lifecycle.js';
import type { EmbeddingsResponse } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import { readJson, scrubSecrets, upstreamRequest } from '../shared/http.js';
import { tiedToBody } from '../shared/upstream-body.js';
import type {
  Capabilities,
  ChatCall,
  ChatResult,
  DiscoveredModel,
  EmbedCall,
  EngineState,
  ProviderAdapter,
  ProviderHandle,
} from '../spec.js';
import { convertOllamaRequest } from './convert-ollama-request.js';
import { convertOllamaResponse } from './convert-ollama-response.js';
import type { OllamaChatResponse, OllamaEmbedResponse } from './ollama-api.js';
import { convertOllamaEmbedRequest, convertOllamaEmbedResponse } from './ollama-embed.js';
import { ollamaPs, ollamaTags, ollamaCapabilities, ollamaShow } from './ollama-models.js';
import { ollamaStream } from './ollama-stream.js';
import { readOllamaSettings } from './settings.js';

export { ollamaShow, ollamaPs, ollamaTags, ollamaCapabilities, type OllamaModelInfo, type OllamaLoadedModel } from './ollama-models.js';

const OLLAMA_DEFAULT_URL = 'http://127.0.0.1:11434';

export const ollamaAdapter: ProviderAdapter = {
  type: 'ollama',
  defaultBaseUrl: OLLAMA_DEFAULT_URL,
  discoveryUrl: OLLAMA_DEFAULT_URL,

  async chat({ request, deployment, signal }: ChatCall): Promise<ChatResult> {
    const provider = deployment.provider;
    const body = convertOllamaRequest(request, deployment.model, readOllamaSettings(provider.config.options));
    const res = await upstreamRequest(provider, {
      path: '/api/chat',
      headers: authHeaders(provider),
      body,
      signal,
      deployment: deployment.id,
    });
    if (body.stream) {
      return { type: 'stream', events: tiedToBody(res.body, ollamaStream(res.body, signal, provider, deployment.id, deployment.model)) };
    }
    const { json } = await readJson<OllamaChatResponse>(res, provider, deployment.id);
    // A 200 with an error body is still a failure (https://docs.ollama.com/api/errors).
    if (json === null || typeof json !== 'object' || json.error !== undefined) {
      throw new UpstreamError(
        scrubSecrets(`Upstream '${deployment.id}' failed with a 200 status: ${json?.error || 'unknown error'}`, provider),
        {
          deployment: deployment.id,
          upstreamStatus: 502,
        },
      );
    }
    return { type: 'response', response: convertOllamaResponse(json, deployment.model) };
  },

  async embed({ request, deployment, signal }: EmbedCall): Promise<EmbeddingsResponse> {
    const provider = deployment.provider;
    const body = convertOllamaEmbedRequest(request, deployment.model, readOllamaSettings(provider.config.options));
    const res = await upstreamRequest(provider, {
      path: '/api/embed',
      headers: authHeaders(provider),
      body,
      signal,
      deployment: deployment.id,
    });
    const { json } = await readJson<OllamaEmbedResponse>(res, provider, deployment.id);
    return convertOllamaEmbedResponse(json, request, deployment.model, deployment.id);
  },

  async modelCapabilities(provider: ProviderHandle, model: string, signal: AbortSignal): Promise<Partial<Capabilities>> {
    return ollamaCapabilities(await ollamaShow(provider, model, signal));
  },

  listModels(provider: ProviderHandle, signal: AbortSignal): Promise<DiscoveredModel[]> {
    return ollamaTags(provider, signal);
  },

  lifecycle: ollamaLifecycle,

  /** Ollama reports loaded models (`/api/ps`), not queue depth. */
  async engineState(provider: ProviderHandle, signal: AbortSignal): Promise<EngineState> {
    // `/api/ps` lists both `name` and `model`; a deployment may use either spelling.
    return { loadedModels: (await ollamaPs(provider, signal)).flatMap((m) => [m.name, m.model]) };
  },
};

/** Ollama itself has no auth; a key is sent only for servers behind an authenticating proxy. */
function authHeaders(provider: ProviderHandle): Record<string, string> {
  const key = provider.config.apiKey;
  return key ? { authorization: `Bearer ${key}` } : {};
}
