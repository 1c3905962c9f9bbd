/**
 * OpenAI embeddings request ↔ Ollama `POST /api/embed`.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings
 */
import type { Embedding, EmbeddingsRequest, EmbeddingsResponse } from '../../api/types.js';
import { InvalidRequestError, UpstreamError } from '../../errors.js';
import type { OllamaEmbedRequest, OllamaEmbedResponse } from './ollama-api.js';
import type { OllamaSettings } from './settings.js';

export function convertOllamaEmbedRequest(req: EmbeddingsRequest, model: string, settings: OllamaSettings): OllamaEmbedRequest {
  const input = req.input;
  const isText = typeof input === 'string' || (Array.isArray(input) && input.every((x) => typeof x === 'string'));
  if (!isText) throw new InvalidRequestError('Ollama embeds text only; token-id input is not supported for this model.', 'input');
  const body: OllamaEmbedRequest = { model, input: input as string | string[] };
  if (req.dimensions !== undefined) body.dimensions = req.dimensions;
  if (settings.keepAlive !== undefined) body.keep_alive = settings.keepAlive;
  return body;
}

export function convertOllamaEmbedResponse(
  res: OllamaEmbedResponse,
  req: EmbeddingsRequest,
  model: string,
  deployment: string,
): EmbeddingsResponse {
  if (!Array.isArray(res.embeddings)) {
    throw new UpstreamError(`Upstream '${deployment}' returned no embeddings.`, { deployment, upstreamStatus: 502 });
  }
  const data: Embedding[] = res.embeddings.map((vec, index) => ({
    object: 'embedding',
    index,
    embedding: req.encoding_format === 'base64' ? toBase64Float32(vec) : vec,
  }));
  const prompt = res.prompt_eval_count ?? 0;
  return { object: 'list', data, model: res.model ?? model, usage: { prompt_tokens: prompt, total_tokens: prompt } };
}

/** OpenAI's `encoding_format: base64`: little-endian float32 bytes, base64-encoded. */
function toBase64Float32(vec: number[]): string {
  const buf = Buffer.alloc(vec.length * 4);
  vec.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}
