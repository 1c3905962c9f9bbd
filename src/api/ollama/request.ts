/**
 * Ollama `/api/chat` and `/api/generate` requests → the canonical chat request. Ollama streams
 * unless the body says `stream: false`; `options` (Modelfile parameters) become the OpenAI
 * sampling fields; `format` becomes `response_format`; base64 `images` become image parts; tool
 * results, which Ollama names by tool (`tool_name`), are matched to the call ids they answer.
 * What the canonical format cannot carry (fill-in-the-middle `suffix`) is a 400, never a silent drop.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion ,
 * https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-completion ,
 * https://docs.ollama.com/capabilities/thinking
 */
import { InvalidRequestError } from '../../errors.js';
import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from '../types.js';
import type {
  OllamaInboundChat,
  OllamaInboundFormat,
  OllamaInboundGenerate,
  OllamaInboundMessage,
  OllamaInboundOptions,
  OllamaInboundThink,
  OllamaInboundToolCall,
} from './schema.js';

/**
 * A request with nothing to run: Ollama's documented way to load (or, with `keep_alive: 0`,
 * unload) a model. Meridian loads nothing, so it answers at once with the matching `done_reason`.
 */
export function chatLoadReason(r: OllamaInboundChat): LoadReason | undefined {
  return r.messages?.length ? undefined : loadOrUnload(r.keep_alive);
}

export function generateLoadReason(r: OllamaInboundGenerate): LoadReason | undefined {
  return r.prompt || r.images?.length ? undefined : loadOrUnload(r.keep_alive);
}

export type LoadReason = 'load' | 'unload';

function loadOrUnload(keepAlive: OllamaInboundChat['keep_alive']): LoadReason {
  return keepAlive === 0 || keepAlive === '0' ? 'unload' : 'load';
}

export function ollamaChatToCanonical(r: OllamaInboundChat): ChatRequest {
  const req: ChatRequest = { model: r.model, messages: messagesToCanonical(r.messages ?? []), stream: r.stream !== false };
  if (r.tools?.length) {
    req.tools = r.tools.map((t) => ({
      type: 'function' as const,
      function: {
        name: t.function.name,
        ...(t.function.description !== undefined ? { description: t.function.description } : {}),
        ...(t.function.parameters ? { parameters: t.function.parameters } : {}),
      },
    }));
  }
  applyCommon(req, r.format, r.options, r.think);
  return req;
}

/** `/api/generate`: `system` and `prompt` (with `images`) become a two-message chat. */
export function ollamaGenerateToCanonical(r: OllamaInboundGenerate): ChatRequest {
  if (r.suffix)
    throw new InvalidRequestError(
      'suffix (fill-in-the-middle) is not supported: the gateway runs chat models. Send the text before the cursor as the prompt.',
      'suffix',
    );
  const messages: ChatMessage[] = [];
  if (r.system) messages.push({ role: 'system', content: r.system });
  messages.push(userMessage(r.prompt ?? '', r.images ?? undefined));
  const req: ChatRequest = { model: r.model, messages, stream: r.stream !== false };
  applyCommon(req, r.format, r.options, r.think);
  return req;
}

function applyCommon(
  req: ChatRequest,
  format: OllamaInboundFormat,
  o: OllamaInboundOptions | null | undefined,
  think: OllamaInboundThink,
): void {
  if (format === 'json') req.response_format = { type: 'json_object' };
  else if (format && typeof format === 'object')
    req.response_format = { type: 'json_schema', json_schema: { name: 'response', schema: format } };
  if (o) {
    if (o.temperature !== undefined) req.temperature = o.temperature;
    if (o.top_p !== undefined) req.top_p = o.top_p;
    if (o.num_predict !== undefined && o.num_predict > 0) req.max_tokens = o.num_predict;
    const stop = typeof o.stop === 'string' ? [o.stop] : o.stop;
    if (stop?.length) req.stop = stop;
    if (o.seed !== undefined) req.seed = o.seed;
    if (o.presence_penalty !== undefined) req.presence_penalty = o.presence_penalty;
    if (o.frequency_penalty !== undefined) req.frequency_penalty = o.frequency_penalty;
    // Engines that know top_k (vLLM, llama-server, Ollama) read it as an extra field; others ignore it.
    if (o.top_k !== undefined && o.top_k > 0) (req as ChatRequest & { top_k?: number }).top_k = o.top_k;
  }
  // `think: true` turns reasoning on at the default level; a level passes through; false leaves the model's default.
  if (think === true) req.reasoning_effort = 'medium';
  else if (typeof think === 'string') req.reasoning_effort = think;
}

function userMessage(text: string, imgs: string[] | undefined): ChatMessage {
  if (!imgs?.length) return { role: 'user', content: text };
  const parts: ContentPart[] = text ? [{ type: 'text', text }] : [];
  for (const img of imgs) parts.push({ type: 'image_url', image_url: { url: `data:${sniffImageMime(img)};base64,${img}` } });
  return { role: 'user', content: parts };
}

function messagesToCanonical(messages: OllamaInboundMessage[]): ChatMessage[] {
  // Ollama tool results name the tool; canonical ones need the call id. Match each result to the
  // first still-unanswered call of that name from the latest assistant turn.
  let pending: Array<{ id: string; name: string }> = [];
  let n = 0;
  return messages.map((m, i): ChatMessage => {
    const content = m.content ?? '';
    switch (m.role) {
      case 'system':
        return { role: 'system', content };
      case 'user':
        return userMessage(content, m.images ?? undefined);
      case 'assistant': {
        const out: ChatMessage = { role: 'assistant', content };
        if (m.thinking) out.reasoning_content = m.thinking;
        if (m.tool_calls?.length) {
          out.tool_calls = m.tool_calls.map((tc) => toolCallToCanonical(tc, `call_${i}_${n++}`));
          pending = out.tool_calls.map((tc) => ({ id: tc.id, name: tc.function.name }));
          if (!content) out.content = null;
        }
        return out;
      }
      case 'tool': {
        const byId = m.tool_call_id ? pending.findIndex((p) => p.id === m.tool_call_id) : -1;
        const at = byId >= 0 ? byId : pending.findIndex((p) => p.name === m.tool_name);
        const match = at >= 0 ? pending.splice(at, 1)[0] : undefined;
        const out: ChatMessage = { role: 'tool', content, tool_call_id: match?.id ?? m.tool_call_id ?? `call_${i}_${n++}` };
        if (m.tool_name) out.name = m.tool_name;
        return out;
      }
    }
  });
}

function toolCallToCanonical(tc: OllamaInboundToolCall, fallbackId: string): ToolCall {
  const args = tc.function.arguments;
  return {
    id: tc.id || fallbackId,
    type: 'function',
    function: { name: tc.function.name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
  };
}

/** Ollama images carry no media type; the first base64 characters of the magic bytes tell it. */
function sniffImageMime(b64: string): string {
  if (b64.startsWith('/9j/')) return 'image/jpeg';
  if (b64.startsWith('R0lGOD')) return 'image/gif';
  if (b64.startsWith('UklGR')) return 'image/webp';
  return 'image/png';
}
