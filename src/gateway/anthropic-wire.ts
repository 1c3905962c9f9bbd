/**
 * POST /v1/messages: the Anthropic Messages wire format on the client side, so the Anthropic SDK
 * (and tools built on it) can use Meridian's routing, guard and accounting unchanged. The request
 * becomes canonical, runs through the same pipeline, and the answer is written back as an
 * Anthropic message or event stream. Reference: https://docs.anthropic.com/en/api/messages ,
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming , https://docs.anthropic.com/en/api/errors
 */
import type { ChatChunk, Usage } from '../api/types.js';
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
import { deltaText, drained, startEventStream, type StreamOutcome } from './stream-response.js';
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

  async writeStream(res, first, rest, opts) {
    startEventStream(res, opts.headers);
    const outcome: StreamOutcome = {};
    let usage: Usage | undefined;
    let text = '';
    // Taps the canonical stream for accounting; a stream without usage gets a counted one, so the
    // closing message_delta always carries output_tokens.
    async function* tapped(): AsyncGenerator<ChatChunk> {
      let last: ChatChunk | undefined;
      try {
        for (let next = first; !next.done; next = await rest.next()) {
          const c = next.value.chunk;
          last = c;
          if (c.usage) usage = c.usage;
          else text += deltaText(c);
          yield c;
          if (opts.signal.aborted) throw opts.signal.reason;
        }
      } catch (err) {
        outcome.error = toMeridianError(err);
        throw outcome.error;
      }
      if (!usage && last) {
        outcome.usage = opts.countUsage(text);
        yield { id: last.id, object: 'chat.completion.chunk', created: last.created, model: last.model, choices: [], usage: outcome.usage };
      }
    }
    for await (const ev of canonicalStreamToAnthropicEvents(tapped())) {
      if (res.destroyed) break;
      if (!res.write(anthropicEventToSse(ev))) await drained(res, opts.signal);
    }
    const estimated = usage === undefined;
    outcome.usage = usage ?? outcome.usage ?? opts.countUsage(text);
    const cost = opts.costOf(outcome.usage, estimated);
    if (!res.destroyed) {
      if (!outcome.error) res.addTrailers({ 'x-meridian-cost-usd': formatUsd(cost) });
      res.end();
    }
    await rest.return?.().catch(() => undefined);
    return outcome;
  },

  sendError(res, err) {
    return sendErrorAs(res, err, (e) => ({ type: 'error', error: errorToAnthropic(e) }));
  },
};

/** POST /v1/messages */
export function handleMessages(g: GatewayServices, ctx: RequestContext): Promise<void> {
  return handleChatWire(g, ctx, anthropicWire);
}
