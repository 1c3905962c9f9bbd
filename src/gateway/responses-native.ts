/**
 * The Responses API passed through to a deployment that serves it itself (OpenAI by default;
 * `providers[].options.responsesApi`), per attempt (docs/responses.md, "Native pass-through to
 * OpenAI"). The client's body goes upstream (./responses-native-guard.ts guards it, and restores
 * the answer); the answer is Meridian's own response: its id, `store` and `previous_response_id`
 * are what Meridian decided, its usage is metered like chat's, and a stored answer keeps the
 * canonical conversation, so `previous_response_id` continues on any provider.
 * References: https://platform.openai.com/docs/api-reference/responses/create ,
 * https://platform.openai.com/docs/api-reference/responses-streaming
 */
import { prepend } from '../util/iterators.js';
import type { ServerResponse } from 'node:http';
import { canPassThrough, nativeOutputText, nativeRequestBody, nativeUsage } from '../api/responses/native.js';
import { responseId, usageToResponses, type ConversationState, type ResponseObject } from '../api/responses/response.js';
import type { InboundResponsesRequest } from '../api/responses/schema.js';
import type { ChatMessage, ChatRequest, Usage } from '../api/types.js';
import { toMeridianError } from '../errors.js';
import type { Restorer } from '../guard/index.js';
import type { ResponsesWireEvent } from '../providers/spec.js';
import { sendJson } from '../server/http-util.js';
import { formatUsd } from './headers.js';
import type { NativeAttemptInput, NativeCommitted, NativeIO } from './native-attempt.js';
import { guardNativeBody, restoreNative, restoreNativeEvents } from './responses-native-guard.js';
import { drained, endWithError, startEventStream, type StreamOutcome } from './stream-response.js';

/** One request's side of the pass-through: what the wire parsed and how it stores an answer. */
export interface NativeTurn {
  inbound: InboundResponsesRequest;
  history: readonly ChatMessage[] | undefined;
  state: ConversationState;
  /** The canonical request admission inspected (before any pseudonymization). */
  request: ChatRequest;
  /** Saves a finished response when it is to be stored (sets `store: false` when it could not be). */
  stored(response: ResponseObject): Promise<void>;
}

const TERMINAL = new Set(['response.completed', 'response.incomplete']);

/** The attempt on `a.deployment`'s own `/responses`, or undefined when this attempt is translated. */
export function responsesNativeAttempt(turn: NativeTurn, a: NativeAttemptInput): Promise<NativeCommitted> | undefined {
  const d = a.deployment;
  const adapter = d.provider.adapter;
  if (!adapter.responses || !adapter.speaksResponses?.(d.provider) || !canPassThrough(turn.inbound)) return undefined;
  const guarded = guardNativeBody(
    a.g.guard,
    a.inspection,
    turn.request,
    nativeRequestBody(turn.inbound, turn.history, d.model),
    d.location,
  );
  if (!guarded) {
    a.g.logger.debug({ deployment: d.id }, 'responses: translated, the body carries text the guard cannot pass through');
    return undefined;
  }
  const call = adapter.responses.bind(adapter);
  const restorer = guarded.restorer;
  return (async (): Promise<NativeCommitted> => {
    const t0 = performance.now();
    const result = await call({ body: guarded.body, deployment: d, signal: a.signal });
    if (result.type === 'response') return { type: 'native', send: (res, io) => sendNative(turn, result.response, restorer, res, io) };
    // Committed once the first event arrived: a failure before it falls back like any attempt.
    const it = result.events[Symbol.asyncIterator]();
    const first = await it.next();
    const ttftMs = performance.now() - t0;
    return { type: 'native', ttftMs, send: (res, io) => writeNativeStream(turn, prepend(first, it), restorer, res, io) };
  })();
}

/** The upstream's response object as Meridian's: our id, and the store decision and continuation Meridian made. */
function own(response: Record<string, unknown>, id: string, state: ConversationState): ResponseObject {
  return { ...response, id, store: state.store, previous_response_id: state.previous_response_id } as unknown as ResponseObject;
}

async function usageOf(response: Record<string, unknown>, io: NativeIO): Promise<{ usage: Usage; counted: boolean }> {
  const usage = nativeUsage(response);
  return usage ? { usage, counted: false } : { usage: await io.count(nativeOutputText(response)), counted: true };
}

async function sendNative(
  turn: NativeTurn,
  upstream: Record<string, unknown>,
  restorer: Restorer | undefined,
  res: ServerResponse,
  io: NativeIO,
): Promise<StreamOutcome> {
  const answer = own(restorer ? restoreNative(upstream, restorer) : upstream, responseId('resp'), turn.state);
  const { usage, counted } = await usageOf(answer, io);
  io.headers['x-meridian-cost-usd'] = formatUsd(io.account(usage, counted));
  if (counted) answer.usage = usageToResponses(usage);
  await turn.stored(answer);
  sendJson(res, 200, answer, io.headers);
  return {};
}

async function writeNativeStream(
  turn: NativeTurn,
  upstream: AsyncIterable<ResponsesWireEvent>,
  restorer: Restorer | undefined,
  res: ServerResponse,
  io: NativeIO,
): Promise<StreamOutcome> {
  startEventStream(res, io.headers);
  const id = responseId('resp');
  // Our own numbering: restoring may hold a delta back or add one.
  let seq = 0;
  let text = '';
  let costUsd: number | undefined;
  const outcome: StreamOutcome = {};
  try {
    for await (const ev of restorer ? restoreNativeEvents(upstream, restorer) : upstream) {
      const data: Record<string, unknown> = { ...ev.data, sequence_number: seq++ };
      if (typeof data.delta === 'string' && ev.event.endsWith('.delta')) text += data.delta;
      const response = data.response;
      if (response !== null && typeof response === 'object' && !Array.isArray(response)) {
        const answer = own(response as Record<string, unknown>, id, turn.state);
        if (TERMINAL.has(ev.event)) {
          const { usage, counted } = await usageOf(answer, io);
          costUsd = io.account(usage, counted);
          if (counted) answer.usage = usageToResponses(usage);
          // Saved before the client reads the final event: a continuation may follow at once.
          await turn.stored(answer);
        }
        data.response = answer;
      }
      if (!res.write(`event: ${ev.event}\ndata: ${JSON.stringify(data)}\n\n`) && !res.destroyed) await drained(res, io.signal);
      if (io.signal.aborted) throw io.signal.reason;
    }
    // A terminal event without a response object still gets accounted: counted from the deltas.
    costUsd ??= io.account(await io.count(text), true);
    res.addTrailers({ 'x-meridian-cost-usd': formatUsd(costUsd) });
    res.end();
  } catch (err) {
    // What was generated was paid for: accounted with counted tokens, then the documented `error` event.
    if (costUsd === undefined) io.account(await io.count(text), true);
    outcome.error = toMeridianError(err);
    const { message, code, param } = outcome.error.toJSON().error;
    endWithError(res, `event: error\ndata: ${JSON.stringify({ type: 'error', sequence_number: seq++, code, message, param })}\n\n`);
  }
  return outcome;
}
