/**
 * POST /v1/messages: the Anthropic Messages wire format on the client side, so the Anthropic SDK
 * (and tools built on it) can use Meridian's routing, guard and accounting unchanged. The request
 * becomes canonical, runs through the same pipeline, and the answer is written back as an
 * Anthropic message or event stream. Registered prompts work as on chat (anthropicPromptShape). Reference: https://docs.anthropic.com/en/api/messages ,
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming , https://docs.anthropic.com/en/api/errors
 */
import { InvalidRequestError } from '../errors.js';
import type { Message, PromptShape } from '../prompts/index.js';
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

/**
 * A registered prompt on the Anthropic wire (`"model": "prompt:name@label"` or a `prompt` field):
 * the prompt's system (and developer) messages become the top-level `system`, ahead of the
 * request's own; its other messages, and the request's messages at the placeholder, stay in
 * `messages`. Its parameters are defaults under Anthropic's names (`max_tokens`, `temperature`,
 * `top_p`, `stop_sequences`); the OpenAI-only ones (penalties, seed) have no Anthropic field and
 * are dropped. https://docs.anthropic.com/en/api/messages (system, messages, stop_sequences)
 */
export const anthropicPromptShape: PromptShape = (messages, params, body) => {
  const system: string[] = [];
  const rest: Message[] = [];
  // The request's own messages (the history) pass as they are, for the Anthropic validation to judge.
  const history = new Set<unknown>(Array.isArray(body.messages) ? body.messages : []);
  for (const m of messages) {
    const own = m !== null && typeof m === 'object' && !history.has(m);
    if (own && (m.role === 'system' || m.role === 'developer') && typeof m.content === 'string') system.push(m.content);
    else rest.push(m);
  }
  const own = body.system;
  let merged: unknown = own;
  if (system.length > 0) {
    if (own === undefined || own === '') merged = system.join('\n\n');
    else if (typeof own === 'string') merged = [...system, own].join('\n\n');
    // Text blocks (maybe with cache_control) stay blocks; anything else is left for validation to refuse.
    else if (Array.isArray(own)) merged = [...system.map((text) => ({ type: 'text', text })), ...(own as unknown[])];
  }
  const maxTokens = params.max_tokens ?? params.max_completion_tokens;
  const stop = typeof params.stop === 'string' ? [params.stop] : params.stop;
  return {
    ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
    ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
    ...(params.top_p !== undefined ? { top_p: params.top_p } : {}),
    ...(stop !== undefined ? { stop_sequences: stop } : {}),
    ...body,
    ...(merged !== undefined ? { system: merged } : {}),
    messages: rest,
  };
};

export const anthropicWire: ChatWire = {
  prompts: true,
  promptShape: anthropicPromptShape,

  parse(body) {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InvalidRequestError('The request body must be a JSON object.');
    return anthropicRequestToCanonical(body as AnthropicRequest);
  },

  sendResponse(res, response, _raw, headers, fields) {
    sendJson(res, 200, { ...canonicalResponseToAnthropic(response), ...fields }, headers);
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
