/**
 * Custom Vertex AI endpoints serving OpenAI-compatible chat (Model Garden vLLM / TGI containers,
 * self-deployed models): `POST /v1/projects/{p}/locations/{l}/endpoints/{endpoint}/chat/completions`
 * with the OpenAI body (the openai-compatible mapping).
 * https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/projects.locations.endpoints.chat/completions ,
 * https://cloud.google.com/vertex-ai/generative-ai/docs/multimodal/call-vertex-using-openai-library
 *
 * Config names such a deployment `endpoints/{endpointId}` (the container's default model) or
 * `endpoints/{endpointId}/{served model name}` (sent as `model`).
 */
import type { ChatRequest, ChatResponse } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import { convertOpenAIRequest } from '../openai-compatible/convert-openai-request.js';
import { normalizeReasoning } from '../openai-compatible/normalize-openai-response.js';
import { errorBodyMessage, isErrorBody } from '../openai-compatible/openai-error-body.js';
import { openaiStream } from '../openai-compatible/openai-stream.js';
import { openaiCompatibleSettings } from '../openai-compatible/settings.js';
import { readJson, scrubSecrets, type UpstreamRequest, type UpstreamResponse } from '../shared/http.js';
import { tiedToBody } from '../shared/upstream-body.js';
import type { ChatResult, ProviderHandle } from '../spec.js';

const ENDPOINT_MODEL = /^endpoints\/([A-Za-z0-9_-]+)(?:\/(.+))?$/;

/** `{ endpoint, model? }` for an `endpoints/…` model name, else undefined. */
export function endpointModel(model: string): { endpoint: string; model?: string } | undefined {
  const m = ENDPOINT_MODEL.exec(model);
  if (!m) return undefined;
  return m[2] ? { endpoint: m[1]!, model: m[2] } : { endpoint: m[1]! };
}

export async function vertexOpenAIChat(
  request: ChatRequest,
  deploymentId: string,
  target: { endpointPath: string; model?: string },
  provider: ProviderHandle,
  send: (req: UpstreamRequest) => Promise<UpstreamResponse>,
  signal: AbortSignal,
): Promise<ChatResult> {
  const body = convertOpenAIRequest(request, openaiCompatibleSettings);
  // The endpoint routes the call; the served model name goes in `model` only when config names one.
  if (target.model) body.model = target.model;
  else delete body.model;
  const res = await send({
    path: `${target.endpointPath}/chat/completions`,
    headers: request.stream ? { accept: 'text/event-stream' } : {},
    body,
    signal,
    deployment: deploymentId,
  });
  if (request.stream) return { type: 'stream', events: tiedToBody(res.body, openaiStream(res.body, signal, provider, deploymentId)) };
  const { json } = await readJson<ChatResponse>(res, provider, deploymentId);
  if (isErrorBody(json)) {
    throw new UpstreamError(scrubSecrets(`Upstream '${deploymentId}' answered 200 with an error: ${errorBodyMessage(json)}`, provider), {
      deployment: deploymentId,
      upstreamStatus: 502,
    });
  }
  if (json === null || typeof json !== 'object') {
    throw new UpstreamError(`Upstream '${deploymentId}' returned a body that is not a completion.`, {
      deployment: deploymentId,
      upstreamStatus: 502,
    });
  }
  if (!Array.isArray(json.choices)) json.choices = [];
  normalizeReasoning(json);
  return { type: 'response', response: json };
}
