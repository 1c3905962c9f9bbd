/**
 * OpenAI embeddings ↔ Bedrock InvokeModel bodies of the two embedding families Bedrock serves:
 * - Titan Text Embeddings (`amazon.titan-embed-text-v1`, `-v2:0`): `{inputText, dimensions?}` →
 *   `{embedding, inputTextTokenCount}`, one text per call
 *   (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html);
 * - Cohere Embed (`cohere.embed-english-v3`, `-multilingual-v3`, …): `{texts, input_type}` →
 *   `{embeddings: number[][]}`, at most 96 texts per call
 *   (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html).
 * The family is read from the model id; custom or provisioned model ARNs name it with
 * `options.embeddingFormat`. Token counts: Titan's `inputTextTokenCount`, else InvokeModel's
 * `X-Amzn-Bedrock-Input-Token-Count` response header, else ceil(characters / 4).
 */
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../api/types.js';
import { InvalidRequestError, UpstreamError } from '../../errors.js';
import type { CohereEmbedRequest, CohereEmbedResponse, TitanEmbedRequest, TitanEmbedResponse } from './bedrock-api.js';

export type EmbeddingFormat = 'titan' | 'cohere';

/** Cohere Embed on Bedrock takes at most this many texts per call. */
export const COHERE_MAX_TEXTS = 96;

export function embeddingFormat(model: string, configured: EmbeddingFormat | undefined): EmbeddingFormat {
  if (/(^|[.:/])cohere\.embed/.test(model)) return 'cohere';
  if (/(^|[.:/])amazon\.titan-embed/.test(model)) return 'titan';
  if (configured) return configured;
  throw new InvalidRequestError(
    `Cannot tell the embedding format of '${model}': Bedrock embeddings support amazon.titan-embed-* and cohere.embed-* models; for a custom model ARN set providers[].options.embeddingFormat.`,
    'model',
  );
}

export function embeddingInputs(request: EmbeddingsRequest): string[] {
  const input = request.input;
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((x): x is string => typeof x === 'string')) return input;
  throw new InvalidRequestError('Bedrock embeddings take text input only (a string or an array of strings), not token ids.', 'input');
}

export function titanBody(text: string, dimensions: number | undefined): TitanEmbedRequest {
  return dimensions !== undefined ? { inputText: text, dimensions } : { inputText: text };
}

export function cohereBody(texts: string[], inputType: string): CohereEmbedRequest {
  return { texts, input_type: inputType };
}

export function titanVector(json: TitanEmbedResponse, deployment: string): number[] {
  if (!Array.isArray(json?.embedding)) throw notEmbeddings(deployment);
  return json.embedding;
}

export function cohereVectors(json: CohereEmbedResponse, count: number, deployment: string): number[][] {
  const e = json?.embeddings;
  const vectors = Array.isArray(e) ? e : e && typeof e === 'object' && Array.isArray(e.float) ? e.float : undefined;
  if (!vectors) throw notEmbeddings(deployment);
  if (vectors.length !== count) {
    throw new UpstreamError(`Upstream '${deployment}' returned ${vectors.length} embeddings for ${count} inputs.`, {
      deployment,
      upstreamStatus: 502,
    });
  }
  return vectors;
}

export function toEmbeddingsResponse(
  vectors: number[][],
  request: EmbeddingsRequest,
  model: string,
  promptTokens: number,
): EmbeddingsResponse {
  return {
    object: 'list',
    data: vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: request.encoding_format === 'base64' ? toBase64Float32(v) : v,
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

export function estimateTokens(texts: string[]): number {
  return texts.reduce((sum, t) => sum + Math.ceil(t.length / 4), 0);
}

function notEmbeddings(deployment: string): UpstreamError {
  return new UpstreamError(`Upstream '${deployment}' returned a body without embeddings.`, { deployment, upstreamStatus: 502 });
}

/** OpenAI's `encoding_format: base64`: little-endian float32 bytes, base64-encoded. */
function toBase64Float32(values: number[]): string {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}
