/**
 * Ollama NDJSON stream (`/api/chat`, stream: true) → canonical stream events.
 * References: https://github.com/ollama/ollama/blob/main/docs/api.md#chat-request-streaming ,
 * https://docs.ollama.com/capabilities/thinking (thinking streams before content),
 * https://docs.ollama.com/api/errors (an `{"error": "..."}` line mid-stream, status stays 200).
 *
 * Order emitted: one role chunk, then content / reasoning / tool-call deltas as lines arrive
 * (Ollama sends each tool call whole, so each becomes one complete tool-call delta), then exactly
 * one finish chunk, then one usage chunk with `choices: []` when the server reported counts.
 * A stream that ends without its `done: true` line is a failure, not a clean end.
 */
import type { ChatChunk, ChunkDelta, FinishReason, Usage, StreamEvent } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import { newId } from '../shared/ids.js';
import { scrubSecrets } from '../shared/http.js';
import { ndjsonLines } from '../shared/sse.js';
import type { UpstreamBody } from '../shared/upstream-body.js';
import type { ProviderHandle } from '../spec.js';
import { createdSeconds, toCanonicalToolCall } from './convert-ollama-response.js';
import { convertOllamaUsage } from './convert-ollama-usage.js';
import { mapOllamaFinishReason } from './map-ollama-finish-reason.js';
import type { OllamaChatResponse } from './ollama-api.js';

export async function* ollamaStream(
  body: UpstreamBody,
  signal: AbortSignal,
  provider: ProviderHandle,
  deployment: string,
  fallbackModel: string,
): AsyncGenerator<StreamEvent> {
  const id = newId('chatcmpl');
  let created: number | undefined;
  let model = fallbackModel;
  let toolCallCount = 0;
  let started = false;

  const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): StreamEvent => ({
    chunk: { id, object: 'chat.completion.chunk', created: created!, model, choices: [{ index: 0, delta, finish_reason: finish }] },
  });

  for await (const line of ndjsonLines<OllamaChatResponse>(body, signal, provider, deployment)) {
    if (line === null || typeof line !== 'object') {
      throw new UpstreamError(`Upstream '${deployment}' sent a stream line that is not a JSON object.`, {
        deployment,
        upstreamStatus: 502,
      });
    }
    if (line.error !== undefined) {
      throw new UpstreamError(scrubSecrets(`Upstream '${deployment}' failed mid-stream: ${line.error || 'unknown error'}`, provider), {
        deployment,
        upstreamStatus: 502,
      });
    }
    if (!started) {
      created = createdSeconds(line.created_at);
      if (line.model) model = line.model;
      started = true;
      yield chunk({ role: 'assistant', content: '' });
    }
    const msg = line.message;
    if (msg?.thinking) yield chunk({ reasoning_content: msg.thinking });
    if (msg?.content) yield chunk({ content: msg.content });
    for (const tc of msg?.tool_calls ?? []) {
      const call = toCanonicalToolCall(tc);
      yield chunk({ tool_calls: [{ index: toolCallCount++, id: call.id, type: 'function', function: call.function }] });
    }
    if (line.done) {
      yield chunk({}, mapOllamaFinishReason(line.done_reason, toolCallCount > 0));
      const usage = convertOllamaUsage(line);
      if (usage) yield usageEvent(id, created!, model, usage);
      return;
    }
  }
  // The last line of every stream has `done: true` (https://github.com/ollama/ollama/blob/main/docs/api.md#response-9):
  // without it the answer was cut off.
  throw new UpstreamError(`Upstream '${deployment}' ended the stream before it was done (no "done": true line).`, {
    deployment,
    upstreamStatus: 502,
    code: 'upstream_truncated',
  });
}

function usageEvent(id: string, created: number, model: string, usage: Usage): StreamEvent {
  const c: ChatChunk = { id, object: 'chat.completion.chunk', created, model, choices: [], usage };
  return { chunk: c };
}
