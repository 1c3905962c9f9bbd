/**
 * The reverse direction: Anthropic Messages wire format on the *client* side, for the mock
 * server and the `/v1/messages` gateway route. Anthropic request → canonical request, canonical
 * response → Anthropic Message, canonical chunks → Anthropic stream events.
 * References: https://docs.anthropic.com/en/api/messages ,
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
import type {
  ChatChunk,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ContentPart,
  FinishReason,
  ToolCall,
  ToolChoice,
  Usage,
} from '../../api/types.js';
import { InvalidRequestError } from '../../errors.js';
export { errorToAnthropic } from './inbound-error.js';
import { newId } from '../shared/ids.js';
import type { AnthropicMessage, AnthropicResponseBlock } from './anthropic-api.js';
import {
  parseAnthropicRequest,
  type InboundAnthropicBlock,
  type InboundAnthropicRequest,
  type InboundDocumentBlock,
  type InboundImageBlock,
  type InboundToolResultBlock,
} from './anthropic-request-schema.js';
import { usageToAnthropic } from './convert-anthropic-usage.js';
import { finishReasonToAnthropic } from './map-anthropic-finish-reason.js';

// ---- request --------------------------------------------------------------------------------

/**
 * Anthropic request body (already JSON-parsed, not yet trusted) → canonical request. Validates
 * first (anthropic-request-schema.ts); a block the canonical format cannot carry is a 400 naming
 * its path, never a silent drop.
 */
export function anthropicRequestToCanonical(body: unknown): ChatRequest {
  const r = parseAnthropicRequest(body);
  const messages: ChatMessage[] = [];
  if (typeof r.system === 'string') {
    if (r.system) messages.push({ role: 'system', content: r.system });
  } else if (r.system) {
    for (const b of r.system) if (b.text) messages.push({ role: 'system', content: b.text });
  }
  r.messages.forEach((m, i) => messages.push(...messageToCanonical(m, i)));

  const req: ChatRequest = { model: r.model, messages, max_tokens: r.max_tokens };
  if (r.stop_sequences?.length) req.stop = r.stop_sequences;
  if (r.temperature !== undefined) req.temperature = r.temperature;
  if (r.top_p !== undefined) req.top_p = r.top_p;
  if (r.metadata?.user_id) req.user = r.metadata.user_id;
  if (r.stream) req.stream = true;
  if (r.tools?.length) {
    req.tools = r.tools.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.input_schema },
    }));
  }
  if (r.tool_choice) {
    req.tool_choice = toolChoiceToCanonical(r.tool_choice);
    if (r.tool_choice.type !== 'none' && r.tool_choice.disable_parallel_tool_use) req.parallel_tool_calls = false;
  }
  if (r.thinking?.type === 'enabled') {
    const b = r.thinking.budget_tokens;
    // Inverse of THINKING_BUDGETS in convert-anthropic-request.
    req.reasoning_effort = b <= 1024 ? 'low' : b <= 4096 ? 'medium' : 'high';
  }
  return req;
}

function toolChoiceToCanonical(c: NonNullable<InboundAnthropicRequest['tool_choice']>): ToolChoice {
  switch (c.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: c.name } };
  }
}

function messageToCanonical(m: InboundAnthropicRequest['messages'][number], i: number): ChatMessage[] {
  if (typeof m.content === 'string') return [{ role: m.role, content: m.content }];
  return m.role === 'assistant' ? [assistantToCanonical(m.content, i)] : userToCanonical(m.content, i);
}

function unsupported(type: string, role: string, path: string): InvalidRequestError {
  return new InvalidRequestError(`Invalid '${path}': ${type} blocks are not supported in ${role} messages.`, path);
}

/** tool_result blocks become tool messages (in order, first); the rest one user message. */
function userToCanonical(blocks: InboundAnthropicBlock[], i: number): ChatMessage[] {
  const out: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  blocks.forEach((b, j) => {
    const path = `messages[${i}].content[${j}]`;
    if (b.type === 'tool_result') out.push({ role: 'tool', tool_call_id: b.tool_use_id, content: toolResultContent(b, path) });
    else if (b.type === 'text') parts.push({ type: 'text', text: b.text });
    else if (b.type === 'image') parts.push(imagePart(b));
    else if (b.type === 'document') parts.push(...documentParts(b, path));
    else throw unsupported(b.type, 'user', path);
  });
  if (parts.length) out.push({ role: 'user', content: parts.length === 1 && parts[0]!.type === 'text' ? parts[0]!.text : parts });
  return out;
}

function toolResultContent(b: InboundToolResultBlock, path: string): ChatMessage['content'] {
  // `is_error` has no canonical field; the text itself says what failed.
  if (b.content === undefined) return '';
  if (typeof b.content === 'string') return b.content;
  const parts: ContentPart[] = b.content.flatMap((c, k) =>
    c.type === 'text'
      ? [{ type: 'text' as const, text: c.text }]
      : c.type === 'image'
        ? [imagePart(c)]
        : documentParts(c, `${path}.content[${k}]`),
  );
  return parts.every((p) => p.type === 'text') ? parts.map((p) => (p as { text: string }).text).join('') : parts;
}

function imagePart(b: InboundImageBlock): ContentPart {
  const url = b.source.type === 'base64' ? `data:${b.source.media_type};base64,${b.source.data}` : b.source.url;
  return { type: 'image_url', image_url: { url } };
}

/** Plain-text documents become text; PDFs and URLs have no canonical part, so they are refused. */
function documentParts(b: InboundDocumentBlock, path: string): ContentPart[] {
  const s = b.source;
  if (s.type === 'text') return [{ type: 'text', text: s.data }];
  if (s.type === 'content')
    return typeof s.content === 'string'
      ? [{ type: 'text', text: s.content }]
      : s.content.map((c) => (c.type === 'text' ? { type: 'text', text: c.text } : imagePart(c)));
  throw new InvalidRequestError(
    `Invalid '${path}.source.type': only text and content documents are supported by the gateway.`,
    `${path}.source.type`,
  );
}

function assistantToCanonical(blocks: InboundAnthropicBlock[], i: number): ChatMessage {
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  blocks.forEach((b, j) => {
    if (b.type === 'text') text += b.text;
    else if (b.type === 'thinking') reasoning += b.thinking;
    // Redacted thinking is encrypted for Anthropic's own models; no other engine can read it.
    else if (b.type === 'redacted_thinking') return;
    else if (b.type === 'tool_use')
      toolCalls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input) } });
    else throw unsupported(b.type, 'assistant', `messages[${i}].content[${j}]`);
  });
  const msg: ChatMessage = { role: 'assistant', content: text === '' && toolCalls.length ? null : text };
  if (toolCalls.length) msg.tool_calls = toolCalls;
  if (reasoning) msg.reasoning_content = reasoning;
  return msg;
}

// ---- response -------------------------------------------------------------------------------

/** Canonical (non-streamed) response → Anthropic Message. Only choice 0 is represented. */
export function canonicalResponseToAnthropic(res: ChatResponse): AnthropicMessage {
  const choice = res.choices[0];
  const content: AnthropicResponseBlock[] = [];
  const msg = choice?.message;
  if (msg?.reasoning_content) content.push({ type: 'thinking', thinking: msg.reasoning_content, signature: '' });
  const text = typeof msg?.content === 'string' ? msg.content : (msg?.content ?? []).map((p) => (p.type === 'text' ? p.text : '')).join('');
  if (text) content.push({ type: 'text', text });
  for (const tc of msg?.tool_calls ?? [])
    content.push({ type: 'tool_use', id: tc.id, name: tc.function.name, input: parseInput(tc.function.arguments) });
  return {
    id: res.id,
    type: 'message',
    role: 'assistant',
    model: res.model,
    content,
    stop_reason: finishReasonToAnthropic(choice?.finish_reason ?? 'stop'),
    stop_sequence: null,
    usage: usageToAnthropic(res.usage),
  };
}

/** Model-written arguments may be invalid JSON; Anthropic clients expect an object regardless. */
function parseInput(args: string): unknown {
  try {
    const v = JSON.parse(args || '{}') as unknown;
    return v !== null && typeof v === 'object' ? v : { value: v };
  } catch {
    return {};
  }
}

// ---- stream ---------------------------------------------------------------------------------

export interface AnthropicOutboundEvent {
  event: string;
  data: object;
}

/** One event as SSE text (`event:` + `data:` lines), the framing Anthropic uses. */
export function anthropicEventToSse(e: AnthropicOutboundEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/**
 * Canonical chunks → a valid Anthropic event sequence: message_start, per block
 * content_block_start / content_block_delta… / content_block_stop (thinking, text and tool_use
 * blocks in the order they appear), message_delta (stop_reason, usage), message_stop.
 * A MeridianError thrown by the source is rethrown (the writer renders it as an `error` event).
 * Tool-call fragments are assumed to arrive tool after tool (as OpenAI streams them).
 */
export async function* canonicalStreamToAnthropicEvents(events: AsyncIterable<ChatChunk>): AsyncGenerator<AnthropicOutboundEvent> {
  let started = false;
  let blockCount = 0;
  // In an object so TypeScript does not narrow it across the helper generators that change it.
  const cur: { open: { kind: 'text' | 'thinking' | 'tool'; index: number } | null } = { open: null };
  const toolBlocks = new Map<number, number>();
  let finish: FinishReason | null = null;
  let usage: Usage | null | undefined;

  const ev = (event: string, data: Record<string, unknown>): AnthropicOutboundEvent => ({ event, data: { type: event, ...data } });
  function* close(): Generator<AnthropicOutboundEvent> {
    if (cur.open) yield ev('content_block_stop', { index: cur.open.index });
    cur.open = null;
  }
  function* openBlock(kind: 'text' | 'thinking' | 'tool', block: Record<string, unknown>): Generator<AnthropicOutboundEvent, number> {
    yield* close();
    const index = blockCount++;
    cur.open = { kind, index };
    yield ev('content_block_start', { index, content_block: block });
    return index;
  }

  // A failure of the source propagates: the wire writer ends the stream with an `error` event and
  // the request is logged as failed (never as a clean message_stop).
  {
    for await (const c of events) {
      if (!started) {
        started = true;
        const message = {
          id: c.id || newId('msg'),
          type: 'message',
          role: 'assistant',
          model: c.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: usageToAnthropic(c.usage ?? null),
        };
        yield ev('message_start', { message });
      }
      if (c.usage) usage = c.usage;
      const choice = c.choices[0];
      if (!choice) continue;
      const d = choice.delta ?? {};
      if (d.reasoning_content) {
        const index: number =
          cur.open?.kind === 'thinking' ? cur.open.index : yield* openBlock('thinking', { type: 'thinking', thinking: '' });
        yield ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: d.reasoning_content } });
      }
      if (d.content) {
        const index: number = cur.open?.kind === 'text' ? cur.open.index : yield* openBlock('text', { type: 'text', text: '' });
        yield ev('content_block_delta', { index, delta: { type: 'text_delta', text: d.content } });
      }
      for (const t of d.tool_calls ?? []) {
        let index = toolBlocks.get(t.index);
        if (index === undefined) {
          index = yield* openBlock('tool', { type: 'tool_use', id: t.id ?? newId('toolu'), name: t.function?.name ?? '', input: {} });
          toolBlocks.set(t.index, index);
        }
        if (t.function?.arguments)
          yield ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: t.function.arguments } });
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  if (!started)
    yield ev('message_start', {
      message: {
        id: newId('msg'),
        type: 'message',
        role: 'assistant',
        model: '',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: usageToAnthropic(null),
      },
    });
  yield* close();
  const u = usageToAnthropic(usage);
  yield ev('message_delta', { delta: { stop_reason: finishReasonToAnthropic(finish ?? 'stop'), stop_sequence: null }, usage: u });
  yield ev('message_stop', {});
}
