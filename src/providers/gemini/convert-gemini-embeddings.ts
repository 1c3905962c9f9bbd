/**
 * OpenAI embeddings request ↔ Gemini `batchEmbedContents`.
 * Reference: https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
 *
 * Gemini embeds text only: token-id arrays (OpenAI's `number[]` input) are rejected.
 * `dimensions` → `outputDimensionality`. The response carries no token counts, so usage is
 * estimated as ceil(characters / 4) per input — Google's own rule of thumb ("a token is about
 * four characters", https://ai.google.dev/gemini-api/docs/tokens) — unless the upstream sends
 * `usageMetadata`, which then wins.
 */
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../api/types.js';
import { InvalidRequestError, UpstreamError } from '../../errors.js';
import type { GeminiBatchEmbedRequest, GeminiBatchEmbedResponse } from './gemini-api.js';

export function embeddingInputs(request: EmbeddingsRequest): string[] {
  const input = request.input;
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.every((x): x is string => typeof x === 'string')) return input;
  throw new InvalidRequestError('Gemini embeddings take text input only (a string or an array of strings), not token ids.', 'input');
}

export function convertGeminiEmbedRequest(inputs: string[], model: string, dimensions: number | undefined): GeminiBatchEmbedRequest {
  return {
    requests: inputs.map((text) => ({
      model: `models/${model}`,
      content: { parts: [{ text }] },
      ...(dimensions !== undefined ? { outputDimensionality: dimensions } : {}),
    })),
  };
}

export function convertGeminiEmbedResponse(
  json: GeminiBatchEmbedResponse,
  inputs: string[],
  request: EmbeddingsRequest,
  model: string,
  deployment: string,
): EmbeddingsResponse {
  const embeddings = json.embeddings ?? [];
  if (embeddings.length !== inputs.length) {
    throw new UpstreamError(`Upstream '${deployment}' returned ${embeddings.length} embeddings for ${inputs.length} inputs.`, {
      deployment,
      upstreamStatus: 502,
    });
  }
  const estimated = inputs.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
  const promptTokens = json.usageMetadata?.promptTokenCount ?? estimated;
  return {
    object: 'list',
    data: embeddings.map((e, index) => ({
      object: 'embedding',
      index,
      embedding: request.encoding_format === 'base64' ? toBase64Float32(e.values ?? []) : (e.values ?? []),
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: json.usageMetadata?.totalTokenCount ?? promptTokens },
  };
}

/** OpenAI's `encoding_format: base64`: little-endian float32 bytes, base64-encoded. */
function toBase64Float32(values: number[]): string {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}
