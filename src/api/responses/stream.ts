/**
 * Canonical chat chunks → the Responses API's semantic SSE events, each with its `event:` name and
 * a `sequence_number`: response.created, response.in_progress, then per output item
 * output_item.added → (content_part.added → output_text.delta… → output_text.done →
 * content_part.done | reasoning_summary_part.added → reasoning_summary_text.delta… → .done →
 * reasoning_summary_part.done | function_call_arguments.delta… → .done) → output_item.done, and finally
 * response.completed (or response.incomplete when the model hit max_output_tokens / a filter).
 * A failure is not this module's business: the caller ends the stream with an `error` event.
 * Reference: https://platform.openai.com/docs/api-reference/responses-streaming
 */
import type { ChatChunk, FinishReason, Usage } from '../types.js';
import { UpstreamError } from '../../errors.js';
import {
  echoOf,
  responseId,
  responseObject,
  statusOf,
  usageToResponses,
  type ConversationState,
  type OutputItem,
  type ResponseHead,
} from './response.js';
import type { InboundResponsesRequest } from './schema.js';

export interface ResponsesEvent {
  event: string;
  data: Record<string, unknown> & { type: string; sequence_number: number };
}

/** Numbers events across the translator and the caller's final `error` event. */
export class EventSequence {
  private next = 0;
  make(type: string, fields: Record<string, unknown>): ResponsesEvent {
    return { event: type, data: { type, sequence_number: this.next++, ...fields } };
  }
}

export function responsesEventToSse(e: ResponsesEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

type Open =
  | { kind: 'reasoning'; index: number; item: Extract<OutputItem, { type: 'reasoning' }>; text: string }
  | { kind: 'message'; part: 'output_text' | 'refusal'; index: number; item: Extract<OutputItem, { type: 'message' }>; text: string }
  | { kind: 'call'; index: number; item: Extract<OutputItem, { type: 'function_call' }> };

export async function* canonicalStreamToResponsesEvents(
  chunks: AsyncIterable<ChatChunk>,
  inbound: InboundResponsesRequest,
  seq: EventSequence,
  state?: ConversationState,
): AsyncGenerator<ResponsesEvent> {
  const head: ResponseHead = {
    id: responseId('resp'),
    created_at: Math.floor(Date.now() / 1000),
    model: inbound.model ?? '',
    echo: echoOf(inbound, state),
  };
  const output: OutputItem[] = [];
  let current: Extract<Open, { kind: 'reasoning' | 'message' }> | undefined;
  const calls = new Map<number, Extract<Open, { kind: 'call' }>>();
  let finish: FinishReason | null = null;
  let usage: Usage | undefined;

  let started = false;
  // Announced once the first chunk names the model that answers (as the non-stream object does).
  function* start(model: string | undefined): Generator<ResponsesEvent> {
    started = true;
    if (model) head.model = model;
    yield seq.make('response.created', { response: responseObject(head, { status: 'in_progress' }) });
    yield seq.make('response.in_progress', { response: responseObject(head, { status: 'in_progress' }) });
  }

  function* open(item: OutputItem): Generator<ResponsesEvent> {
    output.push(item);
    yield seq.make('response.output_item.added', { output_index: output.length - 1, item: structuredClone(item) });
  }

  function* closeCurrent(): Generator<ResponsesEvent> {
    const c = current;
    if (!c) return;
    current = undefined;
    if (c.kind === 'reasoning') {
      const where = { item_id: c.item.id, output_index: c.index, summary_index: 0 };
      yield seq.make('response.reasoning_summary_text.done', { ...where, text: c.text });
      const part = { type: 'summary_text' as const, text: c.text };
      yield seq.make('response.reasoning_summary_part.done', { ...where, part });
      c.item.summary = [part];
    } else {
      const where = { item_id: c.item.id, output_index: c.index, content_index: 0 };
      if (c.part === 'refusal') {
        yield seq.make('response.refusal.done', { ...where, refusal: c.text });
        const part = { type: 'refusal' as const, refusal: c.text };
        yield seq.make('response.content_part.done', { ...where, part });
        c.item.content = [part];
      } else {
        yield seq.make('response.output_text.done', { ...where, text: c.text, logprobs: [] });
        const part = { type: 'output_text' as const, text: c.text, annotations: [] };
        yield seq.make('response.content_part.done', { ...where, part });
        c.item.content = [part];
      }
      c.item.status = finish === 'length' || finish === 'content_filter' ? 'incomplete' : 'completed';
    }
    yield seq.make('response.output_item.done', { output_index: c.index, item: c.item });
  }

  function* closeCalls(): Generator<ResponsesEvent> {
    for (const c of [...calls.values()].sort((a, b) => a.index - b.index)) {
      c.item.status = 'completed';
      yield seq.make('response.function_call_arguments.done', { item_id: c.item.id, output_index: c.index, arguments: c.item.arguments });
      yield seq.make('response.output_item.done', { output_index: c.index, item: c.item });
    }
    calls.clear();
  }

  function* appendToMessage(part: 'output_text' | 'refusal', delta: string): Generator<ResponsesEvent> {
    if (current?.kind !== 'message' || current.part !== part) {
      yield* closeCurrent();
      const item = {
        type: 'message' as const,
        id: responseId('msg'),
        status: 'in_progress' as const,
        role: 'assistant' as const,
        content: [],
      };
      current = { kind: 'message', part, index: output.length, item, text: '' };
      yield* open(item);
      yield seq.make('response.content_part.added', {
        item_id: item.id,
        output_index: current.index,
        content_index: 0,
        part: part === 'refusal' ? { type: 'refusal', refusal: '' } : { type: 'output_text', text: '', annotations: [] },
      });
    }
    current.text += delta;
    const where = { item_id: current.item.id, output_index: current.index, content_index: 0, delta };
    yield seq.make(
      part === 'refusal' ? 'response.refusal.delta' : 'response.output_text.delta',
      part === 'refusal' ? where : { ...where, logprobs: [] },
    );
  }

  for await (const chunk of chunks) {
    if (!started) yield* start(chunk.model);
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    const d = choice.delta;
    if (d.reasoning_content) {
      if (current?.kind !== 'reasoning') {
        yield* closeCurrent();
        const item = { type: 'reasoning' as const, id: responseId('rs'), summary: [] };
        current = { kind: 'reasoning', index: output.length, item, text: '' };
        yield* open(item);
        // Reasoning text is carried as the item's summary (the canonical chunk has no raw/summary split).
        yield seq.make('response.reasoning_summary_part.added', {
          item_id: item.id,
          output_index: current.index,
          summary_index: 0,
          part: { type: 'summary_text', text: '' },
        });
      }
      current.text += d.reasoning_content;
      yield seq.make('response.reasoning_summary_text.delta', {
        item_id: current.item.id,
        output_index: current.index,
        summary_index: 0,
        delta: d.reasoning_content,
      });
    }
    if (d.content) yield* appendToMessage('output_text', d.content);
    // A refusal is its own message item with a `refusal` part (https://platform.openai.com/docs/guides/structured-outputs#refusals).
    if (d.refusal) yield* appendToMessage('refusal', d.refusal);
    for (const t of d.tool_calls ?? []) {
      let call = calls.get(t.index);
      if (!call) {
        yield* closeCurrent();
        // The first fragment of a call carries its id and name (api/types.ts ToolCallDelta).
        if (!t.id || !t.function?.name) throw new UpstreamError('The upstream streamed a tool call without an id or name.');
        const item = {
          type: 'function_call' as const,
          id: responseId('fc'),
          call_id: t.id,
          name: t.function.name,
          arguments: '',
          status: 'in_progress' as const,
        };
        call = { kind: 'call', index: output.length, item };
        calls.set(t.index, call);
        yield* open(item);
      }
      const args = t.function?.arguments;
      if (args) {
        call.item.arguments += args;
        yield seq.make('response.function_call_arguments.delta', { item_id: call.item.id, output_index: call.index, delta: args });
      }
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }

  if (!started) yield* start(undefined);
  yield* closeCurrent();
  yield* closeCalls();
  const { status, incomplete_details } = statusOf(finish);
  const final = responseObject(head, { status, incomplete_details, output, usage: usage ? usageToResponses(usage) : null });
  yield seq.make(status === 'completed' ? 'response.completed' : 'response.incomplete', { response: final });
}
