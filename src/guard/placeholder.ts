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

/** What may follow OPEN inside an unfinished placeholder. */
const PARTIAL_BODY = /^[A-Z0-9_]*$/;

export function makePlaceholder(type: string, n: number): string {
  return `${OPEN}${type.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_${n}${CLOSE}`;
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
