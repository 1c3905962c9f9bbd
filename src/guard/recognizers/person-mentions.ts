/**
 * Second passes of the person recognizer over one text: later mentions of a name found earlier
 * ("Dr. Ksenia Volkonskaya … Volkonskaya said"), inflected in Slavic languages ("Петрова",
 * "Петровым"), and listed given name + listed surname written in lower case inside capitalised
 * text ("forward this to jürgen wiśniewski").
 */
import type { Finding } from '../types.js';
import { HONORIFICS } from './person-cues.js';
import type { WordLookup } from '../data/word-table.js';

const CYRILLIC = /^\p{Script=Cyrillic}+$/u;
const LETTER = /[\p{L}\p{M}\d]/u;
const UNCASED = /^[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Arabic}\p{Script=Hebrew}]+$/u;

/** LETTER.test(text.charAt(i)), with ASCII decided by char code (most neighbours are spaces and punctuation). */
function letterAt(text: string, i: number): boolean {
  if (i < 0 || i >= text.length) return false;
  const c = text.charCodeAt(i);
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return LETTER.test(text.charAt(i));
}

/** Words of found names worth looking for again: capitalised (or uncased script), not everyday words. */
export function nameParts(found: readonly Finding[], common: WordLookup): string[] {
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
export function laterMentions(text: string, found: readonly Finding[], common: WordLookup, out: Finding[]): void {
  const seen = new Set<string>();
  const unique = found.filter((f) => f.type === 'person' && !seen.has(f.value) && seen.add(f.value));
  const parts = nameParts(unique, common);
  if (parts.length === 0) return;
  // Characters already in a finding: one lookup per character, not a pass over every finding per occurrence.
  const covered = new Uint8Array(text.length);
  const mark = (f: Finding): void => {
    covered.fill(1, Math.max(0, f.start), Math.min(text.length, f.end));
  };
  // An empty span covers no character but still counts as overlapping a span around it.
  const empty = [...found, ...out].filter((f) => f.end <= f.start);
  for (const f of found) mark(f);
  for (const f of out) mark(f);
  const taken = (s: number, e: number): boolean => {
    for (let c = s; c < e; c++) if (covered[c] === 1) return true;
    return empty.some((f) => f.start < e && s < f.end);
  };
  for (const part of parts) {
    const inflects = CYRILLIC.test(part) && part.length >= 4;
    const uncased = UNCASED.test(part);
    // Slavic case endings change the last letters: look for the stem.
    const stem = inflects ? part.replace(/[аяоеыийь]$/u, '') : part;
    for (let at = text.indexOf(stem); at >= 0; at = text.indexOf(stem, at + stem.length)) {
      let end = at + stem.length;
      if (inflects) while (end < text.length && end - at - stem.length < 3 && /\p{Script=Cyrillic}/u.test(text.charAt(end))) end++;
      if (!uncased && (letterAt(text, at - 1) || letterAt(text, end))) continue;
      if (taken(at, end)) continue;
      const f: Finding = { type: 'person', start: at, end, score: 0.7, value: text.slice(at, end) };
      out.push(f);
      mark(f);
    }
  }
}

/**
 * A word that often comes right before a person, then two lower-case words. Searching for these
 * (a plain regex with a literal start) is far cheaper than looking up every word of a long prompt.
 */
const CUED_LOWER_PAIR =
  /(?:^|[\s(])(?:to|with|by|from|for|and|or|cc|ask|tell|call|email|mail|contact|thank|thanks|forward|meet|met|invite|remind|ping|page|notify|dear|hi|hello|hey|mr\.?|ms\.?|mrs\.?|dr\.?)[ \t]+([a-z\u00df-\u00ff\u0100-\u024f\u0430-\u045f][a-z\u00df-\u00ff\u0100-\u024f\u0430-\u045f'’\-]{1,}) ([a-z\u00df-\u00ff\u0100-\u024f\u0430-\u045f][a-z\u00df-\u00ff\u0100-\u024f\u0430-\u045f'’\-]{1,})(?![\p{L}\d_@])/giu;

/**
 * "forward this to jürgen wiśniewski" in capitalised text: after a word that often precedes a
 * person, a listed given name then a listed surname, both unusual words.
 */
export function lowerCasePairs(
  text: string,
  given: WordLookup,
  surname: WordLookup,
  common: WordLookup,
  everyday: (w: string) => boolean,
  out: Finding[],
): void {
  CUED_LOWER_PAIR.lastIndex = 0;
  for (let m = CUED_LOWER_PAIR.exec(text); m; m = CUED_LOWER_PAIR.exec(text)) {
    const a = m[1] as string;
    const b = m[2] as string;
    // Let the next search start at the second word: "to anna and jan kowalski" still finds the pair.
    CUED_LOWER_PAIR.lastIndex = m.index + m[0].length - b.length - 1;
    if (a.length < 3 || b.length < 3 || a !== a.toLowerCase() || b !== b.toLowerCase()) continue;
    if (!given.has(a) || !surname.has(b) || given.has(b)) continue;
    if (common.has(a) || common.has(b) || everyday(a) || everyday(b)) continue;
    const start = m.index + m[0].length - b.length - 1 - a.length;
    const end = m.index + m[0].length;
    out.push({ type: 'person', start, end, score: 0.6, value: text.slice(start, end) });
  }
}
