/**
 * Canonical (OpenAI Chat Completions) request → Gemini `GenerateContentRequest`.
 * References:
 * https://ai.google.dev/api/generate-content#request-body ,
 * https://ai.google.dev/gemini-api/docs/text-generation#system-instructions ,
 * https://ai.google.dev/gemini-api/docs/function-calling ,
 * https://ai.google.dev/gemini-api/docs/image-understanding ,
 * https://ai.google.dev/gemini-api/docs/structured-output ,
 * https://ai.google.dev/gemini-api/docs/openai#thinking (reasoning_effort → thinking budget)
 */
import type { ChatMessage, ChatRequest, ContentPart, ResponseFormat, ToolChoice } from '../../api/types.js';
import { InvalidRequestError } from '../../errors.js';
import type {
  GeminiContent,
  GeminiFunctionResponse,
  GeminiGenerateContentRequest,
  GeminiGenerationConfig,
  GeminiPart,
  GeminiToolConfig,
} from './gemini-api.js';
import { toGeminiJsonSchema, toGeminiSchema } from './convert-gemini-schema.js';
import { SKIP_THOUGHT_SIGNATURE, signatureFromToolCallId } from './gemini-thought-signature.js';

export interface GeminiRequestSettings {
  /**
   * Where a `json_schema` response format goes. Default `responseJsonSchema`: it takes JSON
   * Schema as-is (including `additionalProperties`, `$ref`/`$defs`, `anyOf`), so OpenAI "strict"
   * schemas need no lossy rewrite. `responseSchema` (OpenAPI 3.0 subset, rewritten by
   * `toGeminiSchema`) is for models older than Gemini 2.5 that do not know `responseJsonSchema`.
   * Config: `providers[].options.structuredOutputField`.
   */
  structuredOutputField: 'responseJsonSchema' | 'responseSchema';
}

export const defaultGeminiRequestSettings: GeminiRequestSettings = { structuredOutputField: 'responseJsonSchema' };

/**
 * Thinking budgets Google's own OpenAI-compatibility layer uses for `reasoning_effort`
 * (https://ai.google.dev/gemini-api/docs/openai#thinking): low 1024, medium 8192, high 24576.
 * `minimal` is 512, not 0: 0 turns thinking off and Gemini 2.5 Pro rejects it (Pro cannot stop
 * thinking), while 512 is inside every 2.5 model's documented budget range.
 */
const THINKING_BUDGET: Record<NonNullable<ChatRequest['reasoning_effort']>, number> = {
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
};

export function convertGeminiRequest(
  req: ChatRequest,
  settings: GeminiRequestSettings = defaultGeminiRequestSettings,
): GeminiGenerateContentRequest {
  const { systemInstruction, contents } = convertMessages(req.messages);
  const body: GeminiGenerateContentRequest = { contents };
  if (systemInstruction) body.systemInstruction = systemInstruction;
  if (req.tools?.length) {
    body.tools = [
      {
        functionDeclarations: req.tools.map((t) => ({
          name: t.function.name,
          ...(t.function.description !== undefined ? { description: t.function.description } : {}),
          // A function without arguments must omit `parameters`: Gemini rejects an OBJECT schema
          // with empty `properties`.
          ...(hasProperties(t.function.parameters) ? { parameters: toGeminiSchema(t.function.parameters) } : {}),
        })),
      },
    ];
  }
  const toolConfig = convertToolChoice(req.tool_choice);
  if (toolConfig && (req.tools?.length || req.tool_choice === 'none')) body.toolConfig = toolConfig;
  const generationConfig = convertGenerationConfig(req, settings);
  if (Object.keys(generationConfig).length) body.generationConfig = generationConfig;
  return body;
}

function convertGenerationConfig(req: ChatRequest, settings: GeminiRequestSettings): GeminiGenerationConfig {
  const g: GeminiGenerationConfig = {};
  if (req.temperature !== undefined) g.temperature = req.temperature;
  if (req.top_p !== undefined) g.topP = req.top_p;
  const limit = req.max_completion_tokens ?? req.max_tokens;
  if (limit !== undefined) g.maxOutputTokens = limit;
  if (req.stop !== undefined) g.stopSequences = Array.isArray(req.stop) ? req.stop : [req.stop];
  if (req.seed !== undefined) g.seed = req.seed;
  if (req.n !== undefined && req.n !== 1) g.candidateCount = req.n;
  if (req.presence_penalty !== undefined) g.presencePenalty = req.presence_penalty;
  if (req.frequency_penalty !== undefined) g.frequencyPenalty = req.frequency_penalty;
  applyResponseFormat(g, req.response_format, settings);
  if (req.reasoning_effort) {
    // includeThoughts returns thought summaries, which we surface as `reasoning_content`.
    g.thinkingConfig = { thinkingBudget: THINKING_BUDGET[req.reasoning_effort], includeThoughts: true };
  }
  return g;
}

function applyResponseFormat(g: GeminiGenerationConfig, format: ResponseFormat | undefined, settings: GeminiRequestSettings): void {
  if (!format || format.type === 'text') return;
  g.responseMimeType = 'application/json';
  if (format.type === 'json_schema' && format.json_schema.schema) {
    if (settings.structuredOutputField === 'responseSchema') g.responseSchema = toGeminiSchema(format.json_schema.schema);
    else g.responseJsonSchema = toGeminiJsonSchema(format.json_schema.schema);
  }
}

/** https://ai.google.dev/gemini-api/docs/function-calling#function_calling_modes */
function convertToolChoice(choice: ToolChoice | undefined): GeminiToolConfig | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
}

/**
 * system/developer messages (wherever they are) → one `systemInstruction`, one text part each.
 * user → role `user`; assistant → role `model`; consecutive tool messages → one `user` turn of
 * `functionResponse` parts (Gemini expects all responses to a parallel call in one turn).
 */
function convertMessages(messages: ChatMessage[]): { systemInstruction?: GeminiContent; contents: GeminiContent[] } {
  const systemParts: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  messages.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        systemParts.push(...textOnlyParts(m, i));
        return;
      case 'user':
        contents.push({ role: 'user', parts: userParts(m, i) });
        return;
      case 'assistant': {
        const parts: GeminiPart[] = textOnlyParts(m, i);
        (m.tool_calls ?? []).forEach((call, k) => {
          toolNames.set(call.id, call.function.name);
          const part: GeminiPart = { functionCall: { name: call.function.name, args: parseArguments(call.function.arguments, i) } };
          // Replay the signature Gemini gave; the first call of a turn needs one (Gemini 3).
          const signature = signatureFromToolCallId(call.id) ?? (k === 0 ? SKIP_THOUGHT_SIGNATURE : undefined);
          if (signature) part.thoughtSignature = signature;
          parts.push(part);
        });
        // Gemini rejects a content with no parts; an empty assistant turn carries nothing anyway.
        if (parts.length) contents.push({ role: 'model', parts });
        return;
      }
      case 'tool': {
        const part: GeminiPart = { functionResponse: toFunctionResponse(m, i, toolNames) };
        const last = contents[contents.length - 1];
        if (last?.role === 'user' && last.parts.every((p) => p.functionResponse)) last.parts.push(part);
        else contents.push({ role: 'user', parts: [part] });
        return;
      }
      default:
        throw new InvalidRequestError(`messages[${i}].role '${String(m.role)}' is not supported by Gemini.`, `messages[${i}].role`);
    }
  });
  return { ...(systemParts.length ? { systemInstruction: { parts: systemParts } } : {}), contents };
}

function toFunctionResponse(m: ChatMessage, i: number, toolNames: Map<string, string>): GeminiFunctionResponse {
  // Gemini matches a response to its call by function name, which OpenAI tool messages do not
  // carry: look it up from the assistant tool call with the same id.
  const name = (m.tool_call_id ? toolNames.get(m.tool_call_id) : undefined) ?? m.name;
  if (!name) {
    throw new InvalidRequestError(
      `messages[${i}] answers tool_call_id '${m.tool_call_id ?? ''}', but no earlier assistant message has a tool call with that id.`,
      `messages[${i}].tool_call_id`,
    );
  }
  const text = contentText(m.content);
  return { name, response: wrapToolOutput(text) };
}

/** `response` must be a JSON object: a JSON object output is passed as-is, anything else is wrapped. */
function wrapToolOutput(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    return { content: parsed };
  } catch {
    return { content: text };
  }
}

function parseArguments(args: string, i: number): Record<string, unknown> {
  if (!args.trim()) return {};
  try {
    const parsed: unknown = JSON.parse(args);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new InvalidRequestError(`messages[${i}].tool_calls[].function.arguments must be a JSON object.`, `messages[${i}].tool_calls`);
}

function textOnlyParts(m: ChatMessage, i: number): GeminiPart[] {
  if (m.content === null || m.content === '') return [];
  if (typeof m.content === 'string') return [{ text: m.content }];
  return m.content.map((p, j) => {
    if (p.type === 'text') return { text: p.text };
    throw new InvalidRequestError(
      `messages[${i}].content[${j}]: ${m.role} messages can only hold text for Gemini.`,
      `messages[${i}].content`,
    );
  });
}

function userParts(m: ChatMessage, i: number): GeminiPart[] {
  if (m.content === null) return [{ text: '' }];
  if (typeof m.content === 'string') return [{ text: m.content }];
  return m.content.map((p, j) => userPart(p, i, j));
}

function userPart(p: ContentPart, i: number, j: number): GeminiPart {
  if (p.type === 'text') return { text: p.text };
  const url = p.image_url.url;
  const dataUrl = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (dataUrl) return { inlineData: { mimeType: dataUrl[1]!, data: dataUrl[2]! } };
  if (/^https:\/\//i.test(url)) {
    const mimeType = guessImageMimeType(url);
    return { fileData: { fileUri: url, ...(mimeType ? { mimeType } : {}) } };
  }
  throw new InvalidRequestError(
    `messages[${i}].content[${j}].image_url.url must be a base64 data URL or an https URL for Gemini.`,
    `messages[${i}].content`,
  );
}

/**
 * `fileData` should name the MIME type, which an OpenAI image URL does not carry: we guess it
 * from the path's extension (the types Gemini documents for images, plus PDF). With no known
 * extension the field is omitted and Google infers it (it does for Files API URIs).
 */
const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

export function guessImageMimeType(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return ext ? MIME_BY_EXTENSION[ext] : undefined;
}

function contentText(content: ChatMessage['content']): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'text' ? p.text : '')).join('');
}

function hasProperties(schema: Record<string, unknown> | undefined): boolean {
  if (!schema) return false;
  const props = schema.properties;
  return typeof props === 'object' && props !== null && Object.keys(props).length > 0;
}
