/**
 * POST /v1/messages: the Anthropic Messages wire format on the client side, so the Anthropic SDK
 * (and tools built on it) can use Meridian's routing, guard and accounting unchanged. The request
 * becomes canonical, runs through the same pipeline, and the answer is written back as an
 * Anthropic message or event stream. Reference: https://docs.anthropic.com/en/api/messages ,
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming , https://docs.anthropic.com/en/api/errors
 */
import type { ChatChunk, StreamEvent } from '../api/types.js';
import { InvalidRequestError, toMeridianError } from '../errors.js';
import {
  anthropicEventToSse,
  anthropicRequestToCanonical,
  canonicalResponseToAnthropic,
  canonicalStreamToAnthropicEvents,
  errorToAnthropic,
} from '../providers/anthropic/inbound.js';
import type { AnthropicRequest } from '../providers/anthropic/anthropic-api.js';
import { sendErrorAs, sendJson } from '../server/http-util.js';
import type { RequestContext } from './context.js';
import { handleChatWire } from './chat.js';
import type { GatewayServices } from './services.js';
import { drained, endWithError, startEventStream, type StreamOutcome } from './stream-response.js';
import { formatUsd } from './headers.js';
import type { ChatWire } from './wire.js';

export const anthropicWire: ChatWire = {
  parse(body) {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InvalidRequestError('The request body must be a JSON object.');
    return anthropicRequestToCanonical(body as AnthropicRequest);
  },

  sendResponse(res, response, _raw, headers) {
    sendJson(res, 200, canonicalResponseToAnthropic(response), headers);
  },

  async writeStream(res, events, opts) {
    startEventStream(res, opts.headers);
    const outcome: StreamOutcome = {};
    try {
      for await (const ev of canonicalStreamToAnthropicEvents(chunksOf(events, opts.signal))) {
        if (!res.write(anthropicEventToSse(ev)) && !res.destroyed) await drained(res, opts.signal);
      }
      res.addTrailers({ 'x-meridian-cost-usd': formatUsd(opts.costUsd()) });
      res.end();
    } catch (err) {
      outcome.error = toMeridianError(err);
      endWithError(res, anthropicEventToSse({ event: 'error', data: { type: 'error', error: errorToAnthropic(outcome.error) } }));
    }
    return outcome;
  },

  sendError(res, err) {
    return sendErrorAs(res, err, (e) => ({ type: 'error', error: errorToAnthropic(e) }));
  },
};

async function* chunksOf(events: AsyncIterable<StreamEvent>, signal: AbortSignal): AsyncGenerator<ChatChunk> {
  for await (const ev of events) {
    yield ev.chunk;
    if (signal.aborted) throw signal.reason;
  }
}

/** POST /v1/messages */
export function handleMessages(g: GatewayServices, ctx: RequestContext): Promise<void> {
  return handleChatWire(g, ctx, anthropicWire);
}
