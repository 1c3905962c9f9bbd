/**
 * Canonical chat answer → Responses API objects: the `response` object (non-stream, and the
 * snapshot carried by lifecycle events) and its output items. Shapes follow
 * https://platform.openai.com/docs/api-reference/responses/object ; `store` and
 * `previous_response_id` say what the gateway decided (docs/responses.md).
 */
import { randomBytes } from 'node:crypto';
import type { ChatResponse, FinishReason, Usage } from '../types.js';
import type { InboundResponsesRequest } from './schema.js';

export type OutputItem =
  | { type: 'reasoning'; id: string; summary: Array<{ type: 'summary_text'; text: string }> }
  | {
      type: 'message';
      id: string;
      status: 'in_progress' | 'completed' | 'incomplete';
      role: 'assistant';
      content: Array<{ type: 'output_text'; text: string; annotations: unknown[] } | { type: 'refusal'; refusal: string }>;
    }
  | { type: 'function_call'; id: string; call_id: string; name: string; arguments: string; status: 'in_progress' | 'completed' };

export interface ResponsesUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens_details: { reasoning_tokens: number };
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  model: string;
  output: OutputItem[];
  usage: ResponsesUsage | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  error: { code: string; message: string } | null;
  [echo: string]: unknown;
}

export function responseId(prefix: 'resp' | 'msg' | 'fc' | 'rs'): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`;
}

export function usageToResponses(u: Usage): ResponsesUsage {
  return {
    input_tokens: u.prompt_tokens,
    output_tokens: u.completion_tokens,
    total_tokens: u.total_tokens,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens_details: { reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0 },
  };
}

/** `length` → incomplete (max_output_tokens), `content_filter` → incomplete; the rest completed. */
export function statusOf(finish: FinishReason | null | undefined): Pick<ResponseObject, 'status' | 'incomplete_details'> {
  if (finish === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** Whether the gateway stores this response, and the one it continues (the object echoes both). */
export interface ConversationState {
  store: boolean;
  previous_response_id: string | null;
}

const STATELESS: ConversationState = { store: false, previous_response_id: null };

/** The request parameters a response object echoes (OpenAI returns them so a client can log one object). */
export function echoOf(r: InboundResponsesRequest, state: ConversationState = STATELESS): Record<string, unknown> {
  return {
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    metadata: r.metadata ?? {},
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    previous_response_id: state.previous_response_id,
    reasoning: { effort: r.reasoning?.effort ?? null, summary: null },
    store: state.store,
    temperature: r.temperature ?? null,
    text: { format: r.text?.format ?? { type: 'text' } },
    tool_choice: r.tool_choice ?? 'auto',
    tools: (r.tools ?? []).map((t) => ({
      type: 'function',
      name: t.name,
      description: t.description ?? null,
      parameters: t.parameters ?? null,
      strict: t.strict ?? null,
    })),
    top_p: r.top_p ?? null,
    truncation: 'disabled',
    ...(r.user !== undefined ? { user: r.user } : {}),
  };
}

export interface ResponseHead {
  id: string;
  created_at: number;
  model: string;
  echo: Record<string, unknown>;
}

export function responseObject(head: ResponseHead, fields: Partial<ResponseObject> & Pick<ResponseObject, 'status'>): ResponseObject {
  return {
    id: head.id,
    object: 'response',
    created_at: head.created_at,
    model: head.model,
    output: [],
    usage: null,
    incomplete_details: null,
    error: null,
    ...head.echo,
    ...fields,
  };
}

/** A complete canonical answer → the Responses API object. */
export function canonicalResponseToResponses(
  response: ChatResponse,
  inbound: InboundResponsesRequest,
  state?: ConversationState,
): ResponseObject {
  const choice = response.choices[0];
  const msg = choice?.message;
  const output: OutputItem[] = [];
  if (msg?.reasoning_content)
    output.push({ type: 'reasoning', id: responseId('rs'), summary: [{ type: 'summary_text', text: msg.reasoning_content }] });
  const text = typeof msg?.content === 'string' ? msg.content : (msg?.content ?? []).map((p) => (p.type === 'text' ? p.text : '')).join('');
  const { status, incomplete_details } = statusOf(choice?.finish_reason);
  if (text || !msg?.tool_calls?.length)
    output.push({
      type: 'message',
      id: responseId('msg'),
      status: status === 'completed' ? 'completed' : 'incomplete',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [] }],
    });
  for (const c of msg?.tool_calls ?? [])
    output.push({
      type: 'function_call',
      id: responseId('fc'),
      call_id: c.id,
      name: c.function.name,
      arguments: c.function.arguments,
      status: 'completed',
    });
  const head = { id: responseId('resp'), created_at: response.created, model: response.model, echo: echoOf(inbound, state) };
  return responseObject(head, { status, incomplete_details, output, usage: response.usage ? usageToResponses(response.usage) : null });
}
