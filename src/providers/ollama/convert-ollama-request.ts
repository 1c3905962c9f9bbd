/**
 * Canonical (OpenAI Chat Completions) request → Ollama `POST /api/chat` body.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion ,
 * thinking: https://docs.ollama.com/capabilities/thinking
 *
 * What Ollama cannot represent is either approximated (documented per field below) or refused
 * with an InvalidRequestError naming the field, never dropped silently when it changes meaning.
 */
import type { ChatMessage, ChatRequest, ContentPart, FunctionTool, ResponseFormat } from '../../api/types.js';
import { InvalidRequestError } from '../../errors.js';
import type { OllamaChatRequest, OllamaMessage, OllamaOptions, OllamaThink, OllamaTool, OllamaToolCall } from './ollama-api.js';
import type { OllamaSettings } from './settings.js';

export function convertOllamaRequest(req: ChatRequest, model: string, settings: OllamaSettings): OllamaChatRequest {
  if (req.n !== undefined && req.n > 1) {
    throw new InvalidRequestError('Ollama returns one choice per request; n greater than 1 is not supported for this model.', 'n');
  }
  const body: OllamaChatRequest = {
    model,
    messages: convertMessages(req.messages),
    // Ollama streams unless told otherwise, so the flag is always explicit.
    stream: req.stream === true,
  };
  const tools = selectTools(req.tools, req.tool_choice);
  if (tools) body.tools = tools;
  const format = convertFormat(req.response_format);
  if (format !== undefined) body.format = format;
  const options = convertOptions(req, settings);
  if (Object.keys(options).length) body.options = options;
  const think = convertThink(req.reasoning_effort, settings);
  if (think !== undefined) body.think = think;
  if (settings.keepAlive !== undefined) body.keep_alive = settings.keepAlive;
  return body;
}

function convertMessages(messages: ChatMessage[]): OllamaMessage[] {
  // Ollama correlates tool results by tool name, OpenAI by call id: remember id → name.
  const toolNames = new Map<string, string>();
  return messages.map((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOnly(m, i) };
      case 'user': {
        const { text, images } = splitContent(m.content, i);
        return images.length ? { role: 'user', content: text, images } : { role: 'user', content: text };
      }
      case 'assistant': {
        // `reasoning_content` is output, never prompt: it is not sent back.
        const out: OllamaMessage = { role: 'assistant', content: textOnly(m, i) };
        if (m.tool_calls?.length) {
          out.tool_calls = m.tool_calls.map((tc, j) => {
            toolNames.set(tc.id, tc.function.name);
            return toOllamaToolCall(tc.function.name, tc.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`);
          });
        }
        return out;
      }
      case 'tool': {
        const out: OllamaMessage = { role: 'tool', content: textOnly(m, i) };
        const name = (m.tool_call_id && toolNames.get(m.tool_call_id)) || m.name;
        if (name) out.tool_name = name;
        return out;
      }
      default:
        throw new InvalidRequestError(`messages[${i}].role '${String(m.role)}' is not supported by Ollama.`, `messages[${i}].role`);
    }
  });
}

function toOllamaToolCall(name: string, args: string, param: string): OllamaToolCall {
  let parsed: unknown;
  try {
    parsed = args.trim() === '' ? {} : JSON.parse(args);
  } catch {
    throw new InvalidRequestError(`${param} is not valid JSON; Ollama needs tool arguments as a JSON object.`, param);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidRequestError(`${param} must be a JSON object for Ollama.`, param);
  }
  return { function: { name, arguments: parsed as Record<string, unknown> } };
}

/** Text of a message whose role cannot carry images in Ollama. */
function textOnly(m: ChatMessage, i: number): string {
  const { text, images } = splitContent(m.content, i);
  if (images.length) throw new InvalidRequestError(`messages[${i}]: only user messages may contain images.`, `messages[${i}].content`);
  return text;
}

/**
 * Text parts are joined with a newline (Ollama's content is one string); images become the
 * message's base64 `images` array. Only `data:` URLs can be sent: Meridian does not fetch remote
 * URLs on a client's behalf.
 */
function splitContent(content: string | ContentPart[] | null, i: number): { text: string; images: string[] } {
  if (content === null || content === undefined) return { text: '', images: [] };
  if (typeof content === 'string') return { text: content, images: [] };
  const texts: string[] = [];
  const images: string[] = [];
  content.forEach((part, j) => {
    if (part.type === 'text') texts.push(part.text);
    else if (part.type === 'image_url') images.push(dataUrlBase64(part.image_url.url, `messages[${i}].content[${j}].image_url.url`));
    else
      throw new InvalidRequestError(
        `messages[${i}].content[${j}] has a part type Ollama does not support.`,
        `messages[${i}].content[${j}].type`,
      );
  });
  return { text: texts.join('\n'), images };
}

function dataUrlBase64(url: string, param: string): string {
  const m = /^data:[^;,]*(?:;[^;,]*)*;base64,(.*)$/s.exec(url);
  if (!m) {
    throw new InvalidRequestError(
      `${param}: Ollama accepts images only as base64 data URLs (data:image/png;base64,...); remote image URLs are not fetched. Download the image and send it inline.`,
      param,
    );
  }
  return m[1]!;
}

/**
 * Ollama has no `tool_choice`. `none` sends no tools (same meaning); a named function sends only
 * that tool, the closest Ollama can get to forcing it; `auto`/`required` send all tools.
 */
function selectTools(tools: FunctionTool[] | undefined, choice: ChatRequest['tool_choice']): OllamaTool[] | undefined {
  if (!tools?.length || choice === 'none') return undefined;
  const chosen = typeof choice === 'object' ? tools.filter((t) => t.function.name === choice.function.name) : tools;
  if (!chosen.length) {
    throw new InvalidRequestError(
      `tool_choice names '${(choice as { function: { name: string } }).function.name}', which is not in tools.`,
      'tool_choice',
    );
  }
  return chosen.map((t) => {
    const fn: OllamaTool['function'] = { name: t.function.name };
    if (t.function.description !== undefined) fn.description = t.function.description;
    if (t.function.parameters !== undefined) fn.parameters = t.function.parameters;
    return { type: 'function', function: fn };
  });
}

/** `json_object` → `"json"`; `json_schema` → the schema itself (structured outputs). */
function convertFormat(rf: ResponseFormat | undefined): OllamaChatRequest['format'] {
  if (!rf || rf.type === 'text') return undefined;
  if (rf.type === 'json_object') return 'json';
  return rf.json_schema.schema ?? 'json';
}

function convertOptions(req: ChatRequest, settings: OllamaSettings): OllamaOptions {
  const o: OllamaOptions = {};
  if (req.temperature !== undefined) o.temperature = req.temperature;
  if (req.top_p !== undefined) o.top_p = req.top_p;
  const limit = req.max_completion_tokens ?? req.max_tokens;
  if (limit !== undefined) o.num_predict = limit;
  if (req.stop !== undefined) o.stop = Array.isArray(req.stop) ? req.stop : [req.stop];
  if (req.seed !== undefined) o.seed = req.seed;
  if (req.presence_penalty !== undefined) o.presence_penalty = req.presence_penalty;
  if (req.frequency_penalty !== undefined) o.frequency_penalty = req.frequency_penalty;
  if (settings.numCtx !== undefined) o.num_ctx = settings.numCtx;
  return o;
}

/**
 * `reasoning_effort` set → thinking on. As a level, `minimal` becomes `low` (Ollama knows
 * low/medium/high). Unset → no `think` field, so each model keeps its own default.
 */
function convertThink(effort: ChatRequest['reasoning_effort'], settings: OllamaSettings): OllamaThink | undefined {
  if (effort === undefined) return undefined;
  if (settings.thinkAs === 'boolean') return true;
  return effort === 'minimal' ? 'low' : effort;
}
