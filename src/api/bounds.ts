/**
 * Bounds for the client strings Meridian stores, logs, echoes or forwards (model names, `user`,
 * `metadata`, ids, free-form JSON), shared by every inbound schema (OpenAI and Anthropic wire).
 * Messages name the rule, never the value: a value may be PII and error bodies get logged.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../errors.js';

export const LIMITS = {
  /** Model names and aliases: longer than any real id, short enough to log and put in a URL. */
  modelChars: 256,
  /** `user` / `metadata.user_id` (Anthropic documents 256 for `user_id`). */
  userChars: 256,
  /** `metadata`: OpenAI's documented limits (16 pairs, keys ≤ 64, values ≤ 512 characters). */
  metadataPairs: 16,
  metadataKeyChars: 64,
  metadataValueChars: 512,
  /** Tool-call ids echoed back by clients. */
  idChars: 256,
  /** Nesting of a request body (tool schemas included): deeper is refused. */
  jsonDepth: 64,
  stopSequences: 16,
  stopSequenceChars: 1024,
} as const;

// Model names go into response headers (`x-meridian-route` carries `provider/model` when a client
// addresses a deployment directly), URL paths (Gemini) and log lines. Node refuses a header value
// outside Latin-1 (a 500), and every real model id and alias is ASCII: printable ASCII, no spaces.
const MODEL_CHARS = /^[\x21-\x7e]*$/;
// Labels may contain spaces and any script, but nothing that splits a log line or hides text.
// Code-point classes (the `u` flag makes a lone surrogate one code point of class Cs): Cc controls
// (CR, LF, NUL…), Cf format characters (bidi overrides, zero-width), Cs lone surrogates, Zl/Zp separators.
const LABEL_CHARS = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]*$/u;

export const MODEL_RULE = `model names are 1 to ${LIMITS.modelChars} printable ASCII characters (letters, digits, punctuation; no spaces or control characters)`;

/** A model name or alias; the length check runs first so the pattern never scans a huge string. */
export const modelName = z.string({ error: 'model must be a string' }).check((ctx) => {
  const v = ctx.value;
  if (v.length === 0 || v.length > LIMITS.modelChars || !MODEL_CHARS.test(v)) ctx.issues.push(issue(v, MODEL_RULE));
});

/** A short client label (`user`, metadata keys and values): bounded, printable, spaces allowed. */
export function label(maxChars: number, what: string) {
  const rule = `${what} must be at most ${maxChars} printable characters (no control or format characters)`;
  return z.string({ error: `${what} must be a string` }).check((ctx) => {
    const v = ctx.value;
    if (v.length > maxChars || !LABEL_CHARS.test(v)) ctx.issues.push(issue(v, rule));
  });
}

export const metadata = z
  .record(label(LIMITS.metadataKeyChars, 'metadata keys'), label(LIMITS.metadataValueChars, 'metadata values'))
  .check((ctx) => {
    if (Object.keys(ctx.value).length > LIMITS.metadataPairs)
      ctx.issues.push(issue(ctx.value, `metadata holds at most ${LIMITS.metadataPairs} key-value pairs`));
  });

/** A free-form JSON object (JSON Schema, tool input); its nesting is bounded by assertJsonDepth. */
export const jsonObject = z.record(z.string(), z.unknown());

/**
 * Refuses a body nested deeper than LIMITS.jsonDepth anywhere, unknown fields included: they are
 * forwarded upstream, and JSON.stringify / structuredClone recurse (a 10,000-deep `{"a":…}` would
 * overflow the stack, a 500). Iterative, so the check itself cannot overflow.
 */
export function assertJsonDepth(body: unknown): void {
  // Each frame links to its parent instead of carrying its own copy of the path: the path is
  // only spelled out for the error (this runs over every request body).
  const stack: DepthFrame[] = [{ value: body, depth: 0, key: '', parent: undefined }];
  while (stack.length) {
    const frame = stack.pop()!;
    const { value, depth } = frame;
    if (depth >= LIMITS.jsonDepth) {
      const param = formatPath(pathOf(frame).slice(0, 6)) + '…';
      throw new InvalidRequestError(`Invalid '${param}': JSON may nest at most ${LIMITS.jsonDepth} levels.`, param);
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (v !== null && typeof v === 'object') stack.push({ value: v, depth: depth + 1, key: i, parent: frame });
      }
    } else
      for (const k in value as Record<string, unknown>) {
        const v = (value as Record<string, unknown>)[k];
        if (v !== null && typeof v === 'object') stack.push({ value: v, depth: depth + 1, key: k, parent: frame });
      }
  }
}

interface DepthFrame {
  value: unknown;
  depth: number;
  /** Where the value sits in its parent (unused at the root). */
  key: PropertyKey;
  parent: DepthFrame | undefined;
}

function pathOf(frame: DepthFrame): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let f: DepthFrame | undefined = frame; f?.parent; f = f.parent) path.push(f.key);
  return path.reverse();
}

// Keys of client maps (`metadata`, JSON Schemas) are data, not field names: only plain identifiers are quoted.
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** `['messages', 0, 'content']` → `messages[0].content`; a key that is not a plain identifier shows as `[…]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : FIELD_NAME.test(String(p)) ? `.${String(p)}` : '[…]'))
    .join('')
    .replace(/^\./, '');
}

function issue(input: unknown, message: string) {
  return { code: 'custom' as const, input, message };
}
