/**
 * National identity numbers with a checksum or a strict format: UK National Insurance and NHS
 * numbers, DE tax id and identity card, FR NIR, ES DNI/NIE, IT codice fiscale, NL BSN, IN Aadhaar
 * and PAN (US SSNs are the us_ssn recognizer's). Shapes that ordinary numbers also take (9–12 bare
 * digits) count only with a word naming the document before them. Reported as `national_id`.
 */
import {
  deIdCardValid,
  deTaxIdValid,
  esDniValid,
  frNirValid,
  inAadhaarValid,
  itCodiceFiscaleValid,
  nlBsnValid,
  ukNhsValid,
} from '../id-checksums.js';
import type { Finding, Recognizer } from '../types.js';
import { before } from './context.js';

interface IdRule {
  re: RegExp;
  /** Separators removed and upper-cased before this runs. */
  valid: (compact: string) => boolean;
  /** Required words before the match (within 40 characters); absent: the shape is enough. */
  cue?: RegExp;
  score: number;
  /** Fewest digits and capitals a window needs for this rule: a cheap skip before the pattern. */
  digits: number;
  upper?: number;
}

const NINO_PREFIX_BAD = /^(?:BG|GB|NK|KN|TN|NT|ZZ)/;

// prettier-ignore
const RULES: IdRule[] = [
  // UK National Insurance number: two letters, six digits, A–D (HMRC NIM39110).
  { re: /(?<![\w])[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\w])/g, valid: (s) => !NINO_PREFIX_BAD.test(s), score: 0.8, digits: 6, upper: 3 },
  // UK NHS number: 3-3-4 digits, mod 11.
  { re: /(?<![\w\-])\d{3}[ \-]?\d{3}[ \-]?\d{4}(?![\w]|-\d)/g, valid: ukNhsValid, cue: /\bnhs\b|health (?:service|number)/, score: 0.97, digits: 10 },
  // DE Steuer-ID: 11 digits (often 2-3-3-3), mod 11,10.
  { re: /(?<![\w\-])\d{2} ?\d{3} ?\d{3} ?\d{3}(?![\w]|-\d)/g, valid: deTaxIdValid, cue: /steuer|tax|idnr|identifikationsnummer|tin\b/, score: 0.97, digits: 11 },
  // DE Personalausweis: 9 characters + check digit.
  { re: /(?<![\w])[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}\d(?![\w])/g, valid: deIdCardValid, score: 0.7, digits: 1, upper: 1 },
  // FR NIR: 1 YY MM DD CCC OOO KK, spaced or not.
  { re: /(?<![\w])[12] ?\d{2} ?\d{2} ?(?:\d{2}|2A|2B) ?\d{3} ?\d{3} ?\d{2}(?![\w])/g, valid: frNirValid, score: 0.9, digits: 13 },
  // ES DNI / NIE.
  { re: /(?<![\w])[XYZ]?[\- ]?\d{7,8}[\- ]?[A-Z](?![\w])/g, valid: esDniValid, score: 0.85, digits: 7, upper: 1 },
  // IT codice fiscale.
  { re: /(?<![\w])[A-Z]{6}[\dLMNPQRSTUV]{2}[A-EHLMPR-T][\dLMNPQRSTUV]{2}[A-Z][\dLMNPQRSTUV]{3}[A-Z](?![\w])/gi, valid: itCodiceFiscaleValid, score: 0.9, digits: 0 },
  // NL BSN: 9 digits, elfproef.
  { re: /(?<![\w\-.])\d{4}\.?\d{2}\.?\d{3}(?![\w]|[\-.]\d)/g, valid: nlBsnValid, cue: /bsn|burgerservice|sofi|citizen service/, score: 0.97, digits: 9 },
  // IN Aadhaar: 4-4-4 digits, Verhoeff. Grouped is distinctive; bare needs the word.
  { re: /(?<![\w\-])[2-9]\d{3} \d{4} \d{4}(?![\w]|-\d)/g, valid: inAadhaarValid, score: 0.75, digits: 12 },
  { re: /(?<![\w\-])[2-9]\d{11}(?![\w]|-\d)/g, valid: inAadhaarValid, cue: /aadhaar|aadhar|uidai|uid\b/, score: 0.97, digits: 12 },
  // IN PAN: AAAPA9999A, fourth letter the holder type.
  { re: /(?<![\w])[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z](?![\w])/g, valid: () => true, score: 0.75, digits: 4, upper: 6 },
];

/**
 * Where an id can be: a digit, id characters after it, and up to eight characters before it. Every
 * rule's match lies inside such a window, so the rules run on a few short slices, not the prompt.
 */
const WINDOW = /\d[\dA-Za-z \-.]{3,24}/g;

/** Merged [start, end) windows (with one character of margin for the rules' boundary checks). */
export function idWindows(text: string): ReadonlyArray<readonly [number, number]> {
  // National ids and driving licences both ask, one after the other, for the same text.
  if (text === lastText) return lastWindows;
  const windows: Array<[number, number]> = [];
  WINDOW.lastIndex = 0;
  for (let m = WINDOW.exec(text); m; m = WINDOW.exec(text)) {
    // Up to six letters and a separator may come before the first digit ("RSSMRA85…", "AB 12…").
    const s = Math.max(0, m.index - 8);
    const e = Math.min(text.length, m.index + m[0].length + 1);
    const last = windows[windows.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else windows.push([s, e]);
  }
  lastText = text;
  lastWindows = windows;
  return windows;
}
let lastText: string | undefined;
let lastWindows: ReadonlyArray<readonly [number, number]> = [];

/** Drops the remembered text: a prompt must not stay in memory after its scan (scan.ts calls this). */
export function forgetIdWindows(): void {
  lastText = undefined;
  lastWindows = [];
}

export const nationalIdRecognizer: Recognizer = {
  type: 'national_id',
  scan(text: string, out: Finding[]): void {
    const windows = idWindows(text);
    if (windows.length === 0) return;
    for (const [ws, we] of windows) {
      const slice = text.slice(ws, we);
      let digits = 0;
      let upper = 0;
      for (let k = 0; k < slice.length; k++) {
        const c = slice.charCodeAt(k);
        if (c >= 48 && c <= 57) digits++;
        else if (c >= 65 && c <= 90) upper++;
      }
      // Lower-cased only when a rule that needs a cue word gets this far.
      let context: string | undefined;
      for (const rule of RULES) {
        if (digits < rule.digits || upper < (rule.upper ?? 0)) continue;
        if (rule.cue && !rule.cue.test((context ??= text.slice(Math.max(0, ws - 48), we).toLowerCase()))) continue;
        rule.re.lastIndex = 0;
        for (let m = rule.re.exec(slice); m; m = rule.re.exec(slice)) {
          const compact = m[0].replace(/[ \-.]/g, '').toUpperCase();
          if (!rule.valid(compact)) continue;
          const start = ws + m.index;
          if (rule.cue && !rule.cue.test(before(text, start, 40))) continue;
          out.push({ type: 'national_id', start, end: start + m[0].length, score: rule.score, value: m[0] });
        }
      }
    }
  },
};
