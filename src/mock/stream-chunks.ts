/**
 * Splits a finished ChatResponse into the OpenAI streaming chunks a real server would send:
 * a role chunk, content in word-sized pieces, tool calls (id+name first, then argument
 * fragments), one chunk with `finish_reason`, then optionally the usage chunk.
 * Reference: https://platform.openai.com/docs/api-reference/chat-streaming
 */
import type { ChatChunk, ChatResponse, ChunkDelta, FinishReason } from '../api/types.js';

export function responseToChunks(response: ChatResponse, includeUsage: boolean): ChatChunk[] {
  const base = { id: response.id, object: 'chat.completion.chunk' as const, created: response.created, model: response.model };
  const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): ChatChunk => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const choice = response.choices[0];
  const out: ChatChunk[] = [chunk({ role: 'assistant', content: '' })];
  const content = typeof choice?.message.content === 'string' ? choice.message.content : '';
  for (const piece of splitForStreaming(content)) out.push(chunk({ content: piece }));
  (choice?.message.tool_calls ?? []).forEach((call, index) => {
    out.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
    for (const piece of splitArguments(call.function.arguments))
      out.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  out.push(chunk({}, choice?.finish_reason ?? 'stop'));
  if (includeUsage && response.usage) out.push({ ...base, choices: [], usage: response.usage });
  return out;
}

/** Words with their following whitespace, so concatenating the pieces gives the text back. */
export function splitForStreaming(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function splitArguments(args: string): string[] {
  if (!args) return [];
  const size = Math.max(8, Math.ceil(args.length / 3));
  const out: string[] = [];
  for (let i = 0; i < args.length; i += size) out.push(args.slice(i, i + size));
  return out;
}
