/**
 * Mention propagation across one request: a value found anywhere (a person named with a cue in
 * the first message, an e-mail in a tool result) is masked wherever else it occurs, in any of the
 * request's texts, even where the words around it give no cue. Pure: returns new arrays.
 */
import { COMMON } from './data/common-words.js';
import { nameParts } from './recognizers/person-mentions.js';
import type { Finding } from './types.js';

/** Values shorter than this are too likely to occur by chance (uncased scripts: 2). */
const MIN_LENGTH = 3;
/** A request with more distinct values than this propagates only the first ones (bounded work). */
const MAX_VALUES = 256;
const LETTER_OR_DIGIT = /[\p{L}\p{M}\p{N}]/u;
const UNCASED = /^[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}]+$/u;

export interface Needle {
  value: string;
  type: string;
  score: number;
  /** E-mail addresses and ids match in any case; names as written. */
  anyCase: boolean;
}

/** The values to look for again: every finding's value (and each part of a person's name), longest first. */
export function mentionNeedles(findings: readonly Finding[][]): Needle[] {
  const byKey = new Map<string, Needle>();
  const add = (value: string, type: string, score: number): void => {
    const v = value.trim();
    if (v.length < (UNCASED.test(v) ? 2 : MIN_LENGTH) || byKey.size >= MAX_VALUES) return;
    const anyCase = type !== 'person';
    const key = `${type}\u0000${anyCase ? v.toLowerCase() : v}`;
    const had = byKey.get(key);
    if (!had || had.score < score) byKey.set(key, { value: v, type, score, anyCase });
  };
  for (const list of findings) {
    for (const f of list) {
      add(f.value, f.type, f.score);
      if (f.type === 'person') for (const part of nameParts([f], COMMON)) add(part, 'person', Math.min(f.score, 0.7));
    }
  }
  // Longer values first, so "Ksenia Volkonskaya" is placed before its part "Volkonskaya".
  return [...byKey.values()].sort((a, b) => b.value.length - a.value.length);
}

/**
 * For each text, its findings plus every other whole-word occurrence of a value found in any of
 * the texts (and, for people, of each part of the name). `findings[i]` belongs to `texts[i]`.
 */
export function propagateMentions(texts: readonly string[], findings: readonly Finding[][]): Finding[][] {
  const list = mentionNeedles(findings);
  return texts.map((text, i) => propagateInText(text, findings[i] ?? [], list));
}

/** One text's findings plus every other whole-word occurrence of the needles in it. */
export function propagateInText(text: string, found: readonly Finding[], list: readonly Needle[]): Finding[] {
  const own = [...found];
  if (list.length === 0 || text.length === 0) return own;
  const lower = text.toLowerCase();
  const added: Finding[] = [];
  // Characters already inside a finding: checking an occurrence costs its length, not the
  // number of findings (a prompt of 150,000 repeated e-mails stays linear).
  const covered = new Uint8Array(text.length);
  const cover = (s: number, e: number): void => {
    covered.fill(1, s, e);
  };
  for (const f of own) cover(Math.max(0, f.start), Math.min(text.length, f.end));
  const taken = (s: number, e: number): boolean => {
    for (let k = s; k < e; k++) if (covered[k]) return true;
    return false;
  };
  for (const n of list) {
    const hay = n.anyCase ? lower : text;
    const needle = n.anyCase ? n.value.toLowerCase() : n.value;
    const uncased = UNCASED.test(n.value);
    for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + 1)) {
      const end = at + needle.length;
      if (!uncased && (LETTER_OR_DIGIT.test(text.charAt(at - 1)) || LETTER_OR_DIGIT.test(text.charAt(end)))) continue;
      if (taken(at, end)) continue;
      cover(at, end);
      added.push({ type: n.type, start: at, end, score: n.score, value: text.slice(at, end) });
    }
  }
  return added.length === 0 ? own : [...own, ...added].sort((a, b) => a.start - b.start);
}
