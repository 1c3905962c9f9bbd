/**
 * Ollama `/api/embed` (and the legacy `/api/embeddings`) ⇄ the canonical embeddings request and
 * response. `truncate` and `options` are accepted and ignored: the deployment applies its own
 * context limit. Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings
 */
import type { EmbeddingsRequest, EmbeddingsResponse } from '../types.js';
import type { OllamaInboundEmbed, OllamaInboundLegacyEmbeddings } from './schema.js';

export function ollamaEmbedToCanonical(r: OllamaInboundEmbed): EmbeddingsRequest {
  return { model: r.model, input: r.input, ...(r.dimensions !== undefined ? { dimensions: r.dimensions } : {}) };
}

export function ollamaLegacyEmbeddingsToCanonical(r: OllamaInboundLegacyEmbeddings): EmbeddingsRequest {
  return { model: r.model, input: r.prompt };
}

/** `model` is the name the client asked for; durations are nanoseconds measured at the gateway. */
export function canonicalToOllamaEmbed(res: EmbeddingsResponse, model: string, totalMs: number) {
  return {
    model,
    embeddings: vectorsOf(res),
    total_duration: Math.max(0, Math.round(totalMs * 1e6)),
    load_duration: 0,
    prompt_eval_count: res.usage?.prompt_tokens ?? 0,
  };
}

export function canonicalToOllamaLegacyEmbeddings(res: EmbeddingsResponse): { embedding: number[] } {
  return { embedding: vectorsOf(res)[0] ?? [] };
}

/** Vectors in input order (adapters may answer out of order; `index` says where each belongs). */
function vectorsOf(res: EmbeddingsResponse): number[][] {
  return [...res.data]
    .sort((a, b) => a.index - b.index)
    .map((e) => (typeof e.embedding === 'string' ? decodeBase64(e.embedding) : e.embedding));
}

/** OpenAI's base64 form: little-endian float32 bytes (only if an adapter answered so unasked). */
function decodeBase64(b64: string): number[] {
  // Copied: a pooled Buffer's offset need not be a multiple of 4, which Float32Array requires.
  const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
  return Array.from(new Float32Array(bytes.buffer, 0, Math.floor(bytes.length / 4)));
}
