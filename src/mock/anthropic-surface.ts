/**
 * The Anthropic Messages wire format of the mock: `POST /v1/messages` (JSON and SSE). Conversion
 * reuses the Anthropic adapter's server-side converters.
 * References: https://docs.anthropic.com/en/api/messages ,
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming , https://docs.anthropic.com/en/api/errors
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatChunk } from '../api/types.js';
import type { AnthropicRequest } from '../providers/anthropic/anthropic-api.js';
import {
  anthropicEventToSse,
  anthropicRequestToCanonical,
  canonicalResponseToAnthropic,
  canonicalStreamToAnthropicEvents,
} from '../providers/anthropic/inbound.js';
import { deliverChat, type WireSurface } from './deliver.js';
import type { MockEngine } from './engine.js';
import { HttpError } from './http-util.js';

function anthropicErrorType(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 529) return 'overloaded_error';
  return 'api_error';
}

export const anthropicSurface: WireSurface = {
  errorBody: (status, message) => ({ type: 'error', error: { type: anthropicErrorType(status), message } }),
  responseBody: (response) => canonicalResponseToAnthropic(response),
  streamContentType: 'text/event-stream',
  async *streamFrames(chunks: AsyncIterable<ChatChunk>) {
    for await (const event of canonicalStreamToAnthropicEvents(chunks)) yield anthropicEventToSse(event);
  },
};

export async function anthropicMessages(engine: MockEngine, body: unknown, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let request;
  try {
    request = anthropicRequestToCanonical(body as AnthropicRequest);
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
  const plan = engine.chat(request);
  // Anthropic always reports usage (message_start / message_delta), so include it.
  await deliverChat(engine, plan, request.stream === true, true, req, res, anthropicSurface);
}
