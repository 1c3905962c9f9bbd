/**
 * A chat request that names a prompt — `"model": "prompt:support-reply@production"` or a body
 * field `"prompt": {"name", "label"|"version", "variables"}` — becomes an ordinary chat request:
 * the rendered messages (the request's own messages as history), the prompt's model and parameters
 * as defaults the request overrides. Runs on the JSON body before the wire's validation, so the
 * result is validated like any request.
 */
import { InvalidRequestError } from '../errors.js';
import { LABEL_NAME, PROMPT_NAME } from './definition.js';
import type { PromptRef, PromptRegistry, ResolvedPrompt } from './registry.js';
import { parseVariables, renderMessages, type Message } from './render.js';

export const PROMPT_MODEL_PREFIX = 'prompt:';
const MODEL_REF = /^prompt:([^@]+)(?:@([^@]+))?$/;
const PROMPT_KEYS = new Set(['name', 'label', 'version', 'variables']);
/** A client's key quoted in an error only when it is an identifier (never an address, a number, free text). */
const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The model parameters a prompt version may carry (definition.ts). */
export type PromptParams = NonNullable<ResolvedPrompt['body']['params']>;

/**
 * How a wire's body takes a rendered prompt: the messages (the request's own placed among them)
 * and the prompt's parameters as defaults the body overrides. OpenAI Chat Completions below;
 * Anthropic Messages in gateway/anthropic-wire.ts.
 */
export type PromptShape = (messages: Message[], params: PromptParams, body: Record<string, unknown>) => Record<string, unknown>;

export const openaiPromptShape: PromptShape = (messages, params, body) => ({ ...params, ...body, messages });

export interface AppliedPrompt {
  body: Record<string, unknown>;
  /** `name@version`: the `x-meridian-prompt` header and the request log's promptVersion. */
  version: string;
}

/** Parses `name` + `label` or `version`; `@7` in the model form is a version, any other word a label. */
function refFrom(name: unknown, label: unknown, version: unknown, param: string): PromptRef {
  if (typeof name !== 'string' || !PROMPT_NAME.test(name))
    throw new InvalidRequestError(`${param}: a prompt name is 1-100 characters of a-z, 0-9, ".", "_" or "-".`, param);
  if (label !== undefined && version !== undefined) throw new InvalidRequestError(`${param}: give a label or a version, not both.`, param);
  if (version !== undefined) {
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > 2_147_483_647)
      throw new InvalidRequestError(`${param}: version must be a positive integer.`, param);
    return { name, version };
  }
  if (label !== undefined && (typeof label !== 'string' || !LABEL_NAME.test(label)))
    throw new InvalidRequestError(`${param}: a label is 1-50 characters of a-z, 0-9, ".", "_" or "-".`, param);
  return label === undefined ? { name } : { name, label };
}

function modelRef(model: string): PromptRef {
  const m = MODEL_REF.exec(model);
  if (!m) throw new InvalidRequestError('model: write a prompt as "prompt:<name>@<label or version>".', 'model');
  const sel = m[2];
  return sel !== undefined && /^\d{1,9}$/.test(sel)
    ? refFrom(m[1], undefined, Number(sel), 'model')
    : refFrom(m[1], sel, undefined, 'model');
}

/** The prompt a body names, or undefined for an ordinary request. */
export function promptRequestOf(
  body: unknown,
): { ref: PromptRef; variables: Record<string, unknown>; modelFromPrompt: boolean } | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  const byModel = typeof b.model === 'string' && b.model.startsWith(PROMPT_MODEL_PREFIX);
  if (!byModel && b.prompt === undefined) return undefined;
  const field = b.prompt;
  if (field !== undefined && (!field || typeof field !== 'object' || Array.isArray(field)))
    throw new InvalidRequestError('prompt must be an object {"name", "label" or "version", "variables"}.', 'prompt');
  const p = (field ?? {}) as Record<string, unknown>;
  // The key is the client's text (it may hold personal data): named only when it is a plain word.
  const unknownKey = Object.keys(p).find((k) => !PROMPT_KEYS.has(k));
  if (unknownKey !== undefined)
    throw new InvalidRequestError(
      `${SAFE_KEY.test(unknownKey) ? `prompt.${unknownKey}` : 'A field of prompt'} is not a prompt field (name, label, version, variables).`,
      'prompt',
    );
  const variables = parseVariables(p.variables);
  if (byModel) {
    if (p.name !== undefined || p.label !== undefined || p.version !== undefined)
      throw new InvalidRequestError('Name the prompt once: in "model" or in "prompt", not both.', 'prompt');
    return { ref: modelRef(b.model as string), variables, modelFromPrompt: true };
  }
  return { ref: refFrom(p.name, p.label, p.version, 'prompt'), variables, modelFromPrompt: b.model === undefined };
}

/** Resolves and renders the prompt a body names; undefined when it names none. */
export async function applyPrompt(
  registry: PromptRegistry,
  body: unknown,
  shape: PromptShape = openaiPromptShape,
): Promise<AppliedPrompt | undefined> {
  const named = promptRequestOf(body);
  if (!named) return undefined;
  const b = body as Record<string, unknown>;
  if (b.messages !== undefined && !Array.isArray(b.messages))
    throw new InvalidRequestError('messages must be an array (the conversation the prompt places).', 'messages');
  const resolved = await registry.resolve(named.ref);
  const messages = renderMessages(resolved.body, named.variables, (b.messages as Message[] | undefined) ?? []);
  const out = shape(messages, resolved.body.params ?? {}, b);
  delete out.prompt;
  if (resolved.body.rag && out.rag === undefined) out.rag = resolved.body.rag;
  if (named.modelFromPrompt) {
    if (!resolved.body.model)
      throw new InvalidRequestError(`The prompt "${resolved.name}" names no model: set "model" in the prompt or in the request.`, 'model');
    out.model = resolved.body.model;
  }
  return { body: out, version: `${resolved.name}@${resolved.version}` };
}
