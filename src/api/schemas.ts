/**
 * zod schemas for inbound requests. They check what Meridian relies on and name the bad field;
 * unknown top-level fields are kept (engine extras such as `top_k`) and each adapter decides
 * deliberately what to send. Strings that are stored, logged or echoed are bounded (bounds.ts).
 */
import { z } from 'zod';
import { InvalidRequestError } from '../errors.js';
import { LIMITS, assertJsonDepth, formatPath, jsonObject, label, metadata, modelName } from './bounds.js';
import type { ChatRequest, EmbeddingsRequest } from './types.js';

const toolCallId = label(LIMITS.idChars, 'tool call ids');
// Names the model produced (echoed back in history) are bounded like ids; declared names follow TOOL_NAME.
const calledToolName = label(LIMITS.idChars, 'tool names');
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const TOOL_NAME_RULE = 'tool names use letters, digits, "_", "." or "-" (at most 64)';

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const contentPart = z.discriminatedUnion('type', [textPart, imagePart]);

const toolCall = z.object({
  id: toolCallId,
  type: z.literal('function'),
  function: z.object({ name: calledToolName, arguments: z.string() }),
});

const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  name: label(LIMITS.userChars, 'name').optional(),
  tool_calls: z.array(toolCall).optional(),
  tool_call_id: toolCallId.optional(),
  reasoning_content: z.string().optional(),
});

const tool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(TOOL_NAME, TOOL_NAME_RULE),
    description: z.string().optional(),
    parameters: jsonObject.optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

const toolChoice = z.union(
  [
    z.enum(['none', 'auto', 'required']),
    z.object({ type: z.literal('function'), function: z.object({ name: z.string().regex(TOOL_NAME, TOOL_NAME_RULE) }) }),
  ],
  { error: `tool_choice must be 'none', 'auto', 'required' or {"type":"function","function":{"name":…}}` },
);

const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: label(LIMITS.idChars, 'json_schema.name'),
      schema: jsonObject.optional(),
      strict: z.boolean().nullable().optional(),
      description: z.string().optional(),
    }),
  }),
]);

const chatRequest = z.looseObject({
  model: modelName,
  messages: z.array(message).min(1, 'messages must contain at least one message'),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormat.optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(4)])
    .nullable()
    .optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  seed: z.number().int().nullable().optional(),
  user: label(LIMITS.userChars, 'user').optional(),
  n: z.number().int().min(1).max(1, 'n > 1 is not supported by the gateway').nullable().optional(),
  metadata: metadata.nullable().optional(),
});

const embeddingsRequest = z.looseObject({
  model: modelName,
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number().int()).min(1), z.array(z.array(z.number().int())).min(1)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: label(LIMITS.userChars, 'user').optional(),
});

/**
 * The first issue as an InvalidRequestError naming the field path (`messages[0].content[1].type`)
 * and the rule. zod's own messages never quote the input; ours (bounds.ts) do not either.
 * A bad model name gets the code `invalid_model`.
 */
export function zodIssueToError(error: z.ZodError): InvalidRequestError {
  const { path, message } = deepestIssue(error.issues[0]!, []);
  const param = formatPath(path);
  const code = path[0] === 'model' ? 'invalid_model' : 'invalid_request';
  return new InvalidRequestError(param ? `Invalid '${param}': ${message}` : message, param || null, code);
}

/**
 * A union that matched no option (`content`: string or blocks) reports "Invalid input" at the
 * union; the option that got furthest (longest path) says what is actually wrong.
 */
function deepestIssue(issue: z.core.$ZodIssue, prefix: PropertyKey[]): { path: PropertyKey[]; message: string } {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || !issue.errors.length) return { path, message: issue.message };
  let best: { path: PropertyKey[]; message: string } | undefined;
  for (const option of issue.errors) {
    const first = option[0];
    if (!first) continue;
    const candidate = deepestIssue(first, path);
    if (!best || candidate.path.length > best.path.length) best = candidate;
  }
  return best && best.path.length > path.length ? best : { path, message: issue.message };
}

/** A JSON object of bounded nesting, checked before any schema walks it. */
export function assertRequestObject(body: unknown): asserts body is Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InvalidRequestError('The request body must be a JSON object.');
  assertJsonDepth(body);
}

function fail(error: z.ZodError): never {
  throw zodIssueToError(error);
}

/** Validates a parsed JSON body as a chat request; null-valued optional fields are removed. */
export function parseChatRequest(body: unknown): ChatRequest {
  assertRequestObject(body);
  const r = chatRequest.safeParse(body);
  if (!r.success) fail(r.error);
  const req = r.data as Record<string, unknown>;
  for (const k in req) if (req[k] === null) delete req[k];
  for (const m of req.messages as Array<Record<string, unknown>>) if (m.content === undefined) m.content = null;
  return req as unknown as ChatRequest;
}

export function parseEmbeddingsRequest(body: unknown): EmbeddingsRequest {
  assertRequestObject(body);
  const r = embeddingsRequest.safeParse(body);
  if (!r.success) fail(r.error);
  return r.data as EmbeddingsRequest;
}
