/**
 * Second passes of the person recognizer over one text: later mentions of a name found earlier
 * ("Dr. Ksenia Volkonskaya … Volkonskaya said"), inflected in Slavic languages ("Петрова",
 * "Петровым"), and listed given name + listed surname written in lower case inside capitalised
 * text ("forward this to jürgen wiśniewski").
 */
import type { Finding } from '../types.js';
import { HONORIFICS } from './person-cues.js';

const CYRILLIC = /^\p{Script=Cyrillic}+$/u;
const LETTER = /[\p{L}\p{M}\d]/u;
const UNCASED = /^[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Arabic}\p{Script=Hebrew}]+$/u;

/** Words of found names worth looking for again: capitalised (or uncased script), not everyday words. */
export function nameParts(found: readonly Finding[], common: ReadonlySet<string>): string[] {
  const parts = new Set<string>();
  for (const f of found) {
    if (f.type !== 'person') continue;
    for (const raw of f.value.split(/[\s,]+/)) {
      const w = raw.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '').replace(/[’']s$/, '');
      const lower = w.toLowerCase();
      if (HONORIFICS.has(lower) || common.has(lower)) continue;
      if (UNCASED.test(w) ? w.length >= 2 : w.length >= 3 && w.charAt(0) !== lower.charAt(0)) parts.add(w);
    }
  }
  return [...parts];
}

/** Appends every other whole-word occurrence of a part of a found name (Cyrillic: with case endings). */
export function laterMentions(text: string, found: readonly Finding[], common: ReadonlySet<string>, out: Finding[]): void {
  const seen = new Set<string>();
  const unique = found.filter((f) => f.type === 'person' && !seen.has(f.value) && seen.add(f.value));
  const parts = nameParts(unique, common);
  if (parts.length === 0) return;
  const taken = (s: number, e: number): boolean => found.some((f) => f.start < e && s < f.end) || out.some((f) => f.start < e && s < f.end);
  for (const part of parts) {
    const inflects = CYRILLIC.test(part) && part.length >= 4;
    const uncased = UNCASED.test(part);
    // Slavic case endings change the last letters: look for the stem.
    const stem = inflects ? part.replace(/[аяоеыийь]$/u, '') : part;
    for (let at = text.indexOf(stem); at >= 0; at = text.indexOf(stem, at + stem.length)) {
      let end = at + stem.length;
      if (inflects) while (end < text.length && end - at - stem.length < 3 && /\p{Script=Cyrillic}/u.test(text.charAt(end))) end++;
      if (!uncased && (LETTER.test(text.charAt(at - 1)) || LETTER.test(text.charAt(end)))) continue;
      if (taken(at, end)) continue;
      out.push({ type: 'person', start: at, end, score: 0.7, value: text.slice(at, end) });
    }
  }
}

/** A lower-case letter (Latin with diacritics, Cyrillic) by code, without a regex. */
function lowerLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 0xdf && c <= 0xff && c !== 0xf7) || (c >= 0x100 && c <= 0x24f) || (c >= 0x430 && c <= 0x45f);
}

const TRAILING = new Set([...'.,;:!?)"\'”’'].map((c) => c.charCodeAt(0)));

/** A run of lower-case letters between spaces, with trailing punctuation removed; '' otherwise. */
function bareLowerWord(token: string): string {
  let end = token.length;
  while (end > 0 && TRAILING.has(token.charCodeAt(end - 1))) end--;
  if (end < 3) return '';
  for (let k = 0; k < end; k++) {
    const c = token.charCodeAt(k);
    if (!lowerLetter(c) && !(k > 0 && (c === 45 || c === 39))) return '';
  }
  return end === token.length ? token : token.slice(0, end);
}

/** "jürgen wiśniewski" in capitalised text: a listed given name then a listed surname, both unusual words. */
export function lowerCasePairs(
  text: string,
  given: ReadonlySet<string>,
  surname: ReadonlySet<string>,
  common: ReadonlySet<string>,
  everyday: (w: string) => boolean,
  out: Finding[],
): void {
  // Native split on spaces is far cheaper than a unicode regex over every word of a long prompt;
  // the costlier checks run only on the word after a listed given name.
  const tokens = text.split(' ');
  let offset = 0;
  let prevGiven = '';
  let prevStart = -1;
  for (const token of tokens) {
    if (prevGiven) {
      const word = bareLowerWord(token);
      if (
        word &&
        surname.has(word) &&
        !given.has(word) &&
        !common.has(prevGiven) &&
        !common.has(word) &&
        !everyday(prevGiven) &&
        !everyday(word)
      ) {
        const end = offset + word.length;
        out.push({ type: 'person', start: prevStart, end, score: 0.6, value: text.slice(prevStart, end) });
      }
    }
    // Only a bare lower-case word (no punctuation after it) can start a pair.
    prevGiven = token.length >= 3 && given.has(token) && bareLowerWord(token) === token ? token : '';
    prevStart = offset;
    offset += token.length + 1;
  }
}
