/**
 * The Responses API `prompt` parameter — `{"id", "version", "variables"}` — on Meridian's prompt
 * registry (src/prompts/): `id` is the prompt's name, `version` a version number ("3") or a label
 * ("production"; absent = the latest version), `variables` fill the `{{name}}` slots (text, or an
 * `input_text` part). The rendered prompt messages go first, then the request's instructions and
 * conversation (at the prompt's placeholder, if it has one); the prompt's model and parameters are
 * defaults the request overrides. Like `instructions`, a prompt is not part of a stored conversation:
 * a continuation names it again.
 * Reference: https://platform.openai.com/docs/api-reference/responses/create#responses-create-prompt ,
 * https://platform.openai.com/docs/guides/prompting#reusable-prompts
 */
import type { ChatMessage, ChatRequest } from '../api/types.js';
import { InvalidRequestError } from '../errors.js';
import { promptRegistryOf, type PromptRef, type ResolvedPrompt } from '../prompts/index.js';
import { LABEL_NAME, PROMPT_NAME } from '../prompts/definition.js';
import { MAX_VARIABLES, renderMessages, type Message } from '../prompts/render.js';
import type { GatewayServices } from './services.js';

const MAX_VARIABLE_TEXT = 100_000;
const PROMPT_KEYS = new Set(['id', 'version', 'variables']);

export interface ResponsesPrompt {
  resolved: ResolvedPrompt;
  variables: Record<string, string>;
  /** `name@version`: the `x-meridian-prompt` header and the request log's promptVersion. */
  version: string;
}

function refOf(p: Record<string, unknown>): PromptRef {
  if (typeof p.id !== 'string' || !PROMPT_NAME.test(p.id))
    throw new InvalidRequestError('prompt.id: a prompt name is 1-100 characters of a-z, 0-9, ".", "_" or "-".', 'prompt.id');
  const v = p.version;
  if (v === undefined || v === null) return { name: p.id };
  if (typeof v === 'string' && /^[1-9]\d{0,8}$/.test(v)) return { name: p.id, version: Number(v) };
  if (typeof v === 'string' && LABEL_NAME.test(v)) return { name: p.id, label: v };
  throw new InvalidRequestError('prompt.version: a version number ("3") or a label ("production").', 'prompt.version');
}

function variablesOf(input: unknown): Record<string, string> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input))
    throw new InvalidRequestError('prompt.variables must be an object of name → text.', 'prompt.variables');
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length > MAX_VARIABLES)
    throw new InvalidRequestError(`prompt.variables has more than ${MAX_VARIABLES} entries.`, 'prompt.variables');
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    const part = v as { type?: unknown; text?: unknown } | null;
    const text =
      typeof v === 'string'
        ? v
        : typeof v === 'number' || typeof v === 'boolean'
          ? String(v)
          : part && typeof part === 'object' && part.type === 'input_text' && typeof part.text === 'string'
            ? part.text
            : undefined;
    const param = `prompt.variables.${/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k) ? k : '…'}`;
    if (text === undefined || text.length > MAX_VARIABLE_TEXT)
      throw new InvalidRequestError(
        `${param} must be text (at most ${MAX_VARIABLE_TEXT} characters) or an input_text part; images and files are not supported in prompt variables.`,
        param,
      );
    out[k] = text;
  }
  return out;
}

/** Resolves the prompt a Responses request names (`prompt` present); a 400 without a store, a 404 for an unknown prompt. */
export async function resolveResponsesPrompt(g: GatewayServices, prompt: unknown): Promise<ResponsesPrompt> {
  if (!prompt || typeof prompt !== 'object' || Array.isArray(prompt))
    throw new InvalidRequestError('prompt must be an object {"id", "version", "variables"}.', 'prompt');
  const p = prompt as Record<string, unknown>;
  const unknownKey = Object.keys(p).find((k) => !PROMPT_KEYS.has(k));
  if (unknownKey !== undefined) throw new InvalidRequestError('prompt: the fields are id, version and variables.', 'prompt');
  const ref = refOf(p);
  const variables = variablesOf(p.variables);
  if (!g.store) throw new InvalidRequestError('Prompts need the store: this gateway runs without one.', 'prompt', 'prompts_unavailable');
  const resolved = await promptRegistryOf(g.store).resolve(ref);
  return { resolved, variables, version: `${resolved.name}@${resolved.version}` };
}

/** The canonical request with the prompt's messages in front and its parameters as defaults. */
export function applyResponsesPrompt(request: ChatRequest, prompt: ResponsesPrompt): ChatRequest {
  const { body } = prompt.resolved;
  const messages = renderMessages(body, prompt.variables, request.messages as Message[]) as unknown as ChatMessage[];
  const out: ChatRequest = { ...request, messages };
  const params = body.params ?? {};
  const target = out as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(params)) {
    // max_output_tokens arrives as max_tokens; a request's own value always wins.
    const taken = k === 'max_tokens' || k === 'max_completion_tokens' ? (out.max_tokens ?? out.max_completion_tokens) : target[k];
    if (taken === undefined && v !== undefined) target[k] = v;
  }
  return out;
}
