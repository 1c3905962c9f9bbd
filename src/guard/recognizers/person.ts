/**
 * Person names from curated lists (data/names/*.txt, held by src/guard/data/name-sets.ts) plus context cues: honorifics
 * (Mr/Ms/Dr…, included in the span), introductions ("my name is", "signed", "calls me"), verbs of
 * speech around a name ("says X", "X said"), capitalised sequences that start with a known given
 * name or end with a known surname, names listed together with other names ("A, B and C"),
 * dialogue speakers ("Kim: …"), and lower-case chat text ("mr. smith", "natasha higuchi").
 */
import { COMMON } from '../data/common-words.js';
import { CURATED, GIVEN, SURNAME } from '../data/name-sets.js';
import type { Finding, Recognizer } from '../types.js';
import { EVERYDAY, looksLowerCase, lowerCaseNames } from './person-lower.js';
import { laterMentions, lowerCasePairs } from './person-mentions.js';
import { nameProbability } from '../model/name-model.js';
import { uncasedScriptNames } from './person-scripts.js';
import { tokenize, type Token } from './person-tokens.js';
import { MONTHS_DAYS, ORG_SUFFIX, PLACE_PREFIX } from './person-words.js';
import { HONORIFICS, INTRO_STRONG, INTRO_WEAK, NOT_ALONE, SPEECH_AFTER, TITLES, followedBy, preceded } from './person-cues.js';
import type { WordLookup } from '../data/word-table.js';

const PARTICLES = /^ (?:van|von|de|del|der|den|da|di|du|la|le|al|el|bin|ibn|dos|das|do)(?: (?:der|den|la|los|las))? $/;
/** Separators of a list of names: "A, B and C", "A & B", "A or B". */
const LIST_SEPS = [',', ', ', ' and ', ' & ', ' or ', ', and ', ', & '];
/** "She named him Mark, Regards,": a letter's closing after a name is not another name in a list. */
const SIGN_OFFS = new Set(['regards', 'thanks', 'cheers', 'best', 'sincerely', 'greetings', 'love', 'yours', 'bye']);
/** Phrases that name the person right after them: any capitalised word there is a name, even an everyday one. */
const NAMING = ['my name is', "my name's", 'call me', 'calls me', 'called me', 'i am called', 'named him', 'named her', 'named me'];
/** "Kim: \"…\"" at the start of a line: a dialogue speaker. */
const SPEAKER = /(?:^|\n)[ \t>]*(\p{Lu}[\p{L}'’\-]+):[ \t]*\\?["“]/gu;

/** Only spaces (or a particle like "van der") between tokens, no punctuation: they can be one name. */
function adjacent(text: string, a: Token, b: Token): boolean {
  const gap = b.start - a.end;
  if (gap === 1) return text.charCodeAt(a.end) === 32;
  if (gap === 2) {
    // ". " or two spaces (/^\.? $|^ {2}$/), compared by char code.
    const c = text.charCodeAt(a.end);
    return (c === 46 || c === 32) && text.charCodeAt(a.end + 1) === 32;
  }
  return gap <= 12 && PARTICLES.test(text.slice(a.end, b.start));
}

function isInitial(text: string, t: Token): boolean {
  return t.end - t.start === 1 && text.charAt(t.end) === '.';
}

/** In the list, or (Cyrillic) in it after dropping a case ending: "Ивана", "Петрову". */
function inList(set: WordLookup, lower: string): boolean {
  if (set.has(lower)) return true;
  const c = lower.charCodeAt(0);
  if (c < 0x400 || c > 0x4ff || lower.length < 4 || !CYRILLIC_WORD.test(lower)) return false;
  for (const ending of CYRILLIC_ENDINGS) {
    if (!lower.endsWith(ending)) continue;
    const stem = lower.slice(0, -ending.length);
    if (set.has(stem) || set.has(stem + 'а') || set.has(stem + 'я') || set.has(stem + 'й')) return true;
  }
  return false;
}
const CYRILLIC_WORD = /^\p{Script=Cyrillic}+$/u;
const CYRILLIC_ENDINGS = ['ого', 'ому', 'ыми', 'ым', 'ом', 'ой', 'ей', 'ую', 'ах', 'ам', 'ым', 'а', 'у', 'е', 'ы', 'и', 'ю', 'я'];
const isGiven = (t: Token): boolean => (t.given ??= inList(GIVEN, t.lower));
/**
 * East Slavic, Georgian and Armenian surnames by their endings ("Шевченко", "Петров", "Ковальчук",
 * "Гамула" is not): only for capitalised Cyrillic words of five letters or more. Adjectives of
 * places share -ский/-ская ("Московский"), so those endings count only next to another name.
 */
const SLAVIC_SURNAME =
  /^\p{Script=Cyrillic}{2,}(?:енко|чук|ук|юк|ович|евич|івна|овна|евна|ов|ова|ев|ева|ёв|ёва|ин|ина|ын|ына|швили|дзе|ян)$/u;
const SLAVIC_ADJ_SURNAME = /^\p{Script=Cyrillic}{3,}(?:ский|ская|цкий|цкая|ський|цький|ська|цька)$/u;
/** Script=Cyrillic starts at U+0400: a word that starts below it (most) needs no unicode regex. */
const mayBeCyrillic = (lower: string): boolean => lower.charCodeAt(0) >= 0x400;
const isSurname = (t: Token): boolean =>
  (t.surname ??= inList(SURNAME, t.lower) || (t.end - t.start >= 5 && mayBeCyrillic(t.lower) && SLAVIC_SURNAME.test(t.lower)));
const listed = (t: Token): boolean => isGiven(t) || isSurname(t);

/**
 * Life dates right after a name, as biographies write them in every language: "Ada Byron
 * (1815–1852)", "(born 1947)", "(né en 1821)", "(geb. 1900)", "(1821—1881)". A single year alone
 * is a work or an event ("Titanic (1997)"), not a life.
 */
const LIFE_DATES =
  /^ ?\((?:(?:born|b\.|né|née|nata?|nacid[oa]|nascid[oa]|geb\.|geboren|ur\.|род\.|\*)[ ]?[^()\d]{0,14}\d{3,4}|[^()\d]{0,14}\d{3,4}[ ]?[–—\-][ ]?[^()\d]{0,14}\d{3,4})\)/;

/** Words before a single capitalised word that make it a place or a thing, not a person. */
const PLACE_BEFORE =
  /(?:^|[^\p{L}])(?:in|at|to|into|near|via|from|of|on|w|we|na|do|z|en|à|au|aux|a|de|da|di|nel|nella|im|in der|nach|aus|bei|zu|van|uit|naar|para|em|no|na|в|во|на|из|под|к)[ \t]+$/iu;

/**
 * Capitalised words no list knows, weighed by the character n-gram model: two or three such words
 * that all look like names ("Oyelaran Adebisi"), or one mid-sentence word that looks very much
 * like a name and is not after a word that introduces places ("You can tell Alterio was…").
 */
function modelScore(text: string, tokens: Token[], i: number, j: number): number {
  const t = tokens[i] as Token;
  if (t.upper) return 0;
  if (j > i) {
    let min = 1;
    let sum = 0;
    for (let k = i; k <= j; k++) {
      const tk = tokens[k] as Token;
      if (tk.upper || tk.end - tk.start < 2) return 0;
      const p = nameProbability(tk.lower);
      min = Math.min(min, p);
      sum += p;
    }
    return min >= 0.5 && sum / (j - i + 1) >= 0.75 ? 0.6 : 0;
  }
  if (t.end - t.start < 4 || sentenceInitial(text, t.start)) return 0;
  // Most words are not that name-like: ask the model first (the same answer, in fewer steps).
  if (nameProbability(t.lower) < 0.9) return 0;
  // Only a word standing alone in lower-case prose: not inside a title or a capitalised phrase.
  const prev = text.slice(Math.max(0, t.start - 16), t.start);
  if (!/(?:^|[^\p{L}])\p{Ll}[\p{Ll}'’\-]*[ \t]+$/u.test(prev) || PLACE_BEFORE.test(prev)) return 0;
  return 0.55;
}

/** At the start of a sentence or line (where every word is capitalised). */
function sentenceInitial(text: string, start: number): boolean {
  // /(?:^|[.!?:;\n])[ \t"'“(«>-]*$/ on the four characters before `start`, walked back by char code:
  // past the opening characters, then the window's start or a sentence end (the two sets share none).
  const from = Math.max(0, start - 4);
  let k = start - 1;
  while (k >= from && OPENERS.has(text.charCodeAt(k))) k--;
  return k < from || SENTENCE_ENDS.has(text.charCodeAt(k));
}
const OPENERS = new Set([...' \t"\'“(«>-'].map((c) => c.charCodeAt(0)));
const SENTENCE_ENDS = new Set([...'.!?:;\n'].map((c) => c.charCodeAt(0)));

/** Could be part of a name: listed, or an unknown (not common) word; all-caps words only when listed. */
function nameLike(t: Token): boolean {
  if (t.end - t.start < 2) return false;
  if (t.upper) return CURATED.has(t.lower) && !COMMON.has(t.lower);
  return listed(t) || !COMMON.has(t.lower);
}

/** The last token of a name starting at `first` whose span so far ends at `j`: adjacent name-like words join it. */
function extendName(text: string, tokens: Token[], first: number, j: number): number {
  while (j + 1 < tokens.length && j - first < 3) {
    const a = tokens[j] as Token;
    const b = tokens[j + 1] as Token;
    if (!adjacent(text, a, b)) break;
    if (isInitial(text, b) || nameLike(b)) j++;
    else break;
  }
  return j;
}

/** An introduction before, a verb of speech or life dates after: any capitalised words there are a name. */
function cuedName(text: string, t: Token, last: Token): boolean {
  return preceded(text, t.start, INTRO_STRONG) || followedBy(text, last.end, SPEECH_AFTER) || lifeDatesAt(text, last.end);
}

/** LIFE_DATES right at `end`; it opens with " (" or "(", so most words need no slice. */
function lifeDatesAt(text: string, end: number): boolean {
  const c = text.charCodeAt(end);
  if (c !== 40 && (c !== 32 || text.charCodeAt(end + 1) !== 40)) return false;
  return LIFE_DATES.test(text.slice(end, end + 24));
}

export const personRecognizer: Recognizer = {
  type: 'person',
  scan(text: string, out: Finding[]): void {
    const tokens = tokenize(text);
    const found: Finding[] = [];
    /** Index of the first name token of each finding, for the list pass. */
    const byToken: Array<Finding | undefined> = new Array<Finding | undefined>(tokens.length);
    let i = 0;
    while (i < tokens.length) {
      const t = tokens[i] as Token;
      let score = 0;
      let first = i; // first token of the name proper (after an honorific)
      let j = i; // last token of the span
      let spanStart = t.start;

      if (TITLES.has(t.lower) && !t.upper && i + 1 < tokens.length) {
        const n = tokens[i + 1] as Token;
        if (adjacent(text, t, n) && (nameLike(n) || isInitial(text, n))) {
          first = j = i + 1;
          // "Mr. Ford": the honorific is part of the mention; "Dear Anna": the greeting is not.
          if (!HONORIFICS.has(t.lower)) spanStart = n.start;
          j = extendName(text, tokens, first, j);
          score = 0.9;
        }
      } else if (
        PLACE_PREFIX.has(t.lower) ||
        (i > 0 && PLACE_PREFIX.has((tokens[i - 1] as Token).lower) && adjacent(text, tokens[i - 1] as Token, t))
      ) {
        // "San Francisco", "St Helena", "New Caledonia": a place, not a person.
      } else if (
        COMMON.has(t.lower) &&
        !listed(t) &&
        !t.upper &&
        t.end - t.start > 2 &&
        !MONTHS_DAYS.has(t.lower) &&
        preceded(text, t.start, NAMING)
      ) {
        // "call me Mark", "she named him Hunter": after these a capitalised everyday word is a name.
        j = extendName(text, tokens, first, j);
        score = 0.7;
      } else if (nameLike(t) && !NOT_ALONE.has(t.lower)) {
        const given = isGiven(t);
        const surname = isSurname(t);
        // "Yesterday Ivan Petrov …", "Вчера Иван Петров …": a sentence's first word before a listed name is not part of it.
        const next = tokens[i + 1];
        if (!given && !surname && next && sentenceInitial(text, t.start) && adjacent(text, t, next) && isGiven(next)) {
          i++;
          continue;
        }
        const common = COMMON.has(t.lower);
        j = extendName(text, tokens, first, j);
        const multi = j > i;
        const last = tokens[j] as Token;
        const lastSurname = multi && (isSurname(last) || (mayBeCyrillic(last.lower) && SLAVIC_ADJ_SURNAME.test(last.lower)));
        if (!given && !surname && !multi && t.end - t.start > 1 && cuedName(text, t, last)) score = 0.8;
        else if (!given && !surname && multi && !lastSurname && cuedName(text, t, last)) score = 0.85;
        else if (given && !common) score = multi ? 0.9 : 0.75;
        else if (given && multi && lastSurname) score = 0.8;
        else if (multi && lastSurname && !common) score = 0.8;
        else if (surname && !common)
          // A lone listed surname opening a sentence ("Nel 1888 …", "Dean of …") is capitalised anyway: weak.
          score = multi
            ? 0.7
            : preceded(text, t.start, INTRO_WEAK) || cuedName(text, t, last)
              ? 0.65
              : sentenceInitial(text, t.start)
                ? 0.45
                : 0.55;
        else if (multi && given) score = 0.6;
        else if ((given || surname) && cuedName(text, t, last)) score = 0.6;
        else if (!given && !surname && !common) score = modelScore(text, tokens, i, j);
      }
      // "Cantrell Ltd", "Fischer GmbH": a company named after a person; "Carnegie Hall": a place.
      if (score > 0 && j > first && ORG_SUFFIX.has((tokens[j] as Token).lower)) score = -1;
      if (
        score > 0 &&
        j + 1 < tokens.length &&
        ORG_SUFFIX.has((tokens[j + 1] as Token).lower) &&
        adjacent(text, tokens[j] as Token, tokens[j + 1] as Token)
      ) {
        score = -1;
      }
      if (score > 0) {
        const end = (tokens[j] as Token).end;
        const f: Finding = { type: 'person', start: spanStart, end, score, value: text.slice(spanStart, end) };
        found.push(f);
        byToken[first] = f;
        i = j + 1;
      } else {
        i = score < 0 ? j + 2 : i + 1;
      }
    }
    namesListedWithNames(text, tokens, byToken, found);
    dialogueSpeakers(text, found);
    uncasedScriptNames(text, found);
    const lower = looksLowerCase(text);
    if (lower) lowerCaseNames(text, GIVEN, SURNAME, COMMON, found);
    else if (/ \p{Ll}/u.test(text)) lowerCasePairs(text, GIVEN, SURNAME, COMMON, (w) => EVERYDAY.has(w), found);
    const later: Finding[] = [];
    if (found.length > 0) laterMentions(text, found, COMMON, later);
    for (const f of found) out.push(f);
    for (const f of later) out.push(f);
  },
};

/**
 * "Layla, Harry and Shelley", "Mazzi, Bowman and Hill": words listed with names are names too,
 * when at least half of the list (or one of two) already is.
 */
function namesListedWithNames(text: string, tokens: Token[], byToken: ReadonlyArray<Finding | undefined>, found: Finding[]): void {
  let k = 0;
  while (k < tokens.length) {
    // Most tokens start no list: skip them without building one.
    const single = lastOfItem(tokens, k, byToken[k]);
    if (single + 1 >= tokens.length || !listSepBetween(text, tokens[single] as Token, tokens[single + 1] as Token)) {
      k = single + 1;
      continue;
    }
    // Items: a found name (possibly several tokens) or one capitalised token.
    const items: Array<{ first: number; last: number; finding?: Finding }> = [];
    let idx = k;
    for (;;) {
      const f = byToken[idx];
      const last = lastOfItem(tokens, idx, f);
      items.push({ first: idx, last, ...(f ? { finding: f } : {}) });
      const next = last + 1;
      if (next >= tokens.length || !listSepBetween(text, tokens[last] as Token, tokens[next] as Token)) break;
      idx = next;
    }
    const named = items.filter((it) => it.finding).length;
    if (items.length >= 2 && named >= 1 && named * 2 >= items.length) {
      for (const it of items) {
        // A weak mention ("Sjöberg" opening a sentence) is stronger listed with another name.
        if (it.finding && it.finding.score < 0.6 && items.length > 1) it.finding.score = 0.6;
        if (it.finding || it.first !== it.last) continue;
        const t = tokens[it.first] as Token;
        // "Bryan and Meierigaten 206": a word before a number is a street, not a name.
        if (/^[ \t]+\d/.test(text.slice(t.end, t.end + 3))) continue;
        const ok =
          t.end - t.start > 1 &&
          !t.upper &&
          !MONTHS_DAYS.has(t.lower) &&
          !NOT_ALONE.has(t.lower) &&
          !SIGN_OFFS.has(t.lower) &&
          (!COMMON.has(t.lower) || (listed(t) && named >= 2));
        if (ok) found.push({ type: 'person', start: t.start, end: t.end, score: 0.6, value: text.slice(t.start, t.end) });
      }
    }
    k = (items[items.length - 1] as { last: number }).last + 1;
  }
}

/** The last token of the list item starting at token `first`: the whole finding there, if any. */
function lastOfItem(tokens: Token[], first: number, f: Finding | undefined): number {
  let last = first;
  if (f) while (last + 1 < tokens.length && (tokens[last + 1] as Token).end <= f.end) last++;
  return last;
}

/** A list separator between two tokens, compared in place (no gap is longer than six characters). */
function listSepBetween(text: string, a: Token, b: Token): boolean {
  const n = b.start - a.end;
  if (n < 1 || n > 6) return false;
  for (const sep of LIST_SEPS) if (sep.length === n && text.startsWith(sep, a.end)) return true;
  return false;
}

/** 'Kim: "Who are you?"' — a capitalised word opening a line of quoted dialogue. */
function dialogueSpeakers(text: string, found: Finding[]): void {
  if (!text.includes(':') || (!text.includes('"') && !text.includes('“'))) return;
  SPEAKER.lastIndex = 0;
  for (let m = SPEAKER.exec(text); m; m = SPEAKER.exec(text)) {
    const name = m[1] as string;
    const start = m.index + m[0].indexOf(name);
    const end = start + name.length;
    // A listed given name that is also a word ("Amber", "Jordan") is the speaker here too.
    const lower = name.toLowerCase();
    if ((COMMON.has(lower) && !GIVEN.has(lower)) || found.some((f) => f.start < end && start < f.end)) continue;
    found.push({ type: 'person', start, end, score: 0.7, value: name });
  }
}
