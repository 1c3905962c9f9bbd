/**
 * OpenAI Responses API SSE → its events, parsed and checked, for the pass-through
 * (`ProviderAdapter.responses`). Every event is named (`event: response.output_text.delta`) and its
 * data carries the same `type`. A stream ends with `response.completed` or `response.incomplete`;
 * `response.failed` and `error` are failures, and a body that ends before a terminal event was cut
 * off (`upstream_truncated`), never a clean end.
 * Reference: https://platform.openai.com/docs/api-reference/responses-streaming
 */
import { UpstreamError } from '../../errors.js';
import { scrubSecrets } from '../shared/http.js';
import { sseEvents } from '../shared/sse.js';
import type { UpstreamBody } from '../shared/upstream-body.js';
import type { ProviderHandle, ResponsesWireEvent } from '../spec.js';

const TERMINAL = new Set(['response.completed', 'response.incomplete']);

function failure(deployment: string, provider: ProviderHandle, detail: unknown): UpstreamError {
  const e = (detail ?? {}) as { message?: unknown; code?: unknown };
  const message = typeof e.message === 'string' ? e.message.slice(0, 500) : 'no message';
  return new UpstreamError(scrubSecrets(`Upstream '${deployment}' failed mid-stream: ${message}`, provider), {
    deployment,
    upstreamStatus: 502,
  });
}

export async function* responsesStream(
  body: UpstreamBody,
  signal: AbortSignal,
  provider: ProviderHandle,
  deployment: string,
): AsyncGenerator<ResponsesWireEvent> {
  for await (const ev of sseEvents(body, signal, provider, deployment)) {
    if (!ev.data || ev.data === '[DONE]') continue;
    let data: unknown;
    try {
      data = JSON.parse(ev.data);
    } catch {
      throw new UpstreamError(`Upstream '${deployment}' sent a stream event that is not JSON.`, { deployment, upstreamStatus: 502 });
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new UpstreamError(`Upstream '${deployment}' sent a stream event that is not a JSON object.`, {
        deployment,
        upstreamStatus: 502,
      });
    }
    const d = data as Record<string, unknown>;
    const type = typeof d.type === 'string' ? d.type : (ev.event ?? '');
    if (type === 'error' || ev.event === 'error') throw failure(deployment, provider, d.error ?? d);
    if (type === 'response.failed') throw failure(deployment, provider, (d.response as { error?: unknown } | undefined)?.error);
    if (!type) throw new UpstreamError(`Upstream '${deployment}' sent a stream event without a type.`, { deployment, upstreamStatus: 502 });
    yield { event: type, data: { ...d, type } };
    if (TERMINAL.has(type)) return;
  }
  throw new UpstreamError(`Upstream '${deployment}' ended the stream before response.completed.`, {
    deployment,
    upstreamStatus: 502,
    code: 'upstream_truncated',
  });
}
