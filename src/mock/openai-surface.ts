/**
 * The OpenAI wire format of the mock: `/v1/chat/completions` (JSON and SSE), `/v1/embeddings`,
 * `/v1/models`. References: https://platform.openai.com/docs/api-reference/chat/create ,
 * https://platform.openai.com/docs/api-reference/chat-streaming ,
 * https://platform.openai.com/docs/api-reference/embeddings/create ,
 * https://platform.openai.com/docs/guides/error-codes
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatChunk, ChatRequest, EmbeddingsRequest } from '../api/types.js';
import { deliverChat, deliverFault, type WireSurface } from './deliver.js';
import type { MockEngine } from './engine.js';
import { HttpError, sendJson } from './http-util.js';

export const openaiSurface: WireSurface = {
  errorBody: (_status, message, type, code) => ({ error: { message, type, code, param: null } }),
  responseBody: (response) => response,
  streamContentType: 'text/event-stream',
  async *streamFrames(chunks: AsyncIterable<ChatChunk>) {
    for await (const chunk of chunks) yield `data: ${JSON.stringify(chunk)}\n\n`;
  },
  streamEnd: 'data: [DONE]\n\n',
};

export async function openaiChat(engine: MockEngine, body: any, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages)) {
    throw new HttpError(400, "Body must have 'model' (string) and 'messages' (array).");
  }
  const request = body as ChatRequest;
  const plan = engine.chat(request);
  await deliverChat(engine, plan, request.stream === true, request.stream_options?.include_usage === true, req, res, openaiSurface);
}

export async function openaiEmbeddings(engine: MockEngine, body: any, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!body || typeof body.model !== 'string' || body.input === undefined) throw new HttpError(400, "Body must have 'model' and 'input'.");
  const plan = engine.embed(body as EmbeddingsRequest);
  if (await deliverFault(plan, req, res, openaiSurface)) return;
  if (plan.kind !== 'embeddings') return;
  // The openai SDK asks for base64 by default: little-endian float32, base64-encoded.
  const base64 = (body as EmbeddingsRequest).encoding_format === 'base64';
  sendJson(res, 200, {
    ...plan.response,
    data: plan.response.data.map((d) => ({ ...d, embedding: base64 ? toBase64Floats(d.embedding as number[]) : d.embedding })),
  });
}

function toBase64Floats(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

export function openaiModels(engine: MockEngine, res: ServerResponse): void {
  sendJson(res, 200, {
    object: 'list',
    data: engine.models().map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'meridian-mock' })),
  });
}
