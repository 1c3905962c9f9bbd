/**
 * A deliberately simple tokenizer for mock usage numbers: words and punctuation marks each count
 * as one token. Real tokenizers differ, but the mock needs numbers that are stable and plausible,
 * not exact.
 */
import type { ChatMessage, ContentPart } from '../api/types.js';

const TOKEN = /[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

export function splitTokens(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

export function countTokens(text: string): number {
  return splitTokens(text).length;
}

export function contentText(content: string | ContentPart[] | null | undefined): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'text' ? p.text : '')).join('');
}

/** Prompt tokens: message text plus a small fixed overhead per message, like chat templates add. */
export function countPromptTokens(messages: ChatMessage[]): number {
  let n = 0;
  for (const m of messages) {
    n += 3 + countTokens(contentText(m.content));
    for (const tc of m.tool_calls ?? []) n += countTokens(tc.function.name) + countTokens(tc.function.arguments);
  }
  return n + 3;
}

/** Cuts text after `max` tokens, keeping the original spacing of what is kept. */
export function truncateToTokens(text: string, max: number): string {
  let count = 0;
  for (const m of text.matchAll(TOKEN)) {
    count++;
    if (count > max) return text.slice(0, m.index).trimEnd();
  }
  return text;
}
