/**
 * Text extracted from HTML or PDF is prose, not Markdown: a line of it that happens to start like
 * a heading (`# 1`) or a code fence would change how ./chunk.ts cuts the document. A backslash in
 * front keeps it a plain line, as CommonMark's escape does.
 */
const MARKDOWN_START = /^(\s{0,3})(#{1,6}\s|`{3,}|~{3,})/gm;

export function escapeLineStarts(text: string): string {
  return text.replace(MARKDOWN_START, '$1\\$2');
}
