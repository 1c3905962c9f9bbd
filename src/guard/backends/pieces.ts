/** Which text goes to a back-end: at most `maxChars` per request, in pieces of at most `chunkChars`. */
import type { TextPiece } from './types.js';

/**
 * The request's texts in order, cut into pieces at whitespace where possible. Text beyond
 * `maxChars` is left out (the built-in scan still covered it): the cost of a back-end per
 * request is bounded whatever the prompt size.
 */
export function splitIntoPieces(texts: readonly string[], maxChars: number, chunkChars: number): TextPiece[] {
  const pieces: TextPiece[] = [];
  let budget = maxChars;
  texts.forEach((text, index) => {
    let from = 0;
    const limit = Math.min(text.length, budget);
    while (from < limit) {
      const to = cutPoint(text, from, Math.min(limit, from + chunkChars));
      if (text.slice(from, to).trim().length > 0) pieces.push({ index, offset: from, text: text.slice(from, to) });
      budget -= to - from;
      from = to;
    }
  });
  return pieces;
}

/** The end of a piece starting at `from`: `hardEnd`, moved back to a whitespace in its last fifth. */
function cutPoint(text: string, from: number, hardEnd: number): number {
  if (hardEnd >= text.length) return text.length;
  const floor = from + Math.floor(((hardEnd - from) * 4) / 5);
  for (let i = hardEnd; i > floor; i--) if (/\s/.test(text.charAt(i - 1))) return i;
  // No whitespace: never split a surrogate pair.
  const code = text.charCodeAt(hardEnd - 1);
  return code >= 0xd800 && code <= 0xdbff && hardEnd - 1 > from ? hardEnd - 1 : hardEnd;
}
