/**
 * Placeholder format `⟦EMAIL_1⟧`: U+27E6/U+27E7 (mathematical white square brackets) around an
 * upper-case type and a counter. Why: the brackets never occur in ordinary prose, code, JSON or
 * Markdown, so a placeholder cannot collide with user text or be unescaped by a renderer (unlike
 * `<<…>>` or `[…]`); they need no JSON escaping, so placeholders survive inside tool-call
 * arguments; and models copy such bracketed tokens verbatim. Each bracket is one UTF-16 unit,
 * which keeps stream hold-back simple.
 */

export const OPEN = '\u27E6';
export const CLOSE = '\u27E7';

/** A complete placeholder anywhere in text. */
export const PLACEHOLDER_RE = /\u27E6[A-Z][A-Z0-9_]*_\d+\u27E7/g;

/**
 * A placeholder in JSON text, where either bracket may be written as a `\u27e6`/`\u27e7` escape.
 * Group 1 is the body (`EMAIL_1`).
 */
export const JSON_PLACEHOLDER_RE = /(?:\u27E6|\\u27[eE]6)([A-Z][A-Z0-9_]*_\d+)(?:\u27E7|\\u27[eE]7)/g;

/** Bodies (`EMAIL_1`) of every placeholder-like token in `text`, in either form. */
export function placeholderBodies(text: string, into: Set<string>): void {
  if (text.indexOf(OPEN) < 0 && text.indexOf('\\u27') < 0) return;
  for (const m of text.matchAll(JSON_PLACEHOLDER_RE)) into.add(m[1]!);
}

/** What may follow OPEN inside an unfinished placeholder. */
const PARTIAL_BODY = /^[A-Z0-9_]*$/;

/** `EMAIL_1` for (`email`, 1): a placeholder without its brackets. */
export function placeholderBody(type: string, n: number): string {
  return `${type.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_${n}`;
}

export function makePlaceholder(type: string, n: number): string {
  return `${OPEN}${placeholderBody(type, n)}${CLOSE}`;
}

/**
 * Where a possibly-unfinished placeholder starts at the end of `text` (the suffix to hold back
 * in a stream), or -1 when no suffix could grow into a placeholder.
 */
export function partialPlaceholderStart(text: string, maxLength: number): number {
  const i = text.lastIndexOf(OPEN);
  if (i < 0 || text.length - i >= maxLength) return -1;
  return PARTIAL_BODY.test(text.slice(i + 1)) ? i : -1;
}

/**
 * The JSON-text variant of `partialPlaceholderStart`, for tool-call arguments: either bracket
 * may also arrive as a `\u27e6`/`\u27e7` escape, itself split anywhere (`\u2` | `7e6EMAIL_1\u27e7`).
 */
const PARTIAL_JSON_TAIL = /(?:(?:\u27E6|\\u27[eE]6)[A-Z0-9_]*(?:\\(?:u(?:2(?:7[eE]?)?)?)?)?|\\(?:u(?:2(?:7[eE]?)?)?)?)$/;
/** An escaped bracket is 6 characters instead of 1. */
const ESCAPE_EXTRA = 10;

export function partialJsonPlaceholderStart(text: string, maxLength: number): number {
  const tail = PARTIAL_JSON_TAIL.exec(text);
  if (!tail || tail[0].length >= maxLength + ESCAPE_EXTRA) return -1;
  return tail.index;
}
