/**
 * The reverse direction: Ollama's `/api/chat` wire format as a *server* speaks it. The mock
 * server uses this to impersonate an Ollama upstream (so the Ollama adapter can be exercised end
 * to end), and a future `/api/chat` inbound route can reuse it.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion ,
 * https://docs.ollama.com/capabilities/thinking , https://docs.ollama.com/api/errors
 */
import type { ChatChunk, ChatMessage, ChatRequest, ChatResponse, ContentPart, FunctionTool, ToolCall } from '../../api/types.js';
import { InvalidRequestError, MeridianError } from '../../errors.js';
import { newId } from '../shared/ids.js';
import { toOllamaDoneReason } from './map-ollama-finish-reason.js';
import type { OllamaChatRequest, OllamaChatResponse, OllamaMessage, OllamaToolCall } from './ollama-api.js';

/** An Ollama `/api/chat` body → canonical request. Throws InvalidRequestError on a malformed body. */
export function ollamaChatRequestToCanonical(body: unknown): ChatRequest {
  if (!body || typeof body !== 'object') throw new InvalidRequestError('Request body must be a JSON object.');
  const b = body as Partial<OllamaChatRequest>;
  if (typeof b.model !== 'string' || !b.model) throw new InvalidRequestError('model is required.', 'model');
  if (!Array.isArray(b.messages)) throw new InvalidRequestError('messages must be an array.', 'messages');

  const req: ChatRequest = {
    model: b.model,
    messages: messagesToCanonical(b.messages),
    // Ollama streams unless the body says `stream: false`.
    stream: b.stream !== false,
  };
  if (Array.isArray(b.tools) && b.tools.length) {
    req.tools = b.tools.map((t, i): FunctionTool => {
      if (!t?.function?.name) throw new InvalidRequestError(`tools[${i}].function.name is required.`, `tools[${i}]`);
      return { type: 'function', function: { ...t.function } };
    });
  }
  if (b.format === 'json') req.response_format = { type: 'json_object' };
  else if (b.format && typeof b.format === 'object')
    req.response_format = { type: 'json_schema', json_schema: { name: 'response', schema: b.format } };
  const o = b.options ?? {};
  if (typeof o.temperature === 'number') req.temperature = o.temperature;
  if (typeof o.top_p === 'number') req.top_p = o.top_p;
  if (typeof o.num_predict === 'number' && o.num_predict > 0) req.max_tokens = o.num_predict;
  if (Array.isArray(o.stop) && o.stop.length) req.stop = o.stop;
  if (typeof o.seed === 'number') req.seed = o.seed;
  if (typeof o.presence_penalty === 'number') req.presence_penalty = o.presence_penalty;
  if (typeof o.frequency_penalty === 'number') req.frequency_penalty = o.frequency_penalty;
  if (b.think === true) req.reasoning_effort = 'medium';
  else if (b.think === 'low' || b.think === 'medium' || b.think === 'high') req.reasoning_effort = b.think;
  return req;
}

function messagesToCanonical(messages: OllamaMessage[]): ChatMessage[] {
  // Ollama tool results name the tool; canonical ones need the call id. Match each result to the
  // first still-unanswered call of that name from the latest assistant turn.
  let pending: Array<{ id: string; name: string }> = [];
  return messages.map((m, i): ChatMessage => {
    if (!m || typeof m !== 'object') throw new InvalidRequestError(`messages[${i}] must be an object.`, `messages[${i}]`);
    const content = typeof m.content === 'string' ? m.content : '';
    switch (m.role) {
      case 'system':
        return { role: 'system', content };
      case 'user': {
        if (!m.images?.length) return { role: 'user', content };
        const parts: ContentPart[] = content ? [{ type: 'text', text: content }] : [];
        for (const img of m.images) parts.push({ type: 'image_url', image_url: { url: `data:${sniffImageMime(img)};base64,${img}` } });
        return { role: 'user', content: parts };
      }
      case 'assistant': {
        const out: ChatMessage = { role: 'assistant', content };
        if (m.thinking) out.reasoning_content = m.thinking;
        if (m.tool_calls?.length) {
          out.tool_calls = m.tool_calls.map(toolCallToCanonical);
          pending = out.tool_calls.map((tc) => ({ id: tc.id, name: tc.function.name }));
          if (!content) out.content = null;
        }
        return out;
      }
      case 'tool': {
        const at = pending.findIndex((p) => p.name === m.tool_name);
        const match = pending.splice(at >= 0 ? at : 0, 1)[0];
        const out: ChatMessage = { role: 'tool', content, tool_call_id: match?.id ?? newId('call') };
        if (m.tool_name) out.name = m.tool_name;
        return out;
      }
      default:
        throw new InvalidRequestError(`messages[${i}].role must be system, user, assistant or tool.`, `messages[${i}].role`);
    }
  });
}

function toolCallToCanonical(tc: OllamaToolCall): ToolCall {
  return {
    id: tc.id || newId('call'),
    type: 'function',
    function: { name: tc.function.name, arguments: JSON.stringify(tc.function.arguments ?? {}) },
  };
}

/** Ollama images carry no media type; the first base64 characters of the magic bytes tell it. */
function sniffImageMime(b64: string): string {
  if (b64.startsWith('/9j/')) return 'image/jpeg';
  if (b64.startsWith('R0lGOD')) return 'image/gif';
  if (b64.startsWith('UklGR')) return 'image/webp';
  return 'image/png';
}

/** A canonical response → Ollama's non-streamed `/api/chat` response. */
export function canonicalResponseToOllama(res: ChatResponse): OllamaChatResponse {
  const choice = res.choices[0];
  const msg = choice?.message;
  const message: OllamaMessage = { role: 'assistant', content: textOf(msg?.content ?? null) };
  if (msg?.reasoning_content) message.thinking = msg.reasoning_content;
  if (msg?.tool_calls?.length) message.tool_calls = msg.tool_calls.map((tc) => toolCallToOllama(tc.function.name, tc.function.arguments));
  const out: OllamaChatResponse = {
    model: res.model,
    created_at: new Date(res.created * 1000).toISOString(),
    message,
    done_reason: toOllamaDoneReason(choice?.finish_reason),
    done: true,
  };
  if (res.usage) {
    out.prompt_eval_count = res.usage.prompt_tokens;
    out.eval_count = res.usage.completion_tokens;
  }
  return out;
}

/**
 * Canonical chunks → Ollama NDJSON objects (write each as one JSON line). Content and thinking
 * deltas pass through as they come; tool-call fragments are assembled and sent whole, as Ollama
 * does; the last object is `done: true` with `done_reason` and counts. If the source fails
 * mid-stream, an `{"error": "..."}` object is the last line, as Ollama reports it.
 */
export async function* canonicalStreamToOllamaLines(events: AsyncIterable<ChatChunk>): AsyncGenerator<OllamaChatResponse> {
  let model = '';
  let createdAt = new Date().toISOString();
  let finish: ChatChunk['choices'][number]['finish_reason'] = null;
  let usage: ChatChunk['usage'];
  const calls = new Map<number, { name: string; args: string }>();
  try {
    for await (const chunk of events) {
      if (!model) {
        model = chunk.model;
        createdAt = new Date(chunk.created * 1000).toISOString();
      }
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        const d = choice.delta;
        if (d.reasoning_content) yield line(model, createdAt, { role: 'assistant', content: '', thinking: d.reasoning_content });
        if (d.content) yield line(model, createdAt, { role: 'assistant', content: d.content });
        for (const tc of d.tool_calls ?? []) {
          const call = calls.get(tc.index) ?? { name: '', args: '' };
          if (tc.function?.name) call.name += tc.function.name;
          if (tc.function?.arguments) call.args += tc.function.arguments;
          calls.set(tc.index, call);
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
  } catch (err) {
    yield { error: err instanceof MeridianError ? err.message : 'an error was encountered while running the model' };
    return;
  }
  if (calls.size) {
    const ordered = [...calls.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => toolCallToOllama(c.name, c.args));
    yield line(model, createdAt, { role: 'assistant', content: '', tool_calls: ordered });
  }
  const last: OllamaChatResponse = {
    ...line(model, createdAt, { role: 'assistant', content: '' }),
    done_reason: toOllamaDoneReason(finish),
    done: true,
  };
  if (usage) {
    last.prompt_eval_count = usage.prompt_tokens;
    last.eval_count = usage.completion_tokens;
  }
  yield last;
}

function line(model: string, createdAt: string, message: OllamaMessage): OllamaChatResponse {
  return { model, created_at: createdAt, message, done: false };
}

function toolCallToOllama(name: string, args: string): OllamaToolCall {
  let parsed: unknown = {};
  try {
    parsed = args ? JSON.parse(args) : {};
  } catch {
    // Arguments a model produced may be malformed; Ollama's shape needs an object regardless.
    parsed = {};
  }
  const obj = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  return { function: { name, arguments: obj } };
}

function textOf(content: string | ContentPart[] | null): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n');
}
