/**
 * Renders a prompt version into the messages a chat request sends: `{{name}}` is replaced by the
 * variable's text; a variable the template names and the request did not give is a 400 naming it
 * (never an empty string sent upstream).
 */
import { InvalidRequestError } from '../errors.js';
import type { PromptBody } from './definition.js';

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const MAX_VARIABLES = 100;
const MAX_VARIABLE_TEXT = 100_000;

export type Message = { role: string; content: unknown } & Record<string, unknown>;

/** Variables a request may send: strings, numbers and booleans as text; arrays of messages for placeholders. */
export function parseVariables(input: unknown): Record<string, unknown> {
  if (input === undefined) return {};
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new InvalidRequestError('prompt.variables must be an object of name → value.', 'prompt.variables');
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length > MAX_VARIABLES)
    throw new InvalidRequestError(`prompt.variables has more than ${MAX_VARIABLES} entries.`, 'prompt.variables');
  for (const [k, v] of entries) {
    const ok = typeof v === 'string' ? v.length <= MAX_VARIABLE_TEXT : typeof v === 'number' || typeof v === 'boolean' || Array.isArray(v);
    if (!ok) {
      // The name is the client's text: quoted only when it is a variable name (never an address or free text).
      const param = VARIABLE_NAME.test(k) ? `prompt.variables.${k}` : 'prompt.variables';
      throw new InvalidRequestError(
        `${param === 'prompt.variables' ? 'A value of prompt.variables' : param} must be text (at most ${MAX_VARIABLE_TEXT} characters), a number, a boolean or an array of messages.`,
        param,
      );
    }
  }
  return input as Record<string, unknown>;
}

/** The variables a prompt names, in order of first use (for `meridian prompts show` and docs). */
export function variablesOf(body: PromptBody): string[] {
  const texts = body.type === 'text' ? [body.template ?? ''] : (body.messages ?? []).map((m) => ('content' in m ? m.content : ''));
  const names = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(VARIABLE)) names.add(m[1]!);
  return [...names];
}

export function fill(template: string, variables: Record<string, unknown>): string {
  return template.replace(VARIABLE, (_, name: string) => {
    const v = variables[name];
    if (v === undefined || Array.isArray(v))
      throw new InvalidRequestError(
        `The prompt needs the variable "${name}"; send it in prompt.variables.`,
        `prompt.variables.${name}`,
        'missing_variable',
      );
    return String(v);
  });
}

/**
 * The messages to send: the prompt's, with the conversation (`history`: the request's own
 * messages) at the placeholder, or after the prompt's messages when it has none. A placeholder
 * named by a variable takes that variable's messages instead.
 */
export function renderMessages(body: PromptBody, variables: Record<string, unknown>, history: Message[]): Message[] {
  if (body.type === 'text') return [{ role: body.role ?? 'system', content: fill(body.template ?? '', variables) }, ...history];
  const out: Message[] = [];
  let placed = false;
  for (const m of body.messages ?? []) {
    if ('placeholder' in m) {
      const given = variables[m.placeholder];
      if (Array.isArray(given)) out.push(...(given as Message[]));
      else {
        out.push(...history);
        placed = true;
      }
    } else out.push({ role: m.role, content: fill(m.content, variables) });
  }
  return placed ? out : [...out, ...history];
}
