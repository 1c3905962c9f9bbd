/**
 * zod schemas of Ollama's native API as a *client* sends it to Meridian (`/api/chat`,
 * `/api/generate`, `/api/embed`, `/api/embeddings`, `/api/show`): checked before translation, so a
 * malformed body is a 400 naming the field path (`messages[2].tool_calls[0].function.name`), never
 * a crash or a value forwarded upstream unchecked. Unknown fields (`logprobs`, Modelfile options
 * Meridian has no use for) are accepted and ignored, as Ollama itself ignores unknown options.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md
 */
import { z } from 'zod';
import { LIMITS, jsonObject, label, modelName } from '../bounds.js';
import { assertRequestObject, zodIssueToError } from '../schemas.js';

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const TOOL_NAME_RULE = 'tool names use letters, digits, "_", "." or "-" (at most 64)';

// Names the model produced (echoed back in history) are bounded like ids; declared names follow TOOL_NAME.
const calledToolName = label(LIMITS.idChars, 'tool names').check((ctx) => {
  if (ctx.value.length === 0) ctx.issues.push({ code: 'custom', input: ctx.value, message: 'tool names must not be empty' });
});

/** Base64 image data, without a `data:` prefix (Ollama's `images`). */
const images = z.array(z.string().min(1, 'images must not be empty strings')).nullable().optional();

const toolCall = z.looseObject({
  id: label(LIMITS.idChars, 'tool call ids').optional(),
  function: z.looseObject({
    name: calledToolName,
    // An object in Ollama's shape; JSON text (OpenAI's habit) is accepted too.
    arguments: z.union([jsonObject, z.string()], { error: 'arguments must be a JSON object' }).optional(),
  }),
});

const message = z.looseObject({
  role: z.enum(['system', 'user', 'assistant', 'tool'], { error: 'role must be system, user, assistant or tool' }),
  content: z.string().nullable().optional(),
  thinking: z.string().optional(),
  images,
  tool_calls: z.array(toolCall).nullable().optional(),
  tool_name: label(LIMITS.idChars, 'tool_name').optional(),
  /** Not documented; newer clients echo the id of the call a tool message answers. */
  tool_call_id: label(LIMITS.idChars, 'tool_call_id').optional(),
});

const tool = z.looseObject({
  type: z.literal('function', { error: 'only function tools ({type:"function", function:{name, parameters}}) are supported' }).optional(),
  function: z.looseObject({
    name: z.string().regex(TOOL_NAME, TOOL_NAME_RULE),
    description: z.string().optional(),
    parameters: jsonObject.optional(),
  }),
});

/** `"json"` (JSON mode) or a JSON schema (structured outputs); `""` means plain text. */
const format = z
  .union([z.enum(['json', '']), jsonObject], { error: 'format must be "json" or a JSON schema object' })
  .nullable()
  .optional();

/** The Modelfile parameters Meridian maps; the others (num_ctx, mirostat…) configure the engine and are ignored. */
const options = z
  .looseObject({
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().min(0).optional(),
    // -1 is "until the model stops", -2 "fill the context": neither is a limit.
    num_predict: z.number().int().min(-2).optional(),
    stop: z.union([z.string(), z.array(z.string().max(LIMITS.stopSequenceChars)).max(LIMITS.stopSequences)]).optional(),
    seed: z.number().int().optional(),
    presence_penalty: z.number().min(-2).max(2).optional(),
    frequency_penalty: z.number().min(-2).max(2).optional(),
  })
  .nullable()
  .optional();

const think = z
  .union([z.boolean(), z.enum(['low', 'medium', 'high'])], { error: 'think must be true, false, "low", "medium" or "high"' })
  .optional();
/** Accepted and ignored: Meridian does not load or unload models (durations like "5m", seconds, or 0). */
const keepAlive = z
  .union([z.string().max(64), z.number()])
  .nullable()
  .optional();

const chatRequest = z.looseObject({
  model: modelName,
  // Empty or absent: Ollama's "load the model" request (answered without running anything).
  messages: z.array(message).nullable().optional(),
  tools: z.array(tool).nullable().optional(),
  format,
  options,
  stream: z.boolean().nullable().optional(),
  think,
  keep_alive: keepAlive,
});

const generateRequest = z.looseObject({
  model: modelName,
  prompt: z.string().nullable().optional(),
  suffix: z.string().nullable().optional(),
  system: z.string().nullable().optional(),
  template: z.string().nullable().optional(),
  raw: z.boolean().nullable().optional(),
  context: z.array(z.number().int()).nullable().optional(),
  images,
  format,
  options,
  stream: z.boolean().nullable().optional(),
  think,
  keep_alive: keepAlive,
});

const embedRequest = z.looseObject({
  model: modelName,
  input: z.union([z.string(), z.array(z.string()).min(1, 'input must hold at least one string')], {
    error: 'input must be a string or an array of strings',
  }),
  truncate: z.boolean().optional(),
  dimensions: z.number().int().positive().optional(),
  options,
  keep_alive: keepAlive,
});

/** The legacy `/api/embeddings` (superseded by `/api/embed`): one `prompt`, one vector. */
const legacyEmbeddingsRequest = z.looseObject({
  model: modelName,
  prompt: z.string({ error: 'prompt must be a string' }),
  options,
  keep_alive: keepAlive,
});

const showRequest = z.looseObject({ model: modelName, verbose: z.boolean().optional() });

export type OllamaInboundChat = z.infer<typeof chatRequest>;
export type OllamaInboundMessage = z.infer<typeof message>;
export type OllamaInboundToolCall = z.infer<typeof toolCall>;
export type OllamaInboundGenerate = z.infer<typeof generateRequest>;
export type OllamaInboundOptions = NonNullable<z.infer<typeof options>>;
export type OllamaInboundFormat = z.infer<typeof format>;
export type OllamaInboundThink = z.infer<typeof think>;
export type OllamaInboundEmbed = z.infer<typeof embedRequest>;
export type OllamaInboundLegacyEmbeddings = z.infer<typeof legacyEmbeddingsRequest>;

function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  assertRequestObject(body);
  const r = schema.safeParse(body);
  if (!r.success) throw zodIssueToError(r.error);
  return r.data;
}

/** Validates a JSON-parsed `/api/chat` body; throws InvalidRequestError (400) naming the field. */
export const parseOllamaChat = (body: unknown): OllamaInboundChat => parseWith(chatRequest, body);
export const parseOllamaGenerate = (body: unknown): OllamaInboundGenerate => parseWith(generateRequest, body);
export const parseOllamaEmbed = (body: unknown): OllamaInboundEmbed => parseWith(embedRequest, body);
export const parseOllamaLegacyEmbeddings = (body: unknown): OllamaInboundLegacyEmbeddings => parseWith(legacyEmbeddingsRequest, body);

/** `/api/show`; older clients send the model as `name`. */
export function parseOllamaShow(body: unknown): { model: string } {
  assertRequestObject(body);
  const b = body.model === undefined && body.name !== undefined ? { ...body, model: body.name } : body;
  return parseWith(showRequest, b);
}
