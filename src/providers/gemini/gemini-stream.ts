/**
 * Gemini `streamGenerateContent?alt=sse` → canonical stream events.
 * Each SSE `data:` is a whole GenerateContentResponse fragment holding only the new parts
 * (https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent).
 *
 * Order emitted, per OpenAI's streaming contract
 * (https://platform.openai.com/docs/api-reference/chat-streaming):
 *   role chunk → text / reasoning / tool-call deltas → one finish chunk per candidate →
 *   one usage chunk with `choices: []` (from the last event's usageMetadata, which is cumulative).
 * Function calls arrive whole in one part, so each becomes one tool-call delta carrying id, name
 * and the full arguments. Finish chunks wait for the end of the stream because Gemini puts
 * `finishReason` on the same event as the last text.
 *
 * Gemini has no end-of-stream event: a candidate's `finishReason` "if empty, the model has not
 * stopped generating the tokens" (https://ai.google.dev/api/generate-content#candidate). A body
 * that ends while a candidate has none, or with no candidate at all (and no prompt block), was
 * cut off: `upstream_truncated`. A failure after the 200 arrives as a fragment holding the
 * error object `{"error": {"code", "message", "status"}}`
 * (https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes).
 */
import type { ChatChunk, ChunkDelta, FinishReason, StreamEvent } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import { newId, nowSeconds } from '../shared/ids.js';
import { sseEvents } from '../shared/sse.js';
import type { UpstreamBody } from '../shared/upstream-body.js';
import type { ProviderHandle } from '../spec.js';
import type { GeminiGenerateContentResponse, GeminiUsageMetadata } from './gemini-api.js';
import { toToolCall } from './convert-gemini-response.js';
import { geminiErrorFailure } from './gemini-error.js';
import { convertGeminiUsage } from './convert-gemini-usage.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';

interface CandidateState {
  toolCalls: number;
  finishReason?: string;
}

export async function* geminiStream(
  body: UpstreamBody,
  signal: AbortSignal,
  provider: ProviderHandle,
  deployment: string,
  model: string,
): AsyncGenerator<StreamEvent> {
  let id: string | undefined;
  let streamModel = model;
  const created = nowSeconds();
  const candidates = new Map<number, CandidateState>();
  let usage: GeminiUsageMetadata | undefined;
  let blocked = false;

  const chunk = (index: number, delta: ChunkDelta, finish: FinishReason | null = null): StreamEvent => ({
    chunk: {
      id: id!,
      object: 'chat.completion.chunk',
      created,
      model: streamModel,
      choices: [{ index, delta, finish_reason: finish }],
    },
  });

  for await (const ev of sseEvents(body, signal, provider, deployment)) {
    if (!ev.data || ev.data === '[DONE]') continue;
    let fragment: GeminiGenerateContentResponse;
    try {
      fragment = JSON.parse(ev.data);
    } catch {
      throw new UpstreamError(`Upstream '${deployment}' sent a stream event that is not JSON.`, { deployment, upstreamStatus: 502 });
    }
    if (fragment === null || typeof fragment !== 'object') {
      throw new UpstreamError(`Upstream '${deployment}' sent a stream event that is not a JSON object.`, {
        deployment,
        upstreamStatus: 502,
      });
    }
    if (fragment.error) throw geminiErrorFailure(fragment.error, deployment, provider, 'mid-stream');
    id ??= fragment.responseId ? `chatcmpl-${fragment.responseId}` : newId('chatcmpl');
    if (fragment.modelVersion) streamModel = fragment.modelVersion;
    if (fragment.usageMetadata) usage = fragment.usageMetadata;
    if (fragment.promptFeedback?.blockReason && !fragment.candidates?.length) blocked = true;

    for (const [position, c] of (fragment.candidates ?? []).entries()) {
      const index = c.index ?? position;
      let state = candidates.get(index);
      if (!state) {
        state = { toolCalls: 0 };
        candidates.set(index, state);
        yield chunk(index, { role: 'assistant', content: '' });
      }
      for (const part of c.content?.parts ?? []) {
        if (part.functionCall) {
          const call = toToolCall(part.functionCall, part.thoughtSignature);
          yield chunk(index, { tool_calls: [{ index: state.toolCalls++, ...call }] });
        } else if (typeof part.text === 'string' && part.text !== '') {
          yield chunk(index, part.thought ? { reasoning_content: part.text } : { content: part.text });
        }
      }
      if (c.finishReason) state.finishReason = c.finishReason;
    }
  }

  const truncated = (what: string) =>
    new UpstreamError(`Upstream '${deployment}' ended the stream ${what}.`, {
      deployment,
      upstreamStatus: 502,
      code: 'upstream_truncated',
    });
  if (id === undefined) throw truncated('without sending anything');
  if (blocked && candidates.size === 0) {
    // The prompt was blocked (promptFeedback.blockReason): the same content_filter as non-stream.
    yield chunk(0, { role: 'assistant', content: '' });
    yield chunk(0, {}, 'content_filter');
  } else {
    if (candidates.size === 0) throw truncated('before any candidate');
    for (const [index, state] of [...candidates].sort(([a], [b]) => a - b)) {
      if (!state.finishReason) throw truncated('before it finished (no finishReason)');
      yield chunk(index, {}, mapGeminiFinishReason(state.finishReason, state.toolCalls > 0));
    }
  }
  const canonicalUsage = convertGeminiUsage(usage);
  if (canonicalUsage) {
    const last: ChatChunk = { id, object: 'chat.completion.chunk', created, model: streamModel, choices: [], usage: canonicalUsage };
    yield { chunk: last };
  }
}
