/**
 * Azure OpenAI (Azure AI Foundry): OpenAI's wire format served per deployment. References:
 * https://learn.microsoft.com/azure/ai-foundry/openai/reference (chat completions, embeddings,
 * `api-version`, `api-key` / Entra ID auth), https://learn.microsoft.com/azure/ai-foundry/openai/latest
 * (the `/openai/v1/` surface), https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter .
 *
 * A dated `apiVersion` sends `{baseUrl}/openai/deployments/{deployment}/chat/completions?api-version=…`;
 * `apiVersion: v1` sends `{baseUrl}/openai/v1/chat/completions` with the deployment as `model`.
 * The deployment's model name in Meridian's config *is* the Azure deployment name.
 * Bodies, streams and errors are OpenAI's, so the openai-compatible mapping is reused.
 */
import type { ChatResponse, EmbeddingsResponse, StreamEvent } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import { convertOpenAIRequest } from '../openai-compatible/convert-openai-request.js';
import { normalizeReasoning } from '../openai-compatible/normalize-openai-response.js';
import { errorBodyMessage, isErrorBody } from '../openai-compatible/openai-error-body.js';
import { openaiStream } from '../openai-compatible/openai-stream.js';
import { openaiSettings, type OpenAICompatibleSettings } from '../openai-compatible/settings.js';
import { readJson, scrubSecrets, upstreamRequest, type UpstreamRequest, type UpstreamResponse } from '../shared/http.js';
import { tiedToBody } from '../shared/upstream-body.js';
import type { ChatCall, ChatResult, DiscoveredModel, EmbedCall, ProviderAdapter, ProviderHandle } from '../spec.js';
import { AzureAuth } from './azure-auth.js';
import { azureContentFilterError } from './azure-error.js';
import { readAzureOptions, type AzureOptions } from './settings.js';

/** Azure takes OpenAI's request fields; `max_completion_tokens` since 2024-09-01-preview (o-series need it). */
const settings: OpenAICompatibleSettings = {
  type: 'azure-openai',
  maxTokensField: 'max_completion_tokens',
  ...(openaiSettings.knownFields ? { knownFields: openaiSettings.knownFields } : {}),
};

const parsed = new WeakMap<object, AzureOptions>();
function optionsOf(provider: ProviderHandle): AzureOptions {
  const key = provider.config;
  let o = parsed.get(key);
  if (!o) {
    o = readAzureOptions(provider.config.options);
    parsed.set(key, o);
  }
  return o;
}

/** Path for one operation on one deployment, on the surface the api version selects. */
function pathFor(opts: AzureOptions, op: 'chat/completions' | 'embeddings', deployment: string): string {
  if (opts.apiVersion === 'v1') return `/openai/v1/${op}`;
  return `/openai/deployments/${encodeURIComponent(deployment)}/${op}?api-version=${encodeURIComponent(opts.apiVersion)}`;
}

export interface AzureAdapterOptions {
  /** Clock for token expiry (tests move it forward). */
  now?: () => number;
}

export function createAzureOpenAIAdapter(adapterOpts: AzureAdapterOptions = {}): ProviderAdapter {
  const auth = new AzureAuth(adapterOpts.now ?? Date.now);

  /** upstreamRequest with Azure's auth and content-filter reading; a refused token is dropped from the cache. */
  async function send(provider: ProviderHandle, req: Omit<UpstreamRequest, 'describeError'>): Promise<UpstreamResponse> {
    const opts = optionsOf(provider);
    const headers = { ...(await auth.headers(provider, opts, req.signal)), ...req.headers };
    try {
      return await upstreamRequest(provider, {
        ...req,
        headers,
        describeError: (status, text) => azureContentFilterError(status, text, provider, req.deployment),
      });
    } catch (err) {
      if (err instanceof UpstreamError && err.upstreamStatus === 401) auth.refused(provider);
      throw err;
    }
  }

  return {
    type: 'azure-openai',
    genAiProviderName: 'azure.ai.openai',
    defaultLocation: 'private',

    checkOptions(options) {
      readAzureOptions(options);
    },

    async chat({ request, deployment, signal }: ChatCall): Promise<ChatResult> {
      const provider = deployment.provider;
      const opts = optionsOf(provider);
      const body = convertOpenAIRequest(request, settings);
      // The deployment routes the call; on the v1 surface it goes in `model`, on dated versions
      // in the path (Azure ignores the body's `model` there).
      body.model = deployment.model;
      const res = await send(provider, {
        path: pathFor(opts, 'chat/completions', deployment.model),
        headers: request.stream ? { accept: 'text/event-stream' } : {},
        body,
        signal,
        deployment: deployment.id,
      });
      if (request.stream) {
        return {
          type: 'stream',
          events: tiedToBody(res.body, withoutFilterOnlyChunks(openaiStream(res.body, signal, provider, deployment.id))),
        };
      }
      const { json, raw } = await readJson<ChatResponse>(res, provider, deployment.id);
      if (isErrorBody(json)) {
        throw new UpstreamError(
          scrubSecrets(`Upstream '${deployment.id}' answered 200 with an error: ${errorBodyMessage(json)}`, provider),
          {
            deployment: deployment.id,
            upstreamStatus: 502,
          },
        );
      }
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
      const res = await send(provider, {
        path: pathFor(optionsOf(provider), 'embeddings', deployment.model),
        body: { ...request, model: deployment.model },
        signal,
        deployment: deployment.id,
      });
      const { json } = await readJson<EmbeddingsResponse>(res, provider, deployment.id);
      if (isErrorBody(json)) {
        throw new UpstreamError(
          scrubSecrets(`Upstream '${deployment.id}' answered 200 with an error: ${errorBodyMessage(json)}`, provider),
          {
            deployment: deployment.id,
            upstreamStatus: 502,
          },
        );
      }
      return json;
    },

    /**
     * Reads Azure's Models - List (`GET /openai/models?api-version=…`, or `/openai/v1/models`) to
     * prove the endpoint is reachable and the key or token accepted (`meridian doctor`, health
     * probes), and reports no models: that list holds the base models the resource *could*
     * deploy, not its deployments, so a `provider/model` id made from it would fail with
     * DeploymentNotFound. Azure's data plane cannot list deployments; they come from `models:`.
     */
    async listModels(provider: ProviderHandle, signal: AbortSignal): Promise<DiscoveredModel[]> {
      const opts = optionsOf(provider);
      const path = opts.apiVersion === 'v1' ? '/openai/v1/models' : `/openai/models?api-version=${encodeURIComponent(opts.apiVersion)}`;
      const res = await send(provider, { method: 'GET', path, signal });
      await readJson(res, provider);
      return [];
    },
  };
}

/**
 * Azure opens a stream with a chunk that carries only `prompt_filter_results` (`choices: []`, no
 * usage, empty id): it is not a completion chunk, and a client would read `choices: []` as the
 * usage chunk, so it is dropped.
 */
async function* withoutFilterOnlyChunks(events: AsyncIterable<StreamEvent>): AsyncGenerator<StreamEvent> {
  for await (const ev of events) {
    if (ev.chunk.choices.length === 0 && !ev.chunk.usage) continue;
    yield ev;
  }
}

export const azureOpenAIAdapter = createAzureOpenAIAdapter();
