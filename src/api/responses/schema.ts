/**
 * The zod schema of an OpenAI Responses API request as a *client* sends it to `POST /v1/responses`:
 * checked before translation, so a malformed body is a 400 naming the field path
 * (`input[2].call_id`), never a crash or a value forwarded upstream unchecked. Unknown top-level
 * fields (`include`, `truncation`, `service_tier`…) are accepted and ignored, like the chat schema.
 * Reference: https://platform.openai.com/docs/api-reference/responses/create
 */
import { z } from 'zod';
import { LIMITS, jsonObject, label, metadata, modelName } from '../bounds.js';
import { assertRequestObject, zodIssueToError } from '../schemas.js';

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const TOOL_NAME_RULE = 'tool names use letters, digits, "_", "." or "-" (at most 64)';

const nonEmptyId = (what: string) =>
  label(LIMITS.idChars, what).check((ctx) => {
    if (ctx.value.length === 0) ctx.issues.push({ code: 'custom', input: ctx.value, message: `${what} must not be empty` });
  });

const inputText = z.looseObject({ type: z.literal('input_text'), text: z.string() });
const outputText = z.looseObject({ type: z.literal('output_text'), text: z.string() });
const refusal = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });
const inputImage = z.looseObject({
  type: z.literal('input_image'),
  image_url: z.string().min(1).nullable().optional(),
  file_id: z.string().nullable().optional(),
  detail: z.enum(['auto', 'low', 'high']).optional(),
});
const inputFile = z.looseObject({ type: z.literal('input_file') });
const contentPart = z.discriminatedUnion('type', [inputText, outputText, refusal, inputImage, inputFile]);

// "EasyInputMessage" (no `type`) and the full message item share one shape (inputItem adds the type).
const messageItem = z.looseObject({
  type: z.literal('message'),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(contentPart)], { error: 'content must be a string or an array of content parts' }),
});
const functionCallItem = z.looseObject({
  type: z.literal('function_call'),
  call_id: nonEmptyId('call_id'),
  name: nonEmptyId('function_call names'),
  arguments: z.string(),
});
const functionCallOutputItem = z.looseObject({
  type: z.literal('function_call_output'),
  call_id: nonEmptyId('call_id'),
  output: z.union([z.string(), z.array(z.discriminatedUnion('type', [inputText, inputImage, inputFile]))], {
    error: 'output must be a string or an array of input_text / input_image parts',
  }),
});
// Reasoning items a client echoes back from an earlier answer (stateless multi-turn).
const reasoningItem = z.looseObject({
  type: z.literal('reasoning'),
  summary: z.array(z.looseObject({ type: z.string(), text: z.string() })).optional(),
});
const itemReference = z.looseObject({ type: z.literal('item_reference'), id: z.string() });
// Dispatch on `type` so an error names the field of the item the client meant (`input[0].call_id`).
const inputItem = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) && (v as { type?: unknown }).type === undefined ? { ...v, type: 'message' } : v),
  z.discriminatedUnion('type', [messageItem, functionCallItem, functionCallOutputItem, reasoningItem, itemReference], {
    error: 'input items are messages ({role, content}), function_call, function_call_output or reasoning items',
  }),
);

const functionTool = z.looseObject({
  type: z.literal('function', {
    error: 'only function tools ({type:"function", name, parameters}) are supported; built-in tools run on OpenAI only',
  }),
  name: z.string().regex(TOOL_NAME, TOOL_NAME_RULE),
  description: z.string().nullable().optional(),
  parameters: jsonObject.nullable().optional(),
  strict: z.boolean().nullable().optional(),
});

const toolChoice = z.union(
  [z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), name: z.string().regex(TOOL_NAME, TOOL_NAME_RULE) })],
  { error: `tool_choice must be 'none', 'auto', 'required' or {"type":"function","name":…}` },
);

const textFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: nonEmptyId('text.format.name'),
    schema: jsonObject,
    strict: z.boolean().nullable().optional(),
    description: z.string().optional(),
  }),
]);

const responsesRequest = z.looseObject({
  // Optional only for a request naming a `prompt` whose version names the model (the gateway checks).
  model: modelName.optional(),
  input: z.union([z.string(), z.array(inputItem)], { error: 'input must be a string or an array of input items' }),
  instructions: z.string().nullable().optional(),
  tools: z.array(functionTool).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  text: z.looseObject({ format: textFormat.optional() }).nullable().optional(),
  max_output_tokens: z.number().int().positive().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  metadata: metadata.nullable().optional(),
  user: label(LIMITS.userChars, 'user').optional(),
  stream: z.boolean().nullable().optional(),
  reasoning: z
    .looseObject({ effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).nullable().optional() })
    .nullable()
    .optional(),
  store: z.boolean().nullable().optional(),
  previous_response_id: z.string().nullable().optional(),
  conversation: z.unknown().optional(),
  background: z.boolean().nullable().optional(),
  /** `{id, version, variables}`: a registered prompt (src/gateway/responses-prompt.ts validates it). */
  prompt: z.unknown().optional(),
});

export type InboundResponsesRequest = z.infer<typeof responsesRequest>;
export type InboundInputItem = z.infer<typeof inputItem>;
export type InboundContentPart = z.infer<typeof contentPart>;

/** Validates a JSON-parsed `/v1/responses` body; throws InvalidRequestError (400) naming the field. */
export function parseResponsesRequest(body: unknown): InboundResponsesRequest {
  assertRequestObject(body);
  const r = responsesRequest.safeParse(body);
  if (!r.success) throw zodIssueToError(r.error);
  return r.data;
}
