/**
 * Names in lower-case chat text ("mr. martin", "follow up with tracy wiśniewska", "michael is
 * late"). Without capitals the only evidence is the lists and the words around, so this is
 * stricter than the capitalised pass: a given name must not also be an everyday word.
 */
import type { Finding } from '../types.js';
import { HONORIFICS, INTRO_STRONG, NOT_ALONE, preceded } from './person-cues.js';
import type { WordLookup } from '../data/word-table.js';

const LOWER_WORD = /(?<![\p{L}\d_@.\/\\-])\p{Ll}[\p{Ll}'’\-]*(?![\p{L}\d_@]|\.\p{L})/gu;

/** Given names that are everyday English words in lower case (capitalised they still count). */
export const EVERYDAY = new Set(
  (
    'drew chase grant candy coral fern flora jewel honey ginger sage harley haven heaven nova willow rowan reed lane mack page ' +
    'sandy rusty misty dusty lance miles buddy sonny junior rich frank earnest major duke king prince jack bill penny buck carol ' +
    'cliff dale glen gene jean lacy lynn ward wade faith hope grace joy destiny harmony melody precious august april june may ' +
    'summer winter autumn story sunny storm river brook brooks lincoln kent york paris china india asia jersey dallas austin ' +
    'houston sydney london chelsea angel mercedes beau alma rosa luz paz sol mark will ray art don guy pat sue max bob rob ' +
    'tom ted sam ben dan jan ken kim lee roy rod val vic amber ruby pearl iris ivy lily rose violet daisy dawn eve skye sky ' +
    'bunny pepper cherry olive hazel clay colt cash gray grey blue hunter mason carter taylor cooper parker tanner porter ' +
    'baker fisher miller walker turner cole bishop dean deacon knight pierce royal noble justice liberty trinity genesis ' +
    'london memphis phoenix denver aurora eden zion nelson wilson cliff forest rocky randy marina savannah sierra tia ' +
    'ava rain reign bliss cruz sterling stone flint gunner ranger rebel ace blaze bolt bear fox wolf hawk jay robin ' +
    'christian christy jesus cristal nicky bill billy jimmy tommy johnny teddy happy lucky bud buster champ'
  ).split(' '),
);

const SENTENCE_START = /(?:^|[.!?:\n][ \t>"'“(]*)(\p{L})/gu;

/**
 * Whether the text is written without capitals (chat style): sentence starts are mostly lower
 * case. In properly capitalised text a lower-case word is not a name, so the (costlier, noisier)
 * lower-case pass is skipped there.
 */
export function looksLowerCase(text: string): boolean {
  // The address and person recognizers both ask, one after the other, for the same text.
  if (text !== lastText) {
    lastVerdict = countSentenceStarts(text);
    lastText = text;
  }
  return lastVerdict;
}
let lastText: string | undefined;
let lastVerdict = false;

/** Drops the remembered text: a prompt must not stay in memory after its scan (scan.ts calls this). */
export function forgetLowerCaseVerdict(): void {
  lastText = undefined;
}

function countSentenceStarts(text: string): boolean {
  let lower = 0;
  let upper = 0;
  SENTENCE_START.lastIndex = 0;
  for (let m = SENTENCE_START.exec(text); m; m = SENTENCE_START.exec(text)) {
    const c = m[1] as string;
    if (c === c.toUpperCase()) upper++;
    else lower++;
    if (upper > 8 && upper > 4 * lower) return false;
  }
  return lower > 0 && lower >= upper;
}

export function lowerCaseNames(text: string, given: WordLookup, surname: WordLookup, common: WordLookup, out: Finding[]): void {
  const words: Array<{ start: number; end: number; w: string }> = [];
  LOWER_WORD.lastIndex = 0;
  for (let m = LOWER_WORD.exec(text); m; m = LOWER_WORD.exec(text)) {
    let w = m[0];
    if (w.endsWith("'s") || w.endsWith('’s')) w = w.slice(0, -2);
    words.push({ start: m.index, end: m.index + w.length, w });
  }
  const gapIsSpace = (a: { end: number }, b: { start: number }): boolean => b.start - a.end === 1 && text.charCodeAt(a.end) === 32;
  const nameWord = (w: string): boolean => (given.has(w) || surname.has(w)) && !common.has(w) && !EVERYDAY.has(w);
  const unknownWord = (w: string): boolean =>
    w.length >= 3 && !common.has(w) && !EVERYDAY.has(w) && !/(?:ed|ing|ly|tion|ment|ness|able|ful)$/.test(w);

  for (let k = 0; k < words.length; k++) {
    const a = words[k] as { start: number; end: number; w: string };
    const b = words[k + 1];
    // "mr. martin", "dr. chad farmer"
    if (HONORIFICS.has(a.w) && b) {
      const sep = text.slice(a.end, b.start);
      if ((sep === '. ' || sep === ' ') && b.w.length >= 2 && (nameWord(b.w) || given.has(b.w) || surname.has(b.w) || unknownWord(b.w))) {
        let end = b.end;
        const c = words[k + 2];
        if (c && gapIsSpace(b, c) && (surname.has(c.w) || (given.has(b.w) && unknownWord(c.w)))) end = c.end;
        out.push({ type: 'person', start: a.start, end, score: 0.8, value: text.slice(a.start, end) });
        k = end === b.end ? k + 1 : k + 2;
        continue;
      }
    }
    if (!given.has(a.w) || a.w.length < 3 || common.has(a.w) || EVERYDAY.has(a.w) || NOT_ALONE.has(a.w)) {
      // An unknown word after a strong cue ("my name is zanzibar"): only with a listed surname next.
      if (b && gapIsSpace(a, b) && unknownWord(a.w) && nameWord(b.w) && surname.has(b.w) && preceded(text, a.start, INTRO_STRONG)) {
        out.push({ type: 'person', start: a.start, end: b.end, score: 0.7, value: text.slice(a.start, b.end) });
        k++;
      }
      continue;
    }
    // A listed given name: with a listed surname or an unknown word next, or alone.
    if (b && gapIsSpace(a, b) && (surname.has(b.w) || unknownWord(b.w)) && !given.has(b.w + '_')) {
      const strong = surname.has(b.w) && !common.has(b.w);
      out.push({ type: 'person', start: a.start, end: b.end, score: strong ? 0.7 : 0.6, value: text.slice(a.start, b.end) });
      k++;
      continue;
    }
    out.push({ type: 'person', start: a.start, end: a.end, score: 0.55, value: a.w });
  }
}
