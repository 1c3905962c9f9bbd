/**
 * The Amazon Bedrock adapter (`type: bedrock`): chat through the Converse and ConverseStream
 * APIs, embeddings through InvokeModel (Titan and Cohere bodies), model listing through the
 * control plane's ListFoundationModels / ListInferenceProfiles, every request SigV4-signed with
 * credentials from the environment or the shared AWS files (aws-credentials.ts).
 * References: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html ,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html ,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html ,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_ListFoundationModels.html ,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_ListInferenceProfiles.html
 *
 * The model goes in the path, percent-encoded, so foundation model ids
 * (`anthropic.claude-3-5-haiku-20241022-v1:0`), inference profiles (`us.anthropic.claude-…`,
 * or their ARN) and custom / provisioned model ARNs (`arn:aws:bedrock:…:provisioned-model/…`)
 * all work as the deployment's `model`.
 */
import type { EmbeddingsResponse } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import { readJson } from '../shared/http.js';
import { tiedToBody } from '../shared/upstream-body.js';
import type { ChatCall, ChatResult, DiscoveredModel, EmbedCall, ProviderAdapter, ProviderHandle } from '../spec.js';
import type { CohereEmbedResponse, ConverseResponse, ListFoundationModelsResponse, TitanEmbedResponse } from './bedrock-api.js';
import { bedrockRequest, identityFor } from './bedrock-http.js';
import { bedrockStream } from './bedrock-stream.js';
import { convertBedrockRequest } from './convert-bedrock-request.js';
import { convertBedrockResponse } from './convert-bedrock-response.js';
import {
  COHERE_MAX_TEXTS,
  cohereBody,
  cohereVectors,
  embeddingFormat,
  embeddingInputs,
  estimateTokens,
  titanBody,
  titanVector,
  toEmbeddingsResponse,
} from './convert-bedrock-embeddings.js';
import { checkBedrockOptions, readBedrockSettings } from './settings.js';

/** Titan embeds one text per call: this many calls run at once for a batch. */
const TITAN_CONCURRENCY = 4;

function modelPath(model: string, action: 'converse' | 'converse-stream' | 'invoke'): string {
  return `/model/${encodeURIComponent(model)}/${action}`;
}

export const bedrockAdapter: ProviderAdapter = {
  type: 'bedrock',
  genAiProviderName: 'aws.bedrock',
  // The endpoint depends on the region, known only once credentials are read (bedrock-http.ts).
  defaultBaseUrl: '',
  defaultLocation: 'private',
  checkOptions: checkBedrockOptions,

  async chat({ request, deployment, signal }: ChatCall): Promise<ChatResult> {
    const provider = deployment.provider;
    const settings = readBedrockSettings(provider.config.options);
    const { body, jsonToolName } = convertBedrockRequest(
      { ...request, model: deployment.model },
      settings.defaultMaxTokens ? { defaultMaxTokens: settings.defaultMaxTokens } : {},
    );
    const res = await bedrockRequest(provider, {
      path: modelPath(deployment.model, request.stream ? 'converse-stream' : 'converse'),
      body,
      accept: request.stream ? 'application/vnd.amazon.eventstream' : 'application/json',
      signal,
      deployment: deployment.id,
    });
    if (request.stream) {
      const { credentials } = await identityFor(provider, deployment.id);
      const ctx = { model: deployment.model, deployment: deployment.id, credentials, ...(jsonToolName ? { jsonToolName } : {}) };
      return { type: 'stream', events: tiedToBody(res.body, bedrockStream(res.body, signal, provider, ctx)) };
    }
    const { json } = await readJson<ConverseResponse>(res, provider, deployment.id);
    return { type: 'response', response: convertBedrockResponse(json, deployment.model, deployment.id, jsonToolName) };
  },

  async embed({ request, deployment, signal }: EmbedCall): Promise<EmbeddingsResponse> {
    const provider = deployment.provider;
    const settings = readBedrockSettings(provider.config.options);
    const format = embeddingFormat(deployment.model, settings.embeddingFormat);
    const inputs = embeddingInputs(request);
    const invoke = async <T>(body: unknown): Promise<{ json: T; tokens: number | undefined }> => {
      const res = await bedrockRequest(provider, {
        path: modelPath(deployment.model, 'invoke'),
        body,
        accept: 'application/json',
        signal,
        deployment: deployment.id,
      });
      const header = Number(res.headers['x-amzn-bedrock-input-token-count']);
      const { json } = await readJson<T>(res, provider, deployment.id);
      return { json, tokens: Number.isFinite(header) && header >= 0 ? header : undefined };
    };
    const vectors: number[][] = [];
    let tokens = 0;
    if (format === 'cohere') {
      for (let i = 0; i < inputs.length; i += COHERE_MAX_TEXTS) {
        const texts = inputs.slice(i, i + COHERE_MAX_TEXTS);
        const { json, tokens: counted } = await invoke<CohereEmbedResponse>(cohereBody(texts, settings.cohereInputType));
        vectors.push(...cohereVectors(json, texts.length, deployment.id));
        tokens += counted ?? estimateTokens(texts);
      }
    } else {
      for (let i = 0; i < inputs.length; i += TITAN_CONCURRENCY) {
        const batch = inputs.slice(i, i + TITAN_CONCURRENCY);
        const results = await Promise.all(batch.map((text) => invoke<TitanEmbedResponse>(titanBody(text, request.dimensions))));
        results.forEach(({ json, tokens: counted }, j) => {
          vectors.push(titanVector(json, deployment.id));
          const own = json.inputTextTokenCount;
          tokens += typeof own === 'number' && own >= 0 ? own : (counted ?? estimateTokens([batch[j]!]));
        });
      }
    }
    return toEmbeddingsResponse(vectors, request, deployment.model, tokens);
  },

  /**
   * The health monitor and `meridian doctor` call this as a liveness and credentials probe, so it
   * only fails when the runtime would too: a principal allowed to invoke models but not to list
   * them (AccessDeniedException) gets an empty list, and a provider whose runtime endpoint is
   * overridden (VPC endpoint, proxy) lists nothing unless `controlEndpoint` says where the
   * control plane is, rather than guessing a public endpoint it may not reach.
   */
  async listModels(provider: ProviderHandle, signal: AbortSignal): Promise<DiscoveredModel[]> {
    const settings = readBedrockSettings(provider.config.options);
    if (!settings.listModels) return [];
    if ((settings.endpoint || provider.config.baseUrl) && !settings.controlEndpoint) return [];
    let res;
    try {
      res = await bedrockRequest(provider, { method: 'GET', plane: 'control', path: '/foundation-models', signal });
    } catch (err) {
      if (err instanceof UpstreamError && err.upstreamStatus === 403 && /AccessDeniedException/.test(err.message)) return [];
      throw err;
    }
    const { json } = await readJson<ListFoundationModelsResponse>(res, provider);
    if (!Array.isArray(json?.modelSummaries)) {
      throw new UpstreamError(`Upstream '${provider.id}' returned a model list without modelSummaries.`, { upstreamStatus: 502 });
    }
    const models: DiscoveredModel[] = [];
    for (const m of json.modelSummaries) {
      if (typeof m?.modelId !== 'string') continue;
      const output = m.outputModalities ?? [];
      models.push({
        id: m.modelId,
        capabilities: { embeddings: output.includes('EMBEDDING'), vision: (m.inputModalities ?? []).includes('IMAGE') },
      });
    }
    return [...models, ...(await inferenceProfiles(provider, signal))];
  },
};

/**
 * System-defined cross-region inference profiles (`us.anthropic.…`), which many models can only
 * be called through. A principal allowed to list models but not profiles still gets the models.
 */
async function inferenceProfiles(provider: ProviderHandle, signal: AbortSignal): Promise<DiscoveredModel[]> {
  try {
    const res = await bedrockRequest(provider, {
      method: 'GET',
      plane: 'control',
      path: '/inference-profiles',
      query: { maxResults: '1000', type: 'SYSTEM_DEFINED' },
      signal,
    });
    const { json } = await readJson<{ inferenceProfileSummaries?: Array<{ inferenceProfileId?: unknown }> }>(res, provider);
    return (json?.inferenceProfileSummaries ?? [])
      .map((p) => p?.inferenceProfileId)
      .filter((id): id is string => typeof id === 'string')
      .map((id) => ({ id }));
  } catch (err) {
    if (err instanceof UpstreamError && (err.upstreamStatus === 403 || err.upstreamStatus === 404)) return [];
    throw err;
  }
}
