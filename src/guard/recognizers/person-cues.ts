/** Words around a person name: honorifics, introductions and verbs of speech (lower case). */

/** Titles that belong to the mention itself ("Mr. Ford"); the others are greetings or kin words. */
// prettier-ignore
export const HONORIFICS = new Set([
  'mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'professor', 'sir', 'mister', 'herr', 'frau', 'mme', 'mlle',
  'monsieur', 'madame', 'señor', 'señora', 'senor', 'senora', 'sr', 'sra', 'srta', 'signor', 'signora', 'dott', 'doktor', 'dra',
]);

/** Words before a name that make the next capitalised word(s) a name: honorifics, greetings, kin words. */
// prettier-ignore
export const TITLES = new Set([...HONORIFICS, 'madam', 'dottore', 'uncle', 'aunt', 'auntie', 'grandma', 'grandpa', 'dear']);

/**
 * Listed names that are also software, models, products or places people write about far more
 * often than people ("Use Adam with lr 3e-4", "ask Alexa"): never a name on their own.
 */
// prettier-ignore
export const NOT_ALONE = new Set(
  'adam ada julia ruby crystal jenkins travis django flask rails jasmine mocha karma jest hugo jekyll gatsby ember angular alexa siri cortana claude gemini llama mistral falcon watson cassandra kafka hadoop apache ansible helm maven gradle debian ubuntu fedora alpine kali bert roberta ernie elmo pandas keras sage alpaca vicuna orca'.split(
    ' ',
  ),
);

/** Phrases right before a name that accept any capitalised word. */
// prettier-ignore
export const INTRO_STRONG = [
  'my name is', "my name's", 'name:', 'name is', 'named', 'call me', 'calls me', 'called me', 'i am called', 'signed', 'sincerely', 'sincerely,',
  'regards', 'regards,', 'cheers,', 'thanks,', 'from:', 'to:', 'attn:', 'attn', 'attention:', 'contact person:', 'cc:',
  'patient:', 'patient', 'customer:', 'employee:', 'applicant:', 'c/o', 'mi nombre es', "je m'appelle",
  'ich heiße', 'ich heisse', 'mein name ist', 'me llamo', 'mi chiamo', 'je suis', 'soy', 'sono',
  'named him', 'named her', 'name him', 'name her', 'maiden name is', 'surname is', 'last name is', 'first name is',
  'said', 'says', 'asked', 'told', 'shouted at', 'yelled at', 'replied to', 'according to', 'married', 'met with',
  'hi', 'hello', 'hey', 'dear', 'thank you', 'thanks', 'starring', 'directed by', 'written by', 'featuring', 'produced by',
  'commenter', 'producer', 'author', 'writer', 'singer', 'actor', 'actress', 'director', 'founder', 'co-founder',
  'colleague', 'coworker', 'co-worker', 'boss', 'wife', 'husband', 'son', 'daughter', 'brother', 'sister', 'mother', 'father',
  'friend', 'partner', 'nephew', 'niece', 'cousin', 'grandson', 'granddaughter', 'neighbour', 'neighbor', 'landlord', 'tenant',
];
/** Weaker cues: enough only for a known surname standing alone. */
// prettier-ignore
export const INTRO_WEAK = [
  'i am', "i'm", 'this is', "it's", 'meet', 'ask', 'with', 'by', 'and', 'for', 'from', 'to', 'tell', 'met',
  'contact', 'call', 'email', 'mr', 'ms', 'mrs', 'dr',
];
/** Verbs right after a name (a person speaks, acts, is born…). */
// prettier-ignore
export const SPEECH_AFTER = [
  'said', 'says', 'asked', 'told', 'shouted', 'yelled', 'replied', 'wrote', 'explained', 'added', 'noted', 'smiled',
  'laughed', 'whispered', 'spent', 'married', 'was born', 'points out', 'pointed out', 'thinks', 'believes', 'insists',
  'is a very', 'is very', 'just has', 'has given', 'had given', 'and i', 'and me', 'is from',
  'died', 'studied', 'graduated', 'retired', 'painted', 'composed', 'starred', 'grew up', 'was raised', 'was married',
];

/** Whether the text just before `start` ends with one of `phrases` (at a word boundary). */
export function preceded(text: string, start: number, phrases: readonly string[]): boolean {
  // Most words follow a character no phrase ends with: skip the phrase loop.
  const from = Math.max(0, start - 24);
  let k = start - 1;
  while (k >= from && isSpaceAt(text, k)) k--;
  if (k < from) return false;
  const ending = byLastChar(phrases).get(text.charAt(k).toLowerCase());
  if (ending === undefined) return false;
  if (!asciiRange(text, from, k + 1)) return precededUnicode(text.slice(from, k + 1).toLowerCase(), ending);
  // ASCII: compare in place, lower-casing A–Z as we go (no slice, no lower-cased copy).
  const len = k + 1 - from;
  for (const p of ending) {
    const n = p.length;
    if (n > len || !endsAt(text, k, p)) continue;
    if (n === len || !isAsciiAlnum(text.charCodeAt(k - n))) return true;
  }
  return false;
}

function precededUnicode(before: string, phrases: readonly string[]): boolean {
  for (const p of phrases) {
    if (before.endsWith(p)) {
      const c = before.charAt(before.length - p.length - 1);
      if (c === '' || !/[\p{L}\d]/u.test(c)) return true;
    }
  }
  return false;
}

/** `p` (lower case) ends at `last` in `text`, ignoring the case of A–Z in the text. */
function endsAt(text: string, last: number, p: string): boolean {
  for (let x = 0, n = p.length; x < n; x++) {
    let c = text.charCodeAt(last - x);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== p.charCodeAt(n - 1 - x)) return false;
  }
  return true;
}

function isSpaceAt(text: string, k: number): boolean {
  const c = text.charCodeAt(k);
  if (c === 32) return true;
  if (c > 32 && c < 127) return false;
  return /\s/.test(text.charAt(k));
}

const isAsciiAlnum = (c: number): boolean => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122);

function asciiRange(text: string, from: number, to: number): boolean {
  for (let x = from; x < to; x++) if (text.charCodeAt(x) >= 128) return false;
  return true;
}

const byLastCharMaps = new WeakMap<readonly string[], Map<string, string[]>>();
/** A phrase list grouped by last character (lower case), computed once per list: only phrases that can end there are compared. */
function byLastChar(phrases: readonly string[]): Map<string, string[]> {
  let map = byLastCharMaps.get(phrases);
  if (!map) {
    map = new Map();
    for (const p of phrases) {
      const c = p.charAt(p.length - 1);
      map.set(c, [...(map.get(c) ?? []), p]);
    }
    byLastCharMaps.set(phrases, map);
  }
  return map;
}

const byFirstCodeMaps = new WeakMap<readonly string[], Map<number, string[]>>();
/** A phrase list grouped by the char code of its first character, computed once per list. */
function byFirstCode(phrases: readonly string[]): Map<number, string[]> {
  let map = byFirstCodeMaps.get(phrases);
  if (!map) {
    map = new Map();
    for (const p of phrases) map.set(p.charCodeAt(0), [...(map.get(p.charCodeAt(0)) ?? []), p]);
    byFirstCodeMaps.set(phrases, map);
  }
  return map;
}

/** Whether the text right after `end` starts with one of `phrases` (after a space, whole words). */
export function followedBy(text: string, end: number, phrases: readonly string[]): boolean {
  if (text.charCodeAt(end) !== 32) return false;
  const from = end + 1;
  const to = Math.min(text.length, end + 16);
  if (!asciiRange(text, from, to)) return followedByUnicode(text.slice(from, to).toLowerCase(), phrases);
  const len = to - from;
  let first = text.charCodeAt(from);
  if (first >= 65 && first <= 90) first += 32;
  // Only phrases that start with the next character can match (most words are followed by none).
  const starting = byFirstCode(phrases).get(first);
  if (starting === undefined) return false;
  for (const p of starting) {
    const n = p.length;
    if (n > len || !endsAt(text, from + n - 1, p)) continue;
    if (n === len || !isAsciiAlnum(text.charCodeAt(from + n))) return true;
  }
  return false;
}

function followedByUnicode(next: string, phrases: readonly string[]): boolean {
  for (const p of phrases) {
    if (next.startsWith(p)) {
      const c = next.charAt(p.length);
      if (c === '' || !/[\p{L}\d]/u.test(c)) return true;
    }
  }
  return false;
}
