/**
 * Claude on Vertex AI: the Anthropic Messages body (the `anthropic` adapter's mapping), posted to
 * `…/publishers/anthropic/models/{model}:rawPredict` (`:streamRawPredict` for streams) without
 * `model` and with `anthropic_version: "vertex-2023-10-16"` in the body; responses and stream
 * events are Anthropic's. https://docs.claude.com/en/api/claude-on-vertex-ai ,
 * https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude
 */
import type { ChatRequest } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import type { AnthropicMessage } from '../anthropic/anthropic-api.js';
import { anthropicErrorFailure, isAnthropicErrorBody } from '../anthropic/anthropic-error.js';
import { anthropicStream } from '../anthropic/anthropic-stream.js';
import { convertAnthropicRequest } from '../anthropic/convert-anthropic-request.js';
import { convertAnthropicResponse } from '../anthropic/convert-anthropic-response.js';
import { readJson, type UpstreamRequest, type UpstreamResponse } from '../shared/http.js';
import { tiedToBody } from '../shared/upstream-body.js';
import type { ChatResult, ProviderHandle } from '../spec.js';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/** `claude-…` (Vertex names them `claude-sonnet-4-5@20250929`) or an explicit `anthropic/` prefix. */
export function isAnthropicModel(model: string): boolean {
  return /^(anthropic\/|publishers\/anthropic\/models\/)?claude-/.test(model);
}

export function anthropicModelId(model: string): string {
  return model.replace(/^(anthropic\/|publishers\/anthropic\/models\/)/, '');
}

export async function vertexAnthropicChat(
  request: ChatRequest,
  deploymentId: string,
  modelBase: string,
  target: ProviderHandle,
  send: (req: UpstreamRequest) => Promise<UpstreamResponse>,
  signal: AbortSignal,
): Promise<ChatResult> {
  const { body, jsonToolName } = convertAnthropicRequest(request);
  const { model: _inPath, ...rest } = body;
  const res = await send({
    path: request.stream ? `${modelBase}:streamRawPredict` : `${modelBase}:rawPredict`,
    headers: request.stream ? { accept: 'text/event-stream' } : {},
    body: { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...rest },
    signal,
    deployment: deploymentId,
  });
  if (request.stream) {
    return {
      type: 'stream',
      events: tiedToBody(
        res.body,
        anthropicStream(res.body, signal, target, { model: request.model, deployment: deploymentId, jsonToolName }),
      ),
    };
  }
  const { json } = await readJson<AnthropicMessage>(res, target, deploymentId);
  if (isAnthropicErrorBody(json)) throw anthropicErrorFailure(json, deploymentId, target, 'with a 200 status');
  if (json === null || typeof json !== 'object' || !Array.isArray(json.content)) {
    throw new UpstreamError(`Upstream '${deploymentId}' returned a body that is not a Message.`, {
      deployment: deploymentId,
      upstreamStatus: 502,
    });
  }
  return { type: 'response', response: convertAnthropicResponse(json, jsonToolName) };
}
