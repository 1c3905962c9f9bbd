/**
 * Anthropic SSE → canonical stream events (OpenAI chunk order): one role chunk, content /
 * reasoning / tool-call deltas, one chunk with finish_reason, then one usage chunk with
 * `choices: []`. A stream that ends without `message_stop`, or an `error` event, throws an
 * UpstreamError so the client never sees a clean end of a failed answer.
 * Reference: https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
import type { ChatChunk, ChunkDelta, FinishReason, StreamEvent } from '../../api/types.js';
import { UpstreamError } from '../../errors.js';
import { nowSeconds } from '../shared/ids.js';
import { sseEvents } from '../shared/sse.js';
import type { UpstreamBody } from '../shared/upstream-body.js';
import { anthropicErrorFailure } from './anthropic-error.js';
import type { ProviderHandle } from '../spec.js';
import type { AnthropicStreamEvent, AnthropicUsage } from './anthropic-api.js';
import { convertAnthropicUsage, mergeAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

/** What each Anthropic content block index turned into on the canonical side. */
type BlockKind =
  | { kind: 'text' }
  | { kind: 'thinking' }
  | { kind: 'json' }
  | { kind: 'tool'; toolIndex: number; sawArguments: boolean; startInput: unknown }
  | { kind: 'ignored' };

export interface AnthropicStreamOptions {
  /** Upstream model, used until `message_start` names one. */
  model: string;
  deployment: string;
  /** JSON-mode tool (see convert-anthropic-request): its argument fragments become content. */
  jsonToolName?: string;
  /** For scrubbing its key from upstream messages. */
  provider?: ProviderHandle;
}

/** Parses the upstream SSE body and converts it. */
export async function* anthropicStream(
  body: UpstreamBody,
  signal: AbortSignal,
  provider: ProviderHandle,
  opts: AnthropicStreamOptions,
): AsyncGenerator<StreamEvent> {
  async function* parsed(): AsyncGenerator<AnthropicStreamEvent> {
    for await (const ev of sseEvents(body, signal, provider, opts.deployment)) {
      if (!ev.data) continue;
      let parsedEvent: AnthropicStreamEvent;
      try {
        parsedEvent = JSON.parse(ev.data) as AnthropicStreamEvent;
      } catch {
        throw new UpstreamError(`Upstream '${opts.deployment}' sent a stream event that is not JSON.`, {
          deployment: opts.deployment,
          upstreamStatus: 502,
        });
      }
      if (parsedEvent === null || typeof parsedEvent !== 'object') {
        throw new UpstreamError(`Upstream '${opts.deployment}' sent a stream event that is not a JSON object.`, {
          deployment: opts.deployment,
          upstreamStatus: 502,
        });
      }
      // The SSE event name is authoritative even if the data lacks `"type": "error"`.
      if (ev.event === 'error') throw anthropicErrorFailure(parsedEvent as { error?: unknown }, opts.deployment, provider, 'mid-stream');
      yield parsedEvent;
    }
  }
  yield* anthropicEventsToChunks(parsed(), { ...opts, provider });
}

/** The conversion proper, over already-parsed events (also used by tests and the mock). */
export async function* anthropicEventsToChunks(
  events: AsyncIterable<AnthropicStreamEvent>,
  opts: AnthropicStreamOptions,
): AsyncGenerator<StreamEvent> {
  const { deployment } = opts;
  let id = '';
  let model = opts.model;
  const created = nowSeconds();
  let usage: AnthropicUsage = {};
  let sawUsage = false;
  let stopReason: string | null | undefined;
  let nextToolIndex = 0;
  let answeredWithJsonTool = false;
  const blocks = new Map<number, BlockKind>();

  const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): StreamEvent => ({
    chunk: { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] },
  });

  for await (const ev of events) {
    switch (ev.type) {
      case 'message_start': {
        id = ev.message.id;
        model = ev.message.model || model;
        if (ev.message.usage) {
          usage = mergeAnthropicUsage(usage, ev.message.usage);
          sawUsage = true;
        }
        yield chunk({ role: 'assistant', content: '' });
        break;
      }
      case 'content_block_start': {
        const b = ev.content_block;
        if (b.type === 'text') {
          blocks.set(ev.index, { kind: 'text' });
          if (typeof b.text === 'string' && b.text) yield chunk({ content: b.text });
        } else if (b.type === 'thinking') {
          blocks.set(ev.index, { kind: 'thinking' });
          if (typeof b.thinking === 'string' && b.thinking) yield chunk({ reasoning_content: b.thinking });
        } else if (b.type === 'tool_use' && opts.jsonToolName && b.name === opts.jsonToolName) {
          blocks.set(ev.index, { kind: 'json' });
          answeredWithJsonTool = true;
        } else if (b.type === 'tool_use') {
          const toolIndex = nextToolIndex++;
          blocks.set(ev.index, { kind: 'tool', toolIndex, sawArguments: false, startInput: b.input });
          yield chunk({
            tool_calls: [{ index: toolIndex, id: String(b.id), type: 'function', function: { name: String(b.name), arguments: '' } }],
          });
        } else {
          blocks.set(ev.index, { kind: 'ignored' });
        }
        break;
      }
      case 'content_block_delta': {
        const block = blocks.get(ev.index);
        const d = ev.delta;
        if (!block) break;
        if (d.type === 'text_delta' && block.kind === 'text' && d.text) yield chunk({ content: d.text });
        else if (d.type === 'thinking_delta' && block.kind === 'thinking' && d.thinking) yield chunk({ reasoning_content: d.thinking });
        else if (d.type === 'input_json_delta' && d.partial_json) {
          if (block.kind === 'json') yield chunk({ content: d.partial_json });
          else if (block.kind === 'tool') {
            block.sawArguments = true;
            yield chunk({ tool_calls: [{ index: block.toolIndex, function: { arguments: d.partial_json } }] });
          }
        }
        // signature_delta and citations_delta have no canonical field.
        break;
      }
      case 'content_block_stop': {
        const block = blocks.get(ev.index);
        // A tool_use block whose input came whole in content_block_start (no deltas).
        if (block?.kind === 'tool' && !block.sawArguments && isNonEmptyObject(block.startInput)) {
          yield chunk({ tool_calls: [{ index: block.toolIndex, function: { arguments: JSON.stringify(block.startInput) } }] });
        }
        break;
      }
      case 'message_delta': {
        if (ev.delta?.stop_reason !== undefined) stopReason = ev.delta.stop_reason;
        if (ev.usage) {
          usage = mergeAnthropicUsage(usage, ev.usage);
          sawUsage = true;
        }
        break;
      }
      case 'message_stop': {
        let finish = mapAnthropicFinishReason(stopReason) ?? 'stop';
        if (finish === 'tool_calls' && answeredWithJsonTool && nextToolIndex === 0) finish = 'stop';
        yield chunk({}, finish);
        if (sawUsage) {
          const final: ChatChunk = {
            id,
            object: 'chat.completion.chunk',
            created,
            model,
            choices: [],
            usage: convertAnthropicUsage(usage),
          };
          yield { chunk: final };
        }
        return;
      }
      case 'error':
        throw anthropicErrorFailure(ev, deployment, opts.provider, 'mid-stream');
      case 'ping':
      default:
        // Unknown event types are ignored, as the streaming docs ask ("handle unknown events").
        break;
    }
  }
  // Every stream ends with `message_stop` (https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types):
  // without it the answer was cut off.
  throw new UpstreamError(`Upstream '${deployment}' ended the stream before message_stop.`, {
    deployment,
    upstreamStatus: 502,
    code: 'upstream_truncated',
  });
}

function isNonEmptyObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && Object.keys(v as object).length > 0;
}
