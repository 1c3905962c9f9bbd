/**
 * Ollama `/api/chat` response (stream: false) → canonical ChatResponse.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#chat-request-no-streaming ,
 * https://github.com/ollama/ollama/blob/main/docs/api.md#chat-request-with-tools
 */
import type { ChatResponse, ToolCall } from '../../api/types.js';
import { newId, nowSeconds } from '../shared/ids.js';
import { convertOllamaUsage } from './convert-ollama-usage.js';
import { mapOllamaFinishReason } from './map-ollama-finish-reason.js';
import type { OllamaChatResponse, OllamaToolCall } from './ollama-api.js';

export function convertOllamaResponse(res: OllamaChatResponse, fallbackModel: string): ChatResponse {
  const msg = res.message ?? {};
  const toolCalls = (msg.tool_calls ?? []).map(toCanonicalToolCall);
  const text = msg.content ?? '';
  const message: ChatResponse['choices'][number]['message'] = {
    role: 'assistant',
    // OpenAI sends null content when the model only called tools.
    content: text === '' && toolCalls.length ? null : text,
  };
  if (msg.thinking) message.reasoning_content = msg.thinking;
  if (toolCalls.length) message.tool_calls = toolCalls;
  const out: ChatResponse = {
    id: newId('chatcmpl'),
    object: 'chat.completion',
    created: createdSeconds(res.created_at),
    model: res.model ?? fallbackModel,
    choices: [{ index: 0, message, finish_reason: mapOllamaFinishReason(res.done_reason, toolCalls.length > 0) }],
  };
  const usage = convertOllamaUsage(res);
  if (usage) out.usage = usage;
  return out;
}

/** Ollama tool calls carry no id (older servers) and object arguments: make both OpenAI-shaped. */
export function toCanonicalToolCall(tc: OllamaToolCall): ToolCall {
  return {
    id: tc.id || newId('call'),
    type: 'function',
    function: { name: tc.function?.name ?? '', arguments: JSON.stringify(tc.function?.arguments ?? {}) },
  };
}

/** `created_at` is RFC 3339 with nanoseconds; unparseable or missing → now. */
export function createdSeconds(createdAt: string | undefined): number {
  const t = createdAt ? Date.parse(createdAt) : NaN;
  return Number.isNaN(t) ? nowSeconds() : Math.floor(t / 1000);
}
