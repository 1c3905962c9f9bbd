/**
 * The engine's finished answer → the canonical chat response and stream chunks (OpenAI Chat
 * Completions shape: https://platform.openai.com/docs/api-reference/chat/object). A forced tool
 * call (tool_choice naming a tool) was generated as the tool's arguments under a grammar, so its
 * text is the call's `arguments`; calls the model chose itself come from node-llama-cpp's parsed
 * function calls.
 */
import type { ChatChunk, ChatResponse, ChunkDelta, FinishReason, ToolCall, Usage } from '../../api/types.js';
import { newId, nowSeconds } from '../shared/ids.js';
import type { FromChild } from './protocol.js';

export type Done = Extract<FromChild, { type: 'done' }>;

export function toolCallsOf(done: Done, forced: string | undefined): ToolCall[] {
  if (forced) return [{ id: newId('call'), type: 'function', function: { name: forced, arguments: done.text } }];
  return done.functionCalls.map((c) => ({
    id: newId('call'),
    type: 'function',
    function: { name: c.name, arguments: JSON.stringify(c.params ?? {}) },
  }));
}

export function finishReasonOf(done: Done, calls: ToolCall[]): FinishReason {
  if (calls.length > 0 && done.stopReason !== 'length') return 'tool_calls';
  return done.stopReason === 'length' ? 'length' : 'stop';
}

export function usageOf(done: Done): Usage {
  return {
    prompt_tokens: done.promptTokens,
    completion_tokens: done.completionTokens,
    total_tokens: done.promptTokens + done.completionTokens,
  };
}

export function convertEmbeddedResponse(done: Done, model: string, forced: string | undefined): ChatResponse {
  const calls = toolCallsOf(done, forced);
  return {
    id: newId('chatcmpl'),
    object: 'chat.completion',
    created: nowSeconds(),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: forced ? null : done.text, ...(calls.length ? { tool_calls: calls } : {}) },
        finish_reason: finishReasonOf(done, calls),
      },
    ],
    usage: usageOf(done),
  };
}

/** Makes chunks of one stream (same id and created time throughout). */
export function chunkMaker(model: string): (delta: ChunkDelta | null, finish?: FinishReason, usage?: Usage) => ChatChunk {
  const id = newId('chatcmpl');
  const created = nowSeconds();
  return (delta, finish, usage) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: delta ? [{ index: 0, delta, finish_reason: finish ?? null }] : [],
    ...(usage ? { usage } : {}),
  });
}
