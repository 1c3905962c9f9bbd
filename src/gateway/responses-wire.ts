/**
 * POST /v1/responses: the OpenAI Responses API on the client side (issue #13), a third ChatWire
 * over the same pipeline as /v1/chat/completions and /v1/messages, so routing, the guard
 * (pseudonymize before cloud, restore in the answer and the event stream), budgets, cost and the
 * request log apply unchanged. Translation lives in src/api/responses/; Meridian stores nothing,
 * so `store` answers false and `previous_response_id` is a 400 (docs/responses.md).
 * Reference: https://platform.openai.com/docs/api-reference/responses
 */
import { parseResponsesToCanonical } from '../api/responses/request.js';
import { canonicalResponseToResponses } from '../api/responses/response.js';
import type { InboundResponsesRequest } from '../api/responses/schema.js';
import { EventSequence, canonicalStreamToResponsesEvents, responsesEventToSse } from '../api/responses/stream.js';
import { sendError, sendJson } from '../server/http-util.js';
import { handleChatWire } from './chat.js';
import type { RequestContext } from './context.js';
import type { GatewayServices } from './services.js';
import { writeTranslatedStream } from './stream-response.js';
import type { ChatWire } from './wire.js';

/** One wire per request: the answer echoes the request's own parameters (instructions, tools, text.format…). */
export function responsesWire(): ChatWire {
  let inbound: InboundResponsesRequest | undefined;
  const echoed = () => {
    if (!inbound) throw new Error('responsesWire: answer written before the request was parsed');
    return inbound;
  };
  return {
    parse(body) {
      const parsed = parseResponsesToCanonical(body);
      inbound = parsed.inbound;
      return parsed.request;
    },

    sendResponse(res, response, _raw, headers) {
      sendJson(res, 200, canonicalResponseToResponses(response, echoed()), headers);
    },

    writeStream(res, events, opts) {
      const seq = new EventSequence();
      return writeTranslatedStream(
        res,
        events,
        opts,
        async function* (chunks) {
          for await (const ev of canonicalStreamToResponsesEvents(chunks, echoed(), seq)) yield responsesEventToSse(ev);
        },
        // The documented `error` event; the OpenAI SDK raises it as an APIError. Never a clean response.completed.
        (e) => {
          const { message, code, param } = e.toJSON().error;
          return responsesEventToSse(seq.make('error', { code, message, param }));
        },
      );
    },

    sendError,
  };
}

/** POST /v1/responses */
export function handleResponses(g: GatewayServices, ctx: RequestContext): Promise<void> {
  return handleChatWire(g, ctx, responsesWire());
}
