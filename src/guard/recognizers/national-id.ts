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
  /** Cheap test on the whole text before the pattern runs (defaults to the cue, case-insensitive). */
  pre?: RegExp;
  score: number;
}

const NINO_PREFIX_BAD = /^(?:BG|GB|NK|KN|TN|NT|ZZ)/;

// prettier-ignore
const RULES: IdRule[] = [
  // UK National Insurance number: two letters, six digits, A–D (HMRC NIM39110).
  { re: /(?<![\w])[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\w])/g, valid: (s) => !NINO_PREFIX_BAD.test(s), score: 0.8 },
  // UK NHS number: 3-3-4 digits, mod 11.
  { re: /(?<![\w\-])\d{3}[ \-]?\d{3}[ \-]?\d{4}(?![\w]|-\d)/g, valid: ukNhsValid, cue: /\bnhs\b|health (?:service|number)/, score: 0.97 },
  // DE Steuer-ID: 11 digits (often 2-3-3-3), mod 11,10.
  { re: /(?<![\w\-])\d{2} ?\d{3} ?\d{3} ?\d{3}(?![\w]|-\d)/g, valid: deTaxIdValid, cue: /steuer|tax|idnr|identifikationsnummer|tin\b/, score: 0.97 },
  // DE Personalausweis: 9 characters + check digit.
  { re: /(?<![\w])[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}\d(?![\w])/g, valid: deIdCardValid, score: 0.7 },
  // FR NIR: 1 YY MM DD CCC OOO KK, spaced or not.
  { re: /(?<![\w])[12] ?\d{2} ?\d{2} ?(?:\d{2}|2A|2B) ?\d{3} ?\d{3} ?\d{2}(?![\w])/g, valid: frNirValid, score: 0.9 },
  // ES DNI / NIE.
  { re: /(?<![\w])[XYZ]?[\- ]?\d{7,8}[\- ]?[A-Z](?![\w])/g, valid: esDniValid, score: 0.85 },
  // IT codice fiscale.
  { re: /(?<![\w])[A-Z]{6}[\dLMNPQRSTUV]{2}[A-EHLMPR-T][\dLMNPQRSTUV]{2}[A-Z][\dLMNPQRSTUV]{3}[A-Z](?![\w])/gi, valid: itCodiceFiscaleValid, score: 0.9 },
  // NL BSN: 9 digits, elfproef.
  { re: /(?<![\w\-.])\d{4}\.?\d{2}\.?\d{3}(?![\w]|[\-.]\d)/g, valid: nlBsnValid, cue: /bsn|burgerservice|sofi|citizen service/, score: 0.97 },
  // IN Aadhaar: 4-4-4 digits, Verhoeff. Grouped is distinctive; bare needs the word.
  { re: /(?<![\w\-])[2-9]\d{3} \d{4} \d{4}(?![\w]|-\d)/g, valid: inAadhaarValid, score: 0.75 },
  { re: /(?<![\w\-])[2-9]\d{11}(?![\w]|-\d)/g, valid: inAadhaarValid, cue: /aadhaar|aadhar|uidai|uid\b/, score: 0.97 },
  // IN PAN: AAAPA9999A, fourth letter the holder type.
  { re: /(?<![\w])[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z](?![\w])/g, valid: () => true, score: 0.75 },
];

/** Cheap gate: the text has a run of 7+ digits/capitals that every rule needs. */
const HINT = /[\dA-Z]{2}[ \-.]?[\dA-Z]{2}/;

export const nationalIdRecognizer: Recognizer = {
  type: 'national_id',
  scan(text: string, out: Finding[]): void {
    if (!HINT.test(text)) return;
    const lower = text.toLowerCase();
    for (const rule of RULES) {
      if (rule.cue && !rule.cue.test(lower)) continue;
      if (rule.pre && !rule.pre.test(text)) continue;
      rule.re.lastIndex = 0;
      for (let m = rule.re.exec(text); m; m = rule.re.exec(text)) {
        const compact = m[0].replace(/[ \-.]/g, '').toUpperCase();
        if (!rule.valid(compact)) continue;
        if (rule.cue && !rule.cue.test(before(text, m.index, 40))) continue;
        out.push({ type: 'national_id', start: m.index, end: m.index + m[0].length, score: rule.score, value: m[0] });
      }
    }
  },
};
