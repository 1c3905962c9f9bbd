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
import type { EventSourceMessage } from 'eventsource-parser';
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
  const state = new OpenAIStreamState(provider, deployment);
  for await (const ev of sseEvents(body, signal, provider, deployment)) {
    const out = state.event(ev);
    if (out === DONE) return;
    if (out) yield out;
  }
  state.end();
}

export const DONE = Symbol('done');

/** What one stream has shown so far: which choices started and finished, for the end-of-body check. */
export class OpenAIStreamState {
  /** Choice index → whether its finish_reason arrived. */
  private readonly choices = new Map<number, boolean>();

  constructor(
    private readonly provider: ProviderHandle,
    private readonly deployment: string,
  ) {}

  /** One SSE event → its canonical event, `DONE` at `[DONE]`, undefined for an empty one; throws an upstream error event. */
  event(ev: EventSourceMessage): StreamEvent | typeof DONE | undefined {
    const { deployment } = this;
    const data = ev.data;
    if (data === '[DONE]') return DONE;
    if (!data) return undefined;
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
      throw new UpstreamError(scrubSecrets(`Upstream '${deployment}' failed mid-stream: ${errorBodyMessage(parsed)}`, this.provider), {
        deployment,
        upstreamStatus: 502,
      });
    }
    if (!Array.isArray(parsed.choices)) parsed.choices = [];
    for (const c of parsed.choices) {
      const index = typeof c?.index === 'number' ? c.index : 0;
      if (c?.finish_reason) this.choices.set(index, true);
      else this.started(index);
    }
    return normalizeReasoning(parsed) ? { chunk: parsed } : { chunk: parsed, raw: data };
  }

  /** A content delta of choice `index` went by (unparsed, in a relay). */
  started(index: number): void {
    if (!this.choices.has(index)) this.choices.set(index, false);
  }

  /**
   * The body ended without `[DONE]`: complete only if every choice that started also finished (some
   * engines close the connection right after the last chunk).
   */
  end(): void {
    if (this.choices.size === 0 || [...this.choices.values()].some((finished) => !finished)) {
      throw new UpstreamError(`Upstream '${this.deployment}' ended the stream before it finished (no finish_reason, no [DONE]).`, {
        deployment: this.deployment,
        upstreamStatus: 502,
        code: 'upstream_truncated',
      });
    }
  }
}
