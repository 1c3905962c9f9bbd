/**
 * POST /v1/messages: the Anthropic Messages wire format on the client side, so the Anthropic SDK
 * (and tools built on it) can use Meridian's routing, guard and accounting unchanged. The request
 * becomes canonical, runs through the same pipeline, and the answer is written back as an
 * Anthropic message or event stream. Reference: https://docs.anthropic.com/en/api/messages ,
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming , https://docs.anthropic.com/en/api/errors
 */
import { InvalidRequestError } from '../errors.js';
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
import { writeTranslatedStream } from './stream-response.js';
import type { ChatWire } from './wire.js';

export const anthropicWire: ChatWire = {
  parse(body) {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InvalidRequestError('The request body must be a JSON object.');
    return anthropicRequestToCanonical(body as AnthropicRequest);
  },

  sendResponse(res, response, _raw, headers) {
    sendJson(res, 200, canonicalResponseToAnthropic(response), headers);
  },

  writeStream(res, events, opts) {
    return writeTranslatedStream(
      res,
      events,
      opts,
      async function* (chunks) {
        for await (const ev of canonicalStreamToAnthropicEvents(chunks)) yield anthropicEventToSse(ev);
      },
      (e) => anthropicEventToSse({ event: 'error', data: { type: 'error', error: errorToAnthropic(e) } }),
    );
  },

  sendError(res, err) {
    return sendErrorAs(res, err, (e) => ({ type: 'error', error: errorToAnthropic(e) }));
  },
};

/** POST /v1/messages */
export function handleMessages(g: GatewayServices, ctx: RequestContext): Promise<void> {
  return handleChatWire(g, ctx, anthropicWire);
}
