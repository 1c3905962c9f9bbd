/**
 * Canonical answers → Ollama's response objects (`/api/chat`, `/api/generate`, their final
 * `done: true` object with counts and durations, and `{"error": "..."}` bodies).
 * Durations are nanoseconds, as Ollama reports them, measured at the gateway: `total_duration` is
 * the whole request; a streamed answer splits it at the first token (`prompt_eval_duration`
 * before, `eval_duration` after); an unstreamed one reports it all as `eval_duration`.
 * `load_duration` is 0: Meridian loads no model.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md (chat, generate, durations),
 * https://docs.ollama.com/api/errors
 */
import type { MeridianError } from '../../errors.js';
import type { FinishReason, ChatResponse, ContentPart, Usage } from '../types.js';
import type { LoadReason } from './request.js';

export interface OllamaOutToolCall {
  /** Not in the documented shape; newer Ollama servers send it and clients may echo it back. */
  id?: string;
  function: { index: number; name: string; arguments: Record<string, unknown> };
}

export interface OllamaOutMessage {
  role: 'assistant';
  content: string;
  thinking?: string;
  tool_calls?: OllamaOutToolCall[];
}

/** What the final (`done: true`) object adds. */
export interface OllamaStats {
  done_reason: string;
  total_duration: number;
  load_duration: number;
  prompt_eval_count: number;
  prompt_eval_duration: number;
  eval_count: number;
  eval_duration: number;
}

export interface OllamaChatOut extends Partial<OllamaStats> {
  model: string;
  created_at: string;
  message: OllamaOutMessage;
  done: boolean;
}

export interface OllamaGenerateOut extends Partial<OllamaStats> {
  model: string;
  created_at: string;
  response: string;
  thinking?: string;
  done: boolean;
}

/** Milliseconds (performance.now) at the request's start, the first token and the end. */
export interface OllamaTiming {
  startMs: number;
  firstTokenMs?: number;
  endMs: number;
}

export function ollamaStats(finish: FinishReason | null | undefined, usage: Usage | null | undefined, t: OllamaTiming): OllamaStats {
  const total = nanos(t.endMs - t.startMs);
  const prompt = t.firstTokenMs === undefined ? 0 : Math.min(total, nanos(t.firstTokenMs - t.startMs));
  return {
    // Ollama says `stop` also when the model called tools.
    done_reason: finish === 'length' ? 'length' : 'stop',
    total_duration: total,
    load_duration: 0,
    prompt_eval_count: usage?.prompt_tokens ?? 0,
    prompt_eval_duration: prompt,
    eval_count: usage?.completion_tokens ?? 0,
    eval_duration: total - prompt,
  };
}

/** `model` is the name the client asked for (alias or `provider/model`): the route header says where it ran. */
export function canonicalToOllamaChat(res: ChatResponse, model: string, t: OllamaTiming): OllamaChatOut {
  const choice = res.choices[0];
  const msg = choice?.message;
  const message: OllamaOutMessage = { role: 'assistant', content: textOf(msg?.content ?? null) };
  if (msg?.reasoning_content) message.thinking = msg.reasoning_content;
  if (msg?.tool_calls?.length)
    message.tool_calls = msg.tool_calls.map((tc, i) => toolCallOut(i, tc.function.name, tc.function.arguments, tc.id));
  return { model, created_at: createdAt(), message, done: true, ...ollamaStats(choice?.finish_reason, res.usage, t) };
}

export function canonicalToOllamaGenerate(res: ChatResponse, model: string, t: OllamaTiming): OllamaGenerateOut {
  const choice = res.choices[0];
  const msg = choice?.message;
  const out: OllamaGenerateOut = { model, created_at: createdAt(), response: textOf(msg?.content ?? null), done: true };
  if (msg?.reasoning_content) out.thinking = msg.reasoning_content;
  return { ...out, ...ollamaStats(choice?.finish_reason, res.usage, t) };
}

/** The answer to a load/unload request (nothing ran): documented as `done: true` with that `done_reason`. */
export function ollamaLoadAnswer(kind: 'chat' | 'generate', model: string, reason: LoadReason): OllamaChatOut | OllamaGenerateOut {
  const base = { model, created_at: createdAt(), done: true, done_reason: reason };
  return kind === 'chat' ? { ...base, message: { role: 'assistant', content: '' } } : { ...base, response: '' };
}

/** Ollama's error body: one string. */
export function ollamaError(message: string): { error: string } {
  return { error: message };
}

/** Ollama's error body, for every Ollama route (failures before the handler too: auth, content type, unknown JSON). */
export const ollamaErrorFormat = (e: MeridianError): unknown => ollamaError(e.message);

export function toolCallOut(index: number, name: string, args: string, id?: string): OllamaOutToolCall {
  let parsed: unknown;
  try {
    parsed = args ? JSON.parse(args) : {};
  } catch {
    // Arguments a model produced may be malformed; Ollama's shape needs an object, so keep the text.
    parsed = { arguments: args };
  }
  const obj = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  return { ...(id ? { id } : {}), function: { index, name, arguments: obj } };
}

/** When the gateway answers (Ollama's own servers stamp their local time too). */
export function createdAt(): string {
  return new Date().toISOString();
}

function nanos(ms: number): number {
  return Math.max(0, Math.round(ms * 1e6));
}

function textOf(content: string | ContentPart[] | null): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('');
}
