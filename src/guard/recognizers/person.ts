/**
 * Person names from curated lists (src/guard/data/names.ts) plus context cues: titles
 * (Mr/Ms/Dr…), introductions ("my name is", "signed"), and capitalised bigrams that start with a
 * known given name or end with a known surname.
 */
import { COMMON_WORDS } from '../data/common-words.js';
import { GIVEN_NAMES, SURNAMES } from '../data/names.js';
import type { Finding, Recognizer } from '../types.js';

const GIVEN = new Set(GIVEN_NAMES.split(' '));
const SURNAME = new Set(SURNAMES.split(' '));
const COMMON = new Set(COMMON_WORDS);

const TITLES = new Set([
  'mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'professor', 'sir', 'madam', 'mister', 'mrs.', 'herr', 'frau',
  'mme', 'mlle', 'monsieur', 'madame', 'señor', 'señora', 'senor', 'senora', 'sr', 'sra', 'signor', 'signora',
  'dott', 'dottore', 'uncle', 'aunt', 'auntie', 'grandma', 'grandpa', 'dear', 'mrs', 'ms', 'doktor',
]);

const ORG_SUFFIX = new Set(['ltd', 'inc', 'llc', 'llp', 'plc', 'gmbh', 'ag', 'sa', 'sas', 'sarl', 'srl', 'spa', 'bv', 'nv', 'corp', 'corporation', 'company', 'co', 'group', 'holdings', 'partners', 'associates', 'foundation', 'university', 'institute', 'bank', 'street', 'avenue', 'road', 'hospital', 'school', 'college']);
const PLACE_PREFIX = new Set(['san', 'santa', 'santo', 'são', 'sao', 'st', 'saint', 'sainte', 'ste', 'new', 'los', 'las', 'el', 'port', 'fort', 'mount', 'mt', 'lake', 'cape', 'bad', 'sankt']);

/** Phrases right before a name; `strong` ones accept any capitalised word. */
const INTRO_STRONG = [
  'my name is', "my name's", 'name:', 'named', 'call me', 'i am called', 'signed', 'sincerely', 'sincerely,',
  'regards', 'regards,', 'cheers,', 'thanks,', 'from:', 'to:', 'attn:', 'attn', 'attention:', 'contact person:',
  'patient:', 'patient', 'customer:', 'employee:', 'applicant:', 'c/o', 'mi nombre es', "je m'appelle",
  'ich heiße', 'ich heisse', 'mein name ist', 'me llamo', 'mi chiamo', 'je suis', 'soy', 'sono',
];
const INTRO_WEAK = [
  'i am', "i'm", 'this is', "it's", 'meet', 'ask', 'with', 'by', 'and', 'for', 'from', 'to', 'hi', 'hello', 'hey',
  'dear', 'thanks', 'contact', 'call', 'email', 'tell', 'told', 'met', 'married', 'mr', 'ms', 'mrs', 'dr',
];

/** Whether the text just before `start` ends with one of `phrases` (at a word boundary). */
function preceded(text: string, start: number, phrases: readonly string[]): boolean {
  const before = text.slice(Math.max(0, start - 24), start).replace(/[\s]+$/, '').toLowerCase();
  for (const p of phrases) {
    if (before.endsWith(p)) {
      const c = before.charAt(before.length - p.length - 1);
      if (c === '' || !/[\p{L}\d]/u.test(c)) return true;
    }
  }
  return false;
}

// Capitalised words only: lower-case text is skipped by the regex engine, which keeps this cheap.
const WORD = /\p{Lu}[\p{L}'’\-]*\.?/gu;
const LOWER_PAIR = /(?<![\p{L}])(\p{Ll}[\p{Ll}'’\-]+) (\p{Ll}[\p{Ll}'’\-]+)(?![\p{L}])/gu;
const PARTICLES = /^ (?:van|von|de|del|der|den|da|di|du|la|le|al|el|bin|ibn|dos|das|do)(?: (?:der|den|la|los|las))? $/;

interface Token {
  start: number;
  end: number;
  lower: string;
  cap: boolean;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m; m = WORD.exec(text)) {
    let w = m[0];
    if (w.endsWith('.')) w = w.slice(0, -1);
    // Possessive: "Liam's" is the name "Liam".
    if (w.endsWith("'s") || w.endsWith('’s')) w = w.slice(0, -2);
    if (w.length === 0) continue;
    const first = w.charAt(0);
    tokens.push({ start: m.index, end: m.index + w.length, lower: w.toLowerCase(), cap: first !== first.toLowerCase() });
  }
  return tokens;
}

/** Only spaces (or a particle like "van der") between tokens, no punctuation: they can be one name. */
function adjacent(text: string, a: Token, b: Token): boolean {
  const gap = b.start - a.end;
  if (gap === 1) return text.charCodeAt(a.end) === 32;
  if (gap === 2) return /^\.? $|^  $/.test(text.slice(a.end, b.start));
  return gap <= 12 && PARTICLES.test(text.slice(a.end, b.start));
}

function isInitial(text: string, t: Token): boolean {
  return t.cap && t.end - t.start === 1 && text.charAt(t.end) === '.';
}

/** Capitalised, and either a listed name or an unknown word (not a common word). */
function nameLike(t: Token): boolean {
  return t.cap && t.end - t.start > 1 && (GIVEN.has(t.lower) || SURNAME.has(t.lower) || !COMMON.has(t.lower));
}

export const personRecognizer: Recognizer = {
  type: 'person',
  scan(text: string, out: Finding[]): void {
    const tokens = tokenize(text);
    let i = 0;
    while (i < tokens.length) {
      const t = tokens[i] as Token;
      let score = 0;
      let j = i; // last token of the span
      let spanStart = t.start;
      const extend = (): void => {
        while (j + 1 < tokens.length && j - i < 3) {
          const a = tokens[j] as Token;
          const b = tokens[j + 1] as Token;
          if (!adjacent(text, a, b)) break;
          if (isInitial(text, b) || ((SURNAME.has(b.lower) || GIVEN.has(b.lower) || !COMMON.has(b.lower)) && b.end - b.start > 1)) j++;
          else break;
        }
      };

      if (TITLES.has(t.lower) && t.cap && i + 1 < tokens.length) {
        const n = tokens[i + 1] as Token;
        if (adjacent(text, t, n) && (nameLike(n) || isInitial(text, n))) {
          i++;
          j = i;
          spanStart = n.start;
          extend();
          score = 0.9;
        }
      } else if (i > 0 && PLACE_PREFIX.has((tokens[i - 1] as Token).lower) && adjacent(text, tokens[i - 1] as Token, t)) {
        // "San Francisco", "St Helena", "New Caledonia": a place, not a person.
      } else if (t.cap && (GIVEN.has(t.lower) || SURNAME.has(t.lower) || !COMMON.has(t.lower))) {
        const given = GIVEN.has(t.lower);
        const surname = SURNAME.has(t.lower);
        const common = COMMON.has(t.lower);
        extend();
        const multi = j > i;
        const lastSurname = multi && SURNAME.has((tokens[j] as Token).lower);
        if (!given && !surname && !multi && t.end - t.start > 1 && preceded(text, t.start, INTRO_STRONG)) score = 0.85;
        else if (!given && !surname && multi && !lastSurname && preceded(text, t.start, INTRO_STRONG)) score = 0.85;
        else if (given && !common) score = multi ? 0.9 : 0.75;
        else if (given && multi && lastSurname) score = 0.8;
        else if (multi && lastSurname && !common) score = 0.8;
        else if (surname && !common) score = multi ? 0.7 : preceded(text, t.start, INTRO_WEAK) ? 0.65 : 0.55;
        else if (multi && given) score = 0.6;
      }
      // "Cantrell Ltd", "Fischer GmbH": a company named after a person.
      if (score > 0 && j + 1 < tokens.length && ORG_SUFFIX.has((tokens[j + 1] as Token).lower) && adjacent(text, tokens[j] as Token, tokens[j + 1] as Token)) {
        score = -1;
      }
      if (score > 0) {
        const end = (tokens[j] as Token).end;
        out.push({ type: 'person', start: spanStart, end, score, value: text.slice(spanStart, end) });
        i = j + 1;
      } else {
        i = score < 0 ? j + 2 : i + 1;
      }
    }
    // Lower-case "given surname" pairs (chat text is often not capitalised): both must be listed.
    LOWER_PAIR.lastIndex = 0;
    for (let m = LOWER_PAIR.exec(text); m; m = LOWER_PAIR.exec(text)) {
      const a = m[1] as string;
      const b = m[2] as string;
      if (GIVEN.has(a) && SURNAME.has(b) && !COMMON.has(a) && !COMMON.has(b)) {
        out.push({ type: 'person', start: m.index, end: m.index + m[0].length, score: 0.6, value: m[0] });
      } else {
        LOWER_PAIR.lastIndex = m.index + a.length + 1; // the second word may start a pair
      }
    }
  },
};
