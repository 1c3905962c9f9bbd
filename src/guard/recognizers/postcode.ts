/**
 * Postcodes next to a place name with no cue word: "ARENDAL 4844" (Nordic address lines put the
 * city in capitals), "in Tartu 50090", "Brno, 602 00". Reported as `postcode`. Cued postcodes
 * ("zip code 70637") and those inside an address block are the address recognizer's.
 */
import type { Finding, Recognizer } from '../types.js';
import { gatedRegex } from './gated-regex.js';

const CODE = String.raw`(\d{4,5}|\d{3} \d{2})(?![\p{L}\d]|[.,\-\/]\d)`;
/** A city in capitals (one or two words) right before the code. */
const UPPER_CITY_CODE = gatedRegex(
  new RegExp(String.raw`(?<![\p{L}\d])\p{Lu}{3,40}(?:[ \-]\p{Lu}{2,40})?,?[ \t]+${CODE}`, 'gu'),
  // The same over plain ranges (any non-ASCII character may be a capital), up to three digits; the
  // first capital before the look behind it, so V8 skips ahead to capitals.
  /[A-Z\x80-\uffff](?<![A-Za-z\d][A-Z\x80-\uffff])[A-Z\x80-\uffff]{2,39}(?:[ \-][A-Z\x80-\uffff]{2,40})?,?[ \t]+\d{3}/g,
);
/** A capitalised city after "in/to/from/at" or a comma, then the code. */
const CITY_CODE = gatedRegex(
  new RegExp(
    String.raw`(?:(?<![\p{L}])(?:in|to|from|at|near|of)[ \t]+|,[ \t]*)\p{Lu}\p{Ll}[\p{L}'’\-]{0,40}(?:[ \-]\p{Lu}\p{Ll}[\p{L}'’\-]{0,40})?,?[ \t]+${CODE}`,
    'gu',
  ),
  /(?:(?<![A-Za-z])(?:in|to|from|at|near|of)[ \t]+|,[ \t]*)[A-Z\x80-\uffff][a-z\x80-\uffff][A-Za-z\x80-\uffff'\-]{0,40}(?:[ \-][A-Z\x80-\uffff][a-z\x80-\uffff][A-Za-z\x80-\uffff'\-]{0,40})?,?[ \t]+\d{3}/g,
);
/** Capitals + number that are standards, versions or products, not places. */
const NOT_CITY =
  /^(?:ISO|RFC|IEEE|ANSI|DIN|IEC|ECMA|PEP|CVE|SKU|ISBN|ISSN|EAN|UPC|SQL|HTTP|HTTPS|TCP|UDP|PORT|COVID|WINDOWS|OFFICE|MODEL|TYPE|FORM|PAGE|ROOM|ORDER|ITEM|CODE|PIN|YEAR|SEASON|VERSION|SECTION|CHAPTER|ARTICLE|ISS)$/;
const YEAR = /^(?:1[5-9]|20)\d{2}$/;
const NOT_CITY_MIXED =
  /^(?:Windows|Office|Python|Java|Version|Chapter|Section|Page|Room|Model|Type|Form|Article|Order|Item|Summer|Winter|Spring|Autumn|Fall|Q[1-4])$/;

function emit(text: string, m: RegExpExecArray, out: Finding[], score: number): void {
  const code = m[1] as string;
  const start = m.index + m[0].length - code.length;
  out.push({ type: 'postcode', start, end: start + code.length, score, value: code });
}

export const postcodeRecognizer: Recognizer = {
  type: 'postcode',
  scan(text: string, out: Finding[]): void {
    // A capital, letters, then three digits (plain ranges: cheaper than \p{Lu} over the whole text).
    // Runs are bounded (no place name is longer): an unbounded one backtracks quadratically over a
    // long run of letters with no digits after it.
    if (!/[A-Z\x80-\uffff][A-Za-z\x80-\uffff,]{0,80}[ \t]+\d{3}/.test(text)) return;
    UPPER_CITY_CODE.lastIndex = 0;
    for (let m = UPPER_CITY_CODE.exec(text); m; m = UPPER_CITY_CODE.exec(text)) {
      const city = m[0].slice(0, m[0].length - (m[1] as string).length).replace(/[ \t,]+$/, '');
      if (NOT_CITY.test(city.split(/[ \-]/)[0] as string)) continue;
      emit(text, m, out, 0.65);
    }
    CITY_CODE.lastIndex = 0;
    for (let m = CITY_CODE.exec(text); m; m = CITY_CODE.exec(text)) {
      const code = m[1] as string;
      const city = /\p{Lu}[\p{L}'’\-]*/u.exec(m[0])?.[0] ?? '';
      if (YEAR.test(code) || NOT_CITY_MIXED.test(city)) continue;
      emit(text, m, out, 0.6);
    }
  },
};
