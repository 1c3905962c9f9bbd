/**
 * OpenAI-compatible SSE → canonical stream events. Each `data:` payload is already a canonical
 * chunk, so its text is kept as `raw` and written through untouched unless it had to change.
 * Reference: https://platform.openai.com/docs/api-reference/chat-streaming
 */
import type { ChatChunk, StreamEvent } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import { sseEvents } from '../shared/sse.js';
import type { ProviderHandle } from '../spec.js';
import { normalizeReasoning } from './normalize-openai-response.js';

export async function* openaiStream(
  body: AsyncIterable<Buffer>,
  signal: AbortSignal,
  provider: ProviderHandle,
  deployment: string,
): AsyncGenerator<StreamEvent> {
  for await (const ev of sseEvents(body, signal, provider, deployment)) {
    const data = ev.data;
    if (data === '[DONE]') return;
    if (!data) continue;
    let parsed: ChatChunk & { error?: { message?: string; code?: string | number } };
    try {
      parsed = JSON.parse(data);
    } catch {
      throw new UpstreamError(`Upstream '${deployment}' sent a stream event that is not JSON.`, { deployment, upstreamStatus: 502 });
    }
    if (parsed.error) {
      throw new UpstreamError(`Upstream '${deployment}' failed mid-stream: ${parsed.error.message ?? 'unknown error'}`, {
        deployment,
        upstreamStatus: 502,
      });
    }
    if (!Array.isArray(parsed.choices)) parsed.choices = [];
    yield normalizeReasoning(parsed) ? { chunk: parsed } : { chunk: parsed, raw: data };
  }
}
