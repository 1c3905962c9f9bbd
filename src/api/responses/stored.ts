/**
 * What a stored response keeps besides the response object, and how it is read back: the input
 * items with ids (`GET /v1/responses/{id}/input_items`, a cursor page), the canonical assistant
 * turn the output items stand for (to continue the conversation), and the id rule (ids arrive in
 * URL paths and bodies: hostile input, bounded before any lookup).
 * Reference: https://platform.openai.com/docs/api-reference/responses/input-items ,
 * https://platform.openai.com/docs/api-reference/responses/get
 */
import { randomBytes } from 'node:crypto';
import { InvalidRequestError } from '../../errors.js';
import type { ChatMessage, ToolCall } from '../types.js';
import type { OutputItem } from './response.js';
import type { InboundResponsesRequest } from './schema.js';

/** Ours are `resp_` + 32 hex digits; anything outside this shape cannot name a stored response. */
const RESPONSE_ID = /^resp_[A-Za-z0-9]{1,100}$/;
const ITEM_ID = /^[A-Za-z0-9_-]{1,256}$/;

export function isResponseId(id: unknown): id is string {
  return typeof id === 'string' && RESPONSE_ID.test(id);
}

/** The id, safe to quote in an error message; otherwise a neutral placeholder (never the raw value). */
export function quotableId(id: string): string {
  return isResponseId(id) ? id : '(invalid id)';
}

const itemId = (prefix: string): string => `${prefix}_${randomBytes(16).toString('hex')}`;

const PREFIX: Record<string, string> = { message: 'msg', function_call: 'fc', function_call_output: 'fco', reasoning: 'rs' };

/**
 * This request's `input` as items with ids: a string becomes one user message; string content
 * becomes an `input_text` part (`output_text` for the assistant), as OpenAI lists them. A client's
 * own item id is kept when it is a plain id.
 */
export function inputItemsOf(input: InboundResponsesRequest['input']): Record<string, unknown>[] {
  if (typeof input === 'string')
    return [{ id: itemId('msg'), type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: input }] }];
  return input.map((item) => {
    const raw = item as Record<string, unknown>;
    const id = typeof raw.id === 'string' && ITEM_ID.test(raw.id) ? raw.id : itemId(PREFIX[item.type] ?? 'item');
    if (item.type === 'message' && typeof item.content === 'string') {
      const part = item.role === 'assistant' ? 'output_text' : 'input_text';
      return { ...raw, id, status: 'completed', content: [{ type: part, text: item.content }] };
    }
    return { ...raw, id };
  });
}

/** The assistant turn an answer's output items stand for (reasoning is never sent back as prompt). */
export function assistantMessageOf(output: readonly OutputItem[]): ChatMessage {
  let text = '';
  const calls: ToolCall[] = [];
  for (const item of output) {
    if (item.type === 'message') for (const p of item.content) text += p.type === 'output_text' ? p.text : p.refusal;
    else if (item.type === 'function_call')
      calls.push({ id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } });
  }
  return calls.length ? { role: 'assistant', content: text || null, tool_calls: calls } : { role: 'assistant', content: text };
}

export interface InputItemsPage {
  object: 'list';
  data: Record<string, unknown>[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** `limit` (1-100, default 20), `order` (`asc` | `desc`, default `desc`), `after` (an item id of this list). */
export function pageInputItems(items: readonly Record<string, unknown>[], query: URLSearchParams): InputItemsPage {
  const limitText = query.get('limit');
  const limit = limitText === null ? 20 : Number(limitText);
  if (!/^\d{1,3}$/.test(limitText ?? '20') || !Number.isInteger(limit) || limit < 1 || limit > 100)
    throw new InvalidRequestError("Invalid 'limit': an integer from 1 to 100.", 'limit');
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new InvalidRequestError("Invalid 'order': 'asc' or 'desc'.", 'order');
  const ordered = order === 'asc' ? [...items] : [...items].reverse();
  let start = 0;
  const after = query.get('after');
  if (after !== null) {
    const at = ordered.findIndex((i) => i.id === after);
    if (at < 0) throw new InvalidRequestError("Invalid 'after': not an item id of this response's input.", 'after');
    start = at + 1;
  }
  const data = ordered.slice(start, start + limit);
  return {
    object: 'list',
    data,
    first_id: (data[0]?.id as string | undefined) ?? null,
    last_id: (data.at(-1)?.id as string | undefined) ?? null,
    has_more: start + limit < ordered.length,
  };
}
