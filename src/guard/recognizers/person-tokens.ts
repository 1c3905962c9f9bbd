/** The capitalised words of a text, as the person recognizer sees them. */
import { isLetterCp, isUpperCp } from './letters.js';

export interface Token {
  start: number;
  end: number;
  lower: string;
  /** All capitals (and longer than one letter): headings, shouting, city lines of addresses. */
  upper: boolean;
  /**
   * List lookups, made at most once per token (the rules ask several times). Created undefined with
   * the token, so that every token has one shape (V8 hidden class) whichever lookups the rules make:
   * added later, in either order, they gave tokens up to five shapes and the person code's property
   * reads were polymorphic.
   */
  given: boolean | undefined;
  surname: boolean | undefined;
}

/** Where a capitalised word can start: an ASCII capital or any non-ASCII code unit. */
const MAY_START = /[A-Z\u0080-\uffff]/g;

/**
 * The matches of /\p{Lu}[\p{L}'’\-]*\.?/gu, walked by code point (the regex costs ~15 ns a
 * character on every character; most of a prompt is lower case and is stepped over here).
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    // ASCII that is not a capital is the common case: the regex skips it to the next ASCII capital
    // or non-ASCII character in native code (a char-code loop here costs ~70 ns a character until
    // V8 optimises it, i.e. in a process's first requests).
    const unit = text.charCodeAt(i);
    if (unit < 65 || (unit > 90 && unit < 128)) {
      MAY_START.lastIndex = i + 1;
      if (!MAY_START.test(text)) break;
      i = MAY_START.lastIndex - 1;
      continue;
    }
    const c = unit < 0xd800 ? unit : (text.codePointAt(i) as number);
    const size = c > 0xffff ? 2 : 1;
    if (c >= 128 && !isUpperCp(c)) {
      i += size;
      continue;
    }
    let j = i + size;
    // Plain ASCII with no lower-case letter: all capitals, known without toUpperCase().
    let asciiUpper = c < 128;
    while (j < n) {
      const u = text.charCodeAt(j);
      if (u < 128) {
        // The common case, decided without a code point: a–z, A–Z, ' and -.
        if ((u >= 97 && u <= 122) || (u >= 65 && u <= 90) || u === 39 || u === 45) {
          if (u >= 97) asciiUpper = false;
          j++;
          continue;
        }
        break;
      }
      const d = u < 0xd800 ? u : (text.codePointAt(j) as number);
      if (d === 0x2019 || isLetterCp(d)) {
        asciiUpper = false;
        j += d > 0xffff ? 2 : 1;
      } else break;
    }
    const dot = text.charCodeAt(j) === 46;
    addToken(text, tokens, i, j, asciiUpper);
    i = dot ? j + 1 : j;
  }
  return tokens;
}

/** One capitalised word (`end` before any trailing dot), as the old regex loop kept it. */
function addToken(text: string, tokens: Token[], start: number, end: number, asciiUpper: boolean): void {
  // Possessive: "Liam's" is the name "Liam".
  const possessive =
    end - start >= 2 && text.charCodeAt(end - 1) === 115 && (text.charCodeAt(end - 2) === 39 || text.charCodeAt(end - 2) === 0x2019);
  const w = text.slice(start, possessive ? end - 2 : end);
  if (w.length === 0) return;
  // Inside an identifier or code ("API_KEY", "70ED41"): not a word of prose.
  const prev = start > 0 ? text.charCodeAt(start - 1) : 32;
  const next = text.charCodeAt(start + w.length);
  if (prev === 95 || (prev >= 48 && prev <= 57) || next === 95 || (next >= 48 && next <= 57)) return;
  tokens.push({
    start,
    end: start + w.length,
    lower: w.toLowerCase(),
    upper: w.length > 1 && ((asciiUpper && !possessive) || (!hasAsciiLower(w) && w === w.toUpperCase())),
    given: undefined,
    surname: undefined,
  });
}

/** A letter a–z in `w`: then `w.toUpperCase()` differs from it, known without building the copy. */
function hasAsciiLower(w: string): boolean {
  for (let k = 0; k < w.length; k++) {
    const c = w.charCodeAt(k);
    if (c >= 97 && c <= 122) return true;
  }
  return false;
}
