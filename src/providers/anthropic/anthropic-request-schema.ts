/**
 * The zod schema of an Anthropic Messages request as a *client* sends it to `/v1/messages`: checked
 * before translation, so a malformed body is a 400 naming the field path
 * (`messages[0].content[1].type`), never a crash or a value forwarded upstream unchecked.
 * Unknown top-level fields (`service_tier`, `container`…) and block extras (`cache_control`,
 * `citations`) are accepted and ignored. Reference: https://docs.anthropic.com/en/api/messages
 */
import { z } from 'zod';
import { LIMITS, jsonObject, label, modelName } from '../../api/bounds.js';
import { assertRequestObject, zodIssueToError } from '../../api/schemas.js';

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });

const imageSource = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('base64'),
    media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']),
    data: z.string().min(1),
  }),
  z.looseObject({ type: z.literal('url'), url: z.string().min(1) }),
]);
const imageBlock = z.looseObject({ type: z.literal('image'), source: imageSource });

const documentSource = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('base64'), media_type: z.literal('application/pdf'), data: z.string().min(1) }),
  z.looseObject({ type: z.literal('text'), media_type: z.literal('text/plain'), data: z.string() }),
  z.looseObject({ type: z.literal('url'), url: z.string().min(1) }),
  z.looseObject({
    type: z.literal('content'),
    content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock]))]),
  }),
]);
const documentBlock = z.looseObject({
  type: z.literal('document'),
  source: documentSource,
  title: z.string().nullable().optional(),
  context: z.string().nullable().optional(),
});

const toolUseId = label(LIMITS.idChars, 'tool_use ids').check((ctx) => {
  if (ctx.value.length === 0) ctx.issues.push({ code: 'custom', input: ctx.value, message: 'tool_use ids must not be empty' });
});

// Names the model produced, echoed back in history: bounded like ids (declared tools follow TOOL_NAME).
const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: toolUseId,
  name: label(LIMITS.idChars, 'tool_use names').check((ctx) => {
    if (ctx.value.length === 0) ctx.issues.push({ code: 'custom', input: ctx.value, message: 'tool_use names must not be empty' });
  }),
  input: jsonObject,
});

const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: toolUseId,
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock, documentBlock]))]).optional(),
  is_error: z.boolean().optional(),
});

const thinkingBlock = z.looseObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string().optional() });
const redactedThinkingBlock = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() });

const contentBlock = z.discriminatedUnion('type', [
  textBlock,
  imageBlock,
  documentBlock,
  toolUseBlock,
  toolResultBlock,
  thinkingBlock,
  redactedThinkingBlock,
]);

const message = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(contentBlock)], { error: 'content must be a string or an array of content blocks' }),
});

// Anthropic's pattern for custom tool names.
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const tool = z.looseObject({
  type: z.literal('custom', { error: 'only custom tools (name, description, input_schema) are supported' }).optional(),
  name: z.string().regex(TOOL_NAME, 'tool names use letters, digits, "_" or "-" (at most 64)'),
  description: z.string().optional(),
  input_schema: jsonObject,
});

const parallel = { disable_parallel_tool_use: z.boolean().optional() };
const toolChoice = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), ...parallel }),
  z.object({ type: z.literal('any'), ...parallel }),
  z.object({
    type: z.literal('tool'),
    name: z.string().regex(TOOL_NAME, 'tool names use letters, digits, "_" or "-" (at most 64)'),
    ...parallel,
  }),
  z.object({ type: z.literal('none') }),
]);

const thinking = z.discriminatedUnion('type', [
  z.object({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1024, 'budget_tokens must be at least 1024') }),
  z.object({ type: z.literal('disabled') }),
]);

const anthropicRequest = z.looseObject({
  model: modelName,
  messages: z.array(message).min(1, 'messages must contain at least one message'),
  max_tokens: z.number({ error: 'max_tokens is required and must be a number' }).int().positive(),
  system: z.union([z.string(), z.array(textBlock)], { error: 'system must be a string or an array of text blocks' }).optional(),
  metadata: z.object({ user_id: label(LIMITS.userChars, 'metadata.user_id').nullable().optional() }).optional(),
  // Stop sequences often hold newlines ("\n\nHuman:"), so only their length and count are bounded.
  stop_sequences: z.array(z.string().max(LIMITS.stopSequenceChars)).max(LIMITS.stopSequences).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().positive().optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  thinking: thinking.optional(),
});

export type InboundAnthropicRequest = z.infer<typeof anthropicRequest>;
export type InboundAnthropicBlock = z.infer<typeof contentBlock>;
export type InboundImageBlock = z.infer<typeof imageBlock>;
export type InboundDocumentBlock = z.infer<typeof documentBlock>;
export type InboundToolResultBlock = z.infer<typeof toolResultBlock>;

/** Validates a JSON-parsed `/v1/messages` body; throws InvalidRequestError (400) naming the field. */
export function parseAnthropicRequest(body: unknown): InboundAnthropicRequest {
  assertRequestObject(body);
  const r = anthropicRequest.safeParse(body);
  if (!r.success) throw zodIssueToError(r.error);
  return r.data;
}
