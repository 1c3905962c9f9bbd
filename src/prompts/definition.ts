/**
 * What a prompt version contains: a text template or chat messages with `{{variables}}`, an
 * optional placeholder for message history, the model parameters it runs with (defaults a request
 * may override) and metadata for people (tone, compliance notes, owner). Every field is bounded:
 * a version is stored, echoed by the admin API and sent upstream.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InvalidRequestError } from '../errors.js';
import { chatRagSchema } from '../rag/index.js';

export const PROMPT_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const LABEL_NAME = /^[a-z0-9][a-z0-9._-]{0,49}$/;
/** Moves by itself to the newest version: never set by hand. */
export const LATEST = 'latest';
const MAX_TEMPLATE = 100_000;
const MAX_MESSAGES = 100;

const variableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a variable name is letters, digits and _');

const chatMessage = z
  .object({
    role: z.enum(['system', 'user', 'assistant', 'developer']),
    content: z.string().max(MAX_TEMPLATE),
  })
  .strict();
/** Where the conversation goes: the request's own messages, or the variable of that name (an array of messages). */
const placeholder = z.object({ placeholder: variableName }).strict();

export const promptBodySchema = z
  .object({
    type: z.enum(['text', 'chat']),
    /** `text` prompts: rendered into one message of `role` (default system) before the request's messages. */
    template: z.string().min(1).max(MAX_TEMPLATE).optional(),
    role: z.enum(['system', 'user', 'developer']).optional(),
    /** `chat` prompts. */
    messages: z
      .array(z.union([chatMessage, placeholder]))
      .min(1)
      .max(MAX_MESSAGES)
      .optional(),
    /** The alias or `provider/model` to run and its parameters: defaults a request can override. */
    model: z.string().min(1).max(200).optional(),
    params: z
      .object({
        temperature: z.number().min(0).max(2).optional(),
        top_p: z.number().min(0).max(1).optional(),
        max_tokens: z.number().int().positive().max(1_000_000).optional(),
        max_completion_tokens: z.number().int().positive().max(1_000_000).optional(),
        presence_penalty: z.number().min(-2).max(2).optional(),
        frequency_penalty: z.number().min(-2).max(2).optional(),
        seed: z.number().int().optional(),
        stop: z.union([z.string().max(200), z.array(z.string().max(200)).max(4)]).optional(),
      })
      .strict()
      .optional(),
    /** A collection every request with this prompt retrieves from (docs/rag.md); the request's own `rag` wins. */
    rag: chatRagSchema.optional(),
    metadata: z
      .object({
        description: z.string().max(2_000).optional(),
        tone: z.string().max(200).optional(),
        compliance: z.string().max(2_000).optional(),
        owner: z.string().max(200).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.type === 'text' && (b.template === undefined || b.messages !== undefined))
      ctx.addIssue({ code: 'custom', message: 'a text prompt has a "template" and no "messages"' });
    if (b.type === 'chat' && (b.messages === undefined || b.template !== undefined))
      ctx.addIssue({ code: 'custom', message: 'a chat prompt has "messages" and no "template"' });
  });

export type PromptBody = z.infer<typeof promptBodySchema>;

/** Validates a prompt body (from the admin API or a prompts/*.yaml file); the message says what to fix. */
export function parsePromptBody(input: unknown, where = 'prompt'): PromptBody {
  const r = promptBodySchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.join('.');
  throw new InvalidRequestError(`${where}${path ? `.${path}` : ''}: ${issue.message}`, path || null, 'invalid_prompt');
}

export function assertPromptName(name: unknown): string {
  if (typeof name !== 'string' || !PROMPT_NAME.test(name))
    throw new InvalidRequestError(
      'A prompt name is 1-100 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit.',
      'name',
    );
  return name;
}

export function assertLabelName(label: unknown): string {
  if (typeof label !== 'string' || !LABEL_NAME.test(label))
    throw new InvalidRequestError('A label is 1-50 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit.', 'label');
  return label;
}

/** Keys sorted at every level, so the same content always hashes the same. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return v;
}

export function contentHash(body: PromptBody): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest('hex');
}
