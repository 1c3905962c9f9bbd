/**
 * E-mail addresses written to dodge scrapers: "jane dot doe at example dot org", "jane[at]example.org",
 * "jane.doe (at) example (dot) com", "jane @ example.org". Reported as `email`, like plain ones.
 * A bare " at " is taken only when the domain also spells a dot out ("at example dot org"): "look
 * at example.org" is prose.
 */
import type { Finding, Recognizer } from '../types.js';

const DOT = String.raw`(?:[ \t]*[\[\(\{<][ \t]*(?:dot|\.)[ \t]*[\]\)\}>][ \t]*|[ \t]+dot[ \t]+|\.)`;
const AT = String.raw`([ \t]*[\[\(\{<][ \t]*(?:at|@)[ \t]*[\]\)\}>][ \t]*|[ \t]+@[ \t]*|[ \t]*@[ \t]+|[ \t]+at[ \t]+)`;
const PART = String.raw`[A-Za-z0-9][A-Za-z0-9_%+\-]{0,63}`;
const LABEL = String.raw`[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?`;
const OBFUSCATED = new RegExp(
  String.raw`(?<![A-Za-z0-9._%+\-@])${PART}(?:${DOT}${PART}){0,4}${AT}(${LABEL}(?:${DOT}${LABEL}){0,4}?(${DOT})[A-Za-z]{2,24})(?![A-Za-z0-9\-]|\.[A-Za-z0-9])`,
  'gi',
);
/** Cheap gate: an at or dot spelled out or bracketed, or an "@" with a space beside it. */
const HINT = /[\[\(\{<][ \t]*(?:at|@|dot)[ \t]*[\]\)\}>]|[ \t]@|@[ \t]|[ \t]dot[ \t]/i;
const SPELLED_DOT = /[ \t]dot[ \t]|[\[\(\{<][ \t]*(?:dot|\.)[ \t]*[\]\)\}>]/i;

export const obfuscatedEmailRecognizer: Recognizer = {
  type: 'email',
  scan(text: string, out: Finding[]): void {
    if (!HINT.test(text)) return;
    OBFUSCATED.lastIndex = 0;
    for (let m = OBFUSCATED.exec(text); m; m = OBFUSCATED.exec(text)) {
      const at = m[1] as string;
      const domain = m[2] as string;
      const value = m[0];
      // A plain address is the e-mail recognizer's; a bare "at" needs a spelled-out dot after it.
      if (at === '@') continue;
      if (/^[ \t]+at[ \t]+$/i.test(at) && !SPELLED_DOT.test(domain)) {
        OBFUSCATED.lastIndex = m.index + 1;
        continue;
      }
      out.push({ type: 'email', start: m.index, end: m.index + value.length, score: 0.85, value });
    }
  },
};
