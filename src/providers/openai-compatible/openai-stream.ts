/**
 * OpenAI-compatible SSE → canonical stream events. Each `data:` payload is already a canonical
 * chunk, so its text is kept as `raw` and written through untouched unless it had to change.
 *
 * Wire format (https://platform.openai.com/docs/api-reference/chat-streaming , and `stream` in
 * https://platform.openai.com/docs/api-reference/chat/create): data-only server-sent events,
 * every choice ends with a chunk whose `finish_reason` is set, and the stream is terminated by a
 * `data: [DONE]` message. Engines report a failure after the 200 as a `data: {"error": {...}}`
 * event (OpenAI's error object, https://platform.openai.com/docs/guides/error-codes ; vLLM and
 * llama-server do the same). So: an error event throws, and a body that ends before `[DONE]`
 * while some choice has no finish_reason was cut off (`upstream_truncated`), never a clean end.
 */
import type { ChatChunk, StreamEvent } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import { scrubSecrets } from '../shared/http.js';
import { sseEvents } from '../shared/sse.js';
import type { UpstreamBody } from '../shared/upstream-body.js';
import type { ProviderHandle } from '../spec.js';
import { normalizeReasoning } from './normalize-openai-response.js';
import { errorBodyMessage, type OpenAIErrorBody } from './openai-error-body.js';

export async function* openaiStream(
  body: UpstreamBody,
  signal: AbortSignal,
  provider: ProviderHandle,
  deployment: string,
): AsyncGenerator<StreamEvent> {
  /** Choice index → whether its finish_reason arrived. */
  const choices = new Map<number, boolean>();
  for await (const ev of sseEvents(body, signal, provider, deployment)) {
    const data = ev.data;
    if (data === '[DONE]') return;
    if (!data) continue;
    let parsed: ChatChunk & OpenAIErrorBody;
    try {
      parsed = JSON.parse(data);
    } catch {
      throw new UpstreamError(`Upstream '${deployment}' sent a stream event that is not JSON.`, { deployment, upstreamStatus: 502 });
    }
    if (parsed === null || typeof parsed !== 'object') {
      throw new UpstreamError(`Upstream '${deployment}' sent a stream event that is not a JSON object.`, {
        deployment,
        upstreamStatus: 502,
      });
    }
    if (ev.event === 'error' || (parsed.error !== undefined && parsed.error !== null)) {
      throw new UpstreamError(scrubSecrets(`Upstream '${deployment}' failed mid-stream: ${errorBodyMessage(parsed)}`, provider), {
        deployment,
        upstreamStatus: 502,
      });
    }
    if (!Array.isArray(parsed.choices)) parsed.choices = [];
    for (const c of parsed.choices) {
      const index = typeof c?.index === 'number' ? c.index : 0;
      if (c?.finish_reason) choices.set(index, true);
      else if (!choices.has(index)) choices.set(index, false);
    }
    yield normalizeReasoning(parsed) ? { chunk: parsed } : { chunk: parsed, raw: data };
  }
  // No [DONE]: complete only if every choice that started also finished (some engines close the
  // connection right after the last chunk).
  if (choices.size === 0 || [...choices.values()].some((finished) => !finished)) {
    throw new UpstreamError(`Upstream '${deployment}' ended the stream before it finished (no finish_reason, no [DONE]).`, {
      deployment,
      upstreamStatus: 502,
      code: 'upstream_truncated',
    });
  }
}
