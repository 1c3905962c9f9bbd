/**
 * POST /v1/responses: the OpenAI Responses API on the client side (issue #13), a third ChatWire
 * over the same pipeline as /v1/chat/completions and /v1/messages, so routing, the guard
 * (pseudonymize before cloud, restore in the answer and the event stream), budgets, cost and the
 * request log apply unchanged. Translation lives in src/api/responses/; an attempt on a deployment
 * that serves the Responses API itself (OpenAI) passes the body through (./responses-native.ts). A response is stored
 * when asked (OpenAI's default) and allowed (`responses.store`), saved before the client gets the
 * answer or the final stream event, so `previous_response_id` works at once on any replica
 * (./responses-store.ts, docs/responses.md).
 * Reference: https://platform.openai.com/docs/api-reference/responses
 */
import { responsesRequestToCanonical } from '../api/responses/request.js';
import { canonicalResponseToResponses, type ConversationState, type ResponseObject } from '../api/responses/response.js';
import { parseResponsesRequest, type InboundResponsesRequest } from '../api/responses/schema.js';
import { EventSequence, canonicalStreamToResponsesEvents, responsesEventToSse } from '../api/responses/stream.js';
import type { ChatMessage, ChatRequest } from '../api/types.js';
import { readJsonBody, sendError, sendJson } from '../server/http-util.js';
import { handleChatBody } from './chat.js';
import { takeRag } from './rag-step.js';
import type { RequestContext } from './context.js';
import { applyResponsesPrompt, resolveResponsesPrompt, type ResponsesPrompt } from './responses-prompt.js';
import { responsesNativeAttempt } from './responses-native.js';
import { loadConversation, saveResponse, storesResponse } from './responses-store.js';
import type { GatewayServices } from './services.js';
import { writeTranslatedStream } from './stream-response.js';
import type { ChatWire } from './wire.js';

/** A validated request with its stored history, ready for the pipeline. */
export interface PreparedResponses {
  inbound: InboundResponsesRequest;
  /** The conversation `previous_response_id` names (undefined without one). */
  history?: readonly ChatMessage[] | undefined;
  /** The registered prompt the request names (`prompt`), resolved. */
  prompt?: ResponsesPrompt | undefined;
  state: ConversationState;
}

/**
 * One wire per request: the answer echoes the request's own parameters (instructions, tools,
 * text.format…). `save` stores the finished response; false means it was not stored, and the
 * answer then says `store: false`.
 */
export function responsesWire(
  prepared: PreparedResponses,
  save: (conversation: ChatMessage[], response: ResponseObject) => Promise<boolean>,
): ChatWire {
  const { inbound, history, prompt, state } = prepared;
  let conversation: ChatMessage[] = [];
  let canonical: ChatRequest | undefined;
  const stored = async (response: ResponseObject): Promise<void> => {
    if (state.store && !(await save(conversation, response))) response.store = false;
  };
  return {
    // The body was validated when it was prepared; the same object is translated here.
    parse() {
      const request: ChatRequest = responsesRequestToCanonical(inbound, history);
      // What a continuation needs: earlier turns and this input, without the instructions or the
      // prompt (a continuation brings its own, as OpenAI documents for instructions). Real values:
      // the guard pseudonymizes copies per attempt.
      conversation = inbound.instructions ? request.messages.slice(1) : request.messages;
      canonical = prompt ? applyResponsesPrompt(request, prompt) : request;
      return canonical;
    },

    // To a deployment that serves the Responses API itself, the client's body passes through (./responses-native.ts).
    nativeAttempt(a) {
      if (!canonical) return undefined;
      return responsesNativeAttempt({ inbound, history, state, request: canonical, stored }, a);
    },

    async sendResponse(res, response, _raw, headers, fields) {
      const answer = canonicalResponseToResponses(response, inbound, state);
      await stored(answer);
      sendJson(res, 200, { ...answer, ...fields }, headers);
    },

    writeStream(res, events, opts) {
      const seq = new EventSequence();
      return writeTranslatedStream(
        res,
        events,
        opts,
        async function* (chunks) {
          for await (const ev of canonicalStreamToResponsesEvents(chunks, inbound, seq, state)) {
            // Saved before the client reads the final event: a continuation may follow at once.
            if (ev.event === 'response.completed' || ev.event === 'response.incomplete') await stored(ev.data.response as ResponseObject);
            yield responsesEventToSse(ev);
          }
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
export async function handleResponses(g: GatewayServices, ctx: RequestContext): Promise<void> {
  // `rag` is the gateway's field (docs/rag.md), not the Responses API's: chat.ts applies it.
  const { body, rag } = takeRag(await readJsonBody(ctx.req, g.config.server.bodyLimitBytes));
  let inbound = parseResponsesRequest(body);
  const prompt = inbound.prompt !== undefined && inbound.prompt !== null ? await resolveResponsesPrompt(g, inbound.prompt) : undefined;
  // The prompt's model is a default the request overrides.
  if (inbound.model === undefined && prompt?.resolved.body.model) inbound = { ...inbound, model: prompt.resolved.body.model };
  const previous = inbound.previous_response_id || null;
  const history = previous ? await loadConversation(g, ctx, previous) : undefined;
  const state = { store: storesResponse(g, inbound), previous_response_id: previous };
  const wire = responsesWire({ inbound, history, prompt, state }, (conversation, response) =>
    saveResponse(g, ctx, { inbound, conversation }, response),
  );
  const retrieval = rag ?? prompt?.resolved.body.rag;
  await handleChatBody(g, ctx, wire, retrieval === undefined ? body : { ...(body as object), rag: retrieval }, prompt?.version);
}
