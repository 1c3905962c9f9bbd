/**
 * Canonical stream chunks → Ollama's streamed objects (one JSON object per NDJSON line).
 * Content and thinking deltas pass through as they come (`message.content` / `message.thinking`
 * for `/api/chat`, `response` / `thinking` for `/api/generate`); tool-call fragments are assembled
 * and sent whole in one object before the end, as Ollama does; the last object is `done: true`
 * with `done_reason`, counts and durations. A failure is thrown, so the writer ends the stream
 * with Ollama's `{"error": "..."}` line instead of a clean `done: true`.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
 * (streaming), https://docs.ollama.com/api/errors (errors that occur while streaming)
 */
import type { ChatChunk, FinishReason, Usage } from '../types.js';
import {
  createdAt,
  ollamaStats,
  toolCallOut,
  type OllamaChatOut,
  type OllamaGenerateOut,
  type OllamaOutMessage,
  type OllamaTiming,
} from './response.js';

export interface OllamaStreamOptions {
  kind: 'chat' | 'generate';
  /** The name the client asked for. */
  model: string;
  /** performance.now() when the request arrived. */
  startMs: number;
  now?: () => number;
}

export async function* canonicalStreamToOllama(
  chunks: AsyncIterable<ChatChunk>,
  opts: OllamaStreamOptions,
): AsyncGenerator<OllamaChatOut | OllamaGenerateOut> {
  const now = opts.now ?? (() => performance.now());
  const timing: OllamaTiming = { startMs: opts.startMs, endMs: opts.startMs };
  let finish: FinishReason | null = null;
  let usage: Usage | null | undefined;
  const calls = new Map<number, { id?: string; name: string; args: string }>();
  const line = (message: OllamaOutMessage): OllamaChatOut | OllamaGenerateOut => {
    if (opts.kind === 'chat') return { model: opts.model, created_at: createdAt(), message, done: false };
    const out: OllamaGenerateOut = { model: opts.model, created_at: createdAt(), response: message.content, done: false };
    if (message.thinking) out.thinking = message.thinking;
    return out;
  };

  for await (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      const d = choice.delta;
      if (d.reasoning_content || d.content || d.tool_calls?.length) timing.firstTokenMs ??= now();
      if (d.reasoning_content) yield line({ role: 'assistant', content: '', thinking: d.reasoning_content });
      if (d.content) yield line({ role: 'assistant', content: d.content });
      for (const tc of d.tool_calls ?? []) {
        const call = calls.get(tc.index) ?? { name: '', args: '' };
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.name += tc.function.name;
        if (tc.function?.arguments) call.args += tc.function.arguments;
        calls.set(tc.index, call);
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  // /api/generate has no tools, so only a chat answer carries calls.
  if (calls.size && opts.kind === 'chat') {
    const ordered = [...calls.entries()].sort((a, b) => a[0] - b[0]);
    const tool_calls = ordered.map(([, c], i) => toolCallOut(i, c.name, c.args, c.id));
    yield { model: opts.model, created_at: createdAt(), message: { role: 'assistant', content: '', tool_calls }, done: false };
  }
  timing.endMs = now();
  yield { ...line({ role: 'assistant', content: '' }), done: true, ...ollamaStats(finish, usage, timing) };
}
