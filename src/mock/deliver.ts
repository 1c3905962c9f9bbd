/**
 * Carries out an engine plan on an HTTP response, in the wire format of one surface (OpenAI,
 * Anthropic, Ollama): latency, error status with Retry-After, a dropped connection, a hang, a
 * JSON answer, or a stream with a slow first token and an optional mid-stream truncation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatChunk, ChatResponse } from '../api/types.js';
import type { EmbedPlan, MockEngine, MockPlan } from './engine.js';
import { clientGone, sendJson, sleep, write } from './http-util.js';

/** How one wire protocol spells answers, errors and streams. */
export interface WireSurface {
  errorBody(status: number, message: string, type: string, code: string): unknown;
  responseBody(response: ChatResponse): unknown;
  streamContentType: string;
  /** Canonical chunks → wire frames (complete text to write, e.g. `data: …\n\n`). */
  streamFrames(chunks: AsyncIterable<ChatChunk>): AsyncIterable<string>;
  /** Written after the last frame (OpenAI's `data: [DONE]`). */
  streamEnd?: string;
}

/** Handles the plan kinds that are not an answer. Returns true when the response is finished. */
export async function deliverFault(
  plan: MockPlan | EmbedPlan,
  req: IncomingMessage,
  res: ServerResponse,
  surface: Pick<WireSurface, 'errorBody'>,
): Promise<boolean> {
  const gone = clientGone(req, res);
  await sleep(plan.delivery.latencyMs, gone);
  if (gone.aborted) return true;
  switch (plan.kind) {
    case 'drop':
      req.socket.destroy();
      return true;
    case 'hang':
      await sleep(plan.hangMs, gone);
      req.socket.destroy();
      return true;
    case 'error':
      sendJson(res, plan.status, surface.errorBody(plan.status, plan.message, plan.type, plan.code), {
        ...(plan.retryAfter !== undefined ? { 'retry-after': String(plan.retryAfter) } : {}),
        ...(plan.rule ? { 'x-mock-rule': plan.rule } : {}),
      });
      return true;
    default:
      return false;
  }
}

export async function deliverChat(
  engine: MockEngine,
  plan: MockPlan,
  stream: boolean,
  includeUsage: boolean,
  req: IncomingMessage,
  res: ServerResponse,
  surface: WireSurface,
): Promise<void> {
  if (await deliverFault(plan, req, res, surface)) return;
  if (plan.kind !== 'chat') return;
  const ruleHeader: Record<string, string> = plan.rule ? { 'x-mock-rule': plan.rule } : {};
  if (!stream) {
    sendJson(res, 200, surface.responseBody(plan.response), ruleHeader);
    return;
  }
  const gone = clientGone(req, res);
  res.writeHead(200, { 'content-type': surface.streamContentType, 'cache-control': 'no-cache', connection: 'keep-alive', ...ruleHeader });
  res.flushHeaders();
  const { firstTokenMs, chunkDelayMs, truncateAfterChunks } = plan.delivery;
  const chunks = engine.chunks(plan.response, includeUsage);
  async function* paced(): AsyncGenerator<ChatChunk> {
    for (const [i, chunk] of chunks.entries()) {
      // Chunk 0 is the role chunk; the first token is chunk 1.
      await sleep(i === 1 ? firstTokenMs : i > 1 ? chunkDelayMs : 0, gone);
      if (gone.aborted) return;
      yield chunk;
    }
  }
  let frames = 0;
  for await (const frame of surface.streamFrames(paced())) {
    if (truncateAfterChunks !== undefined && frames >= truncateAfterChunks) {
      // A connection dropped mid-stream: what was written is flushed, then the socket closes
      // without the chunked-encoding terminator, so the client sees an incomplete body.
      res.socket?.destroySoon();
      return;
    }
    await write(res, frame);
    frames++;
  }
  if (gone.aborted) return;
  if (surface.streamEnd) await write(res, surface.streamEnd);
  res.end();
}
