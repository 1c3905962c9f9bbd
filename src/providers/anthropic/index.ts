/**
 * The Anthropic Messages API adapter (`type: anthropic`). Chat translates both ways; Anthropic
 * has no embeddings endpoint, so `embed` is left undefined.
 * References: https://docs.anthropic.com/en/api/messages ,
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming ,
 * https://docs.anthropic.com/en/api/models-list , https://docs.anthropic.com/en/api/versioning
 */
import { UpstreamError } from '../../errors.js';
import { readJson, upstreamRequest } from '../shared/http.js';
import { tiedToBody } from '../shared/upstream-body.js';
import { anthropicErrorFailure, isAnthropicErrorBody } from './anthropic-error.js';
import type { ChatCall, ChatResult, DiscoveredModel, ProviderAdapter, ProviderHandle } from '../spec.js';
import { ANTHROPIC_DEFAULT_VERSION, type AnthropicMessage, type AnthropicModelList } from './anthropic-api.js';
import { anthropicStream } from './anthropic-stream.js';
import { convertAnthropicRequest } from './convert-anthropic-request.js';
import { convertAnthropicResponse } from './convert-anthropic-response.js';

/** Safety net for a provider whose `has_more` never turns false. */
const MAX_MODEL_PAGES = 10;

/** `x-api-key`, `anthropic-version` (options.anthropicVersion) and optional `anthropic-beta`. */
export function anthropicHeaders(provider: ProviderHandle): Record<string, string> {
  const options = provider.config.options ?? {};
  const version = typeof options.anthropicVersion === 'string' ? options.anthropicVersion : ANTHROPIC_DEFAULT_VERSION;
  const headers: Record<string, string> = { 'anthropic-version': version };
  const key = provider.config.apiKey;
  if (key) headers['x-api-key'] = key;
  const beta = options.anthropicBeta;
  if (typeof beta === 'string' && beta) headers['anthropic-beta'] = beta;
  else if (Array.isArray(beta) && beta.length) headers['anthropic-beta'] = beta.map(String).join(',');
  return headers;
}

function defaultMaxTokens(provider: ProviderHandle): number | undefined {
  const v = provider.config.options?.defaultMaxTokens;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

export const anthropicAdapter: ProviderAdapter = {
  type: 'anthropic',
  genAiProviderName: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com',

  async chat({ request, deployment, signal }: ChatCall): Promise<ChatResult> {
    const provider = deployment.provider;
    const { body, jsonToolName } = convertAnthropicRequest(request, { defaultMaxTokens: defaultMaxTokens(provider) });
    const res = await upstreamRequest(provider, {
      path: '/v1/messages',
      headers: { ...anthropicHeaders(provider), ...(request.stream ? { accept: 'text/event-stream' } : {}) },
      body,
      signal,
      deployment: deployment.id,
    });
    if (request.stream) {
      return {
        type: 'stream',
        events: tiedToBody(
          res.body,
          anthropicStream(res.body, signal, provider, { model: request.model, deployment: deployment.id, jsonToolName }),
        ),
      };
    }
    const { json } = await readJson<AnthropicMessage>(res, provider, deployment.id);
    if (isAnthropicErrorBody(json)) throw anthropicErrorFailure(json, deployment.id, provider, 'with a 200 status');
    if (json === null || typeof json !== 'object' || !Array.isArray(json.content)) {
      throw new UpstreamError(`Upstream '${deployment.id}' returned a body that is not a Message.`, {
        deployment: deployment.id,
        upstreamStatus: 502,
      });
    }
    return { type: 'response', response: convertAnthropicResponse(json, jsonToolName) };
  },

  async listModels(provider: ProviderHandle, signal: AbortSignal): Promise<DiscoveredModel[]> {
    const models: DiscoveredModel[] = [];
    let afterId: string | undefined;
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const query = `?limit=1000${afterId ? `&after_id=${encodeURIComponent(afterId)}` : ''}`;
      const res = await upstreamRequest(provider, {
        method: 'GET',
        path: `/v1/models${query}`,
        headers: anthropicHeaders(provider),
        signal,
      });
      const { json } = await readJson<AnthropicModelList>(res, provider);
      // Every current Claude model takes tools and images; none embeds. JSON schema works through
      // the forced-tool mapping in convert-anthropic-request.
      for (const m of json.data ?? [])
        models.push({ id: m.id, capabilities: { tools: true, vision: true, jsonSchema: true, embeddings: false } });
      if (!json.has_more || !json.last_id) break;
      afterId = json.last_id;
    }
    return models;
  },
};
