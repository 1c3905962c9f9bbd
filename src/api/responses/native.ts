/**
 * The Responses API pass-through (docs/responses.md, "Native pass-through to OpenAI"): the body an
 * upstream that serves `POST /responses` itself receives, and its usage in canonical terms. The
 * client's own body goes upstream, with what Meridian owns taken out: `model` is the deployment's,
 * `store` is false (Meridian stores), a `previous_response_id` is already expanded into input
 * items from Meridian's store, and `prompt` names Meridian's registry, not OpenAI's.
 * Reference: https://platform.openai.com/docs/api-reference/responses/create ,
 * https://platform.openai.com/docs/api-reference/responses/object (usage)
 */
import type { ChatMessage, ContentPart, Usage } from '../types.js';
import type { InboundResponsesRequest } from './schema.js';

/** Fields Meridian answers for itself; every other field of the client's body passes through. */
const OWNED = new Set(['model', 'store', 'previous_response_id', 'prompt', 'conversation', 'background']);

/**
 * Whether a request can pass through at all: a registered `prompt` renders into canonical messages
 * only, so such a request is translated on every deployment.
 */
export function canPassThrough(inbound: InboundResponsesRequest): boolean {
  return inbound.prompt === undefined || inbound.prompt === null;
}

/** The body sent to the upstream's `POST /responses`. `history`: the stored conversation `previous_response_id` names. */
export function nativeRequestBody(
  inbound: InboundResponsesRequest,
  history: readonly ChatMessage[] | undefined,
  model: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inbound)) if (!OWNED.has(k) && v !== undefined) body[k] = v;
  body.model = model;
  body.store = false;
  if (history?.length) {
    const input = typeof inbound.input === 'string' ? [{ role: 'user', content: inbound.input }] : inbound.input;
    body.input = [...messagesToInputItems(history), ...input];
  }
  return body;
}

function partsToInput(parts: readonly ContentPart[]): Record<string, unknown>[] {
  return parts.map((p) =>
    p.type === 'text'
      ? { type: 'input_text', text: p.text }
      : { type: 'input_image', image_url: p.image_url.url, ...(p.image_url.detail ? { detail: p.image_url.detail } : {}) },
  );
}

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((p) => (p.type === 'text' ? p.text : '')).join('');
}

/**
 * A stored canonical conversation as Responses input items: messages, `function_call` items for an
 * assistant's tool calls, `function_call_output` items for tool results (the inverse of
 * request.ts). Reasoning is not carried (it is never sent back as prompt content).
 */
export function messagesToInputItems(messages: readonly ChatMessage[]): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  for (const m of messages) {
    if (m.role === 'tool') {
      const output = typeof m.content === 'string' || m.content === null ? (m.content ?? '') : partsToInput(m.content);
      items.push({ type: 'function_call_output', call_id: m.tool_call_id ?? '', output });
    } else if (m.role === 'assistant') {
      const text = textOf(m.content);
      if (text || !m.tool_calls?.length) items.push({ role: 'assistant', content: text });
      for (const c of m.tool_calls ?? [])
        items.push({ type: 'function_call', call_id: c.id, name: c.function.name, arguments: c.function.arguments });
    } else {
      const content = typeof m.content === 'string' || m.content === null ? (m.content ?? '') : partsToInput(m.content);
      items.push({ role: m.role, content });
    }
  }
  return items;
}

interface NativeUsage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  total_tokens?: unknown;
  input_tokens_details?: { cached_tokens?: unknown } | null;
  output_tokens_details?: { reasoning_tokens?: unknown } | null;
}

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/** A response object's `usage` in canonical terms; undefined when it has none (the gateway then counts). */
export function nativeUsage(response: Record<string, unknown> | undefined): Usage | undefined {
  const u = response?.usage as NativeUsage | null | undefined;
  if (!u || typeof u !== 'object') return undefined;
  const input = count(u.input_tokens);
  const output = count(u.output_tokens);
  if (input === undefined || output === undefined) return undefined;
  const usage: Usage = { prompt_tokens: input, completion_tokens: output, total_tokens: count(u.total_tokens) ?? input + output };
  const cached = count(u.input_tokens_details?.cached_tokens);
  const reasoning = count(u.output_tokens_details?.reasoning_tokens);
  if (cached !== undefined) usage.prompt_tokens_details = { cached_tokens: cached };
  if (reasoning !== undefined) usage.completion_tokens_details = { reasoning_tokens: reasoning };
  return usage;
}

/** The text an answer generated (output text, refusals, call names and arguments), for counting tokens when usage is missing. */
export function nativeOutputText(response: Record<string, unknown>): string {
  let s = '';
  for (const item of Array.isArray(response.output) ? (response.output as Record<string, unknown>[]) : []) {
    if (item?.type === 'function_call') s += String(item.name ?? '') + String(item.arguments ?? '');
    else if (item?.type === 'message' && Array.isArray(item.content))
      for (const p of item.content as Array<Record<string, unknown>>) s += String(p?.text ?? p?.refusal ?? '');
  }
  return s;
}
