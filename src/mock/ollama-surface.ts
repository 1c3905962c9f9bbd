/**
 * The Ollama native wire format of the mock: `/api/chat` (NDJSON stream by default), `/api/tags`,
 * `/api/embed`. Conversion reuses the Ollama adapter's server-side converters.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatChunk } from '../api/types.js';
import { canonicalResponseToOllama, canonicalStreamToOllamaLines, ollamaChatRequestToCanonical } from '../providers/ollama/inbound.js';
import { deliverChat, deliverFault, type WireSurface } from './deliver.js';
import type { MockEngine } from './engine.js';
import { HttpError, sendJson } from './http-util.js';

export const ollamaSurface: WireSurface = {
  // Ollama reports errors as `{"error": "message"}`.
  errorBody: (_status, message) => ({ error: message }),
  responseBody: (response) => canonicalResponseToOllama(response),
  streamContentType: 'application/x-ndjson',
  async *streamFrames(chunks: AsyncIterable<ChatChunk>) {
    for await (const line of canonicalStreamToOllamaLines(chunks)) yield `${JSON.stringify(line)}\n`;
  },
};

export async function ollamaChat(engine: MockEngine, body: unknown, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let request;
  try {
    request = ollamaChatRequestToCanonical(body);
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
  const plan = engine.chat(request);
  // Ollama always reports counts on the final line, so usage is always included.
  await deliverChat(engine, plan, request.stream === true, true, req, res, ollamaSurface);
}

export async function ollamaEmbed(engine: MockEngine, body: any, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!body || typeof body.model !== 'string' || body.input === undefined) throw new HttpError(400, "Body must have 'model' and 'input'.");
  const plan = engine.embed({
    model: body.model,
    input: body.input,
    ...(typeof body.dimensions === 'number' ? { dimensions: body.dimensions } : {}),
  });
  if (await deliverFault(plan, req, res, ollamaSurface)) return;
  if (plan.kind !== 'embeddings') return;
  sendJson(res, 200, {
    model: body.model,
    embeddings: plan.response.data.map((d) => d.embedding),
    prompt_eval_count: plan.response.usage.prompt_tokens,
  });
}

export function ollamaTags(engine: MockEngine, res: ServerResponse): void {
  sendJson(res, 200, {
    models: engine.models().map((name) => ({
      name,
      model: name,
      modified_at: '2024-01-01T00:00:00Z',
      size: 0,
      digest: name.replace(/[^a-z0-9]/gi, '').padEnd(12, '0'),
      details: { format: 'mock', family: 'mock', parameter_size: '0B', quantization_level: 'none' },
    })),
  });
}
