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
  /** More of the window's counts (IdWindow) the pattern needs: most windows fail one, and the pattern is not run there. */
  needs?: (w: IdWindow) => boolean;
}

const NINO_PREFIX_BAD = /^(?:BG|GB|NK|KN|TN|NT|ZZ)/;

// prettier-ignore
const RULES: IdRule[] = [
  // UK National Insurance number: two letters, six digits, A–D (HMRC NIM39110).
  { re: /(?<![\w])[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\w])/g, valid: (s) => !NINO_PREFIX_BAD.test(s), score: 0.8, digits: 6, upper: 3, needs: (w) => w.capsDigit },
  // UK NHS number: 3-3-4 digits, mod 11.
  { re: /(?<![\w\-])\d{3}[ \-]?\d{3}[ \-]?\d{4}(?![\w]|-\d)/g, valid: ukNhsValid, cue: /\bnhs\b|health (?:service|number)/, score: 0.97, digits: 10 },
  // DE Steuer-ID: 11 digits (often 2-3-3-3), mod 11,10.
  { re: /(?<![\w\-])\d{2} ?\d{3} ?\d{3} ?\d{3}(?![\w]|-\d)/g, valid: deTaxIdValid, cue: /steuer|tax|idnr|identifikationsnummer|tin\b/, score: 0.97, digits: 11, needs: (w) => w.spacedDigits >= 11 },
  // DE Personalausweis: 9 characters + check digit.
  { re: /(?<![\w])[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}\d(?![\w])/g, valid: deIdCardValid, score: 0.7, digits: 1, upper: 1, needs: (w) => w.capsRun >= 10 },
  // FR NIR: 1 YY MM DD CCC OOO KK, spaced or not.
  { re: /(?<![\w])[12] ?\d{2} ?\d{2} ?(?:\d{2}|2A|2B) ?\d{3} ?\d{3} ?\d{2}(?![\w])/g, valid: frNirValid, score: 0.9, digits: 13, needs: (w) => w.spacedDigits >= 13 },
  // ES DNI / NIE.
  { re: /(?<![\w])[XYZ]?[\- ]?\d{7,8}[\- ]?[A-Z](?![\w])/g, valid: esDniValid, score: 0.85, digits: 7, upper: 1, needs: (w) => w.digitRun >= 7 },
  // IT codice fiscale.
  { re: /(?<![\w])[A-Z]{6}[\dLMNPQRSTUV]{2}[A-EHLMPR-T][\dLMNPQRSTUV]{2}[A-Z][\dLMNPQRSTUV]{3}[A-Z](?![\w])/gi, valid: itCodiceFiscaleValid, score: 0.9, digits: 0, needs: (w) => w.alnumRun >= 16 },
  // NL BSN: 9 digits, elfproef.
  { re: /(?<![\w\-.])\d{4}\.?\d{2}\.?\d{3}(?![\w]|[\-.]\d)/g, valid: nlBsnValid, cue: /bsn|burgerservice|sofi|citizen service/, score: 0.97, digits: 9 },
  // IN Aadhaar: 4-4-4 digits, Verhoeff. Grouped is distinctive; bare needs the word.
  { re: /(?<![\w\-])[2-9]\d{3} \d{4} \d{4}(?![\w]|-\d)/g, valid: inAadhaarValid, score: 0.75, digits: 12, needs: (w) => w.spacedDigits >= 12 },
  { re: /(?<![\w\-])[2-9]\d{11}(?![\w]|-\d)/g, valid: inAadhaarValid, cue: /aadhaar|aadhar|uidai|uid\b/, score: 0.97, digits: 12, needs: (w) => w.digitRun >= 12 },
  // IN PAN: AAAPA9999A, fourth letter the holder type.
  { re: /(?<![\w])[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z](?![\w])/g, valid: () => true, score: 0.75, digits: 4, upper: 6, needs: (w) => w.capsRun >= 10 },
];
/** Every rule's cue at once: most windows have none, and then one search replaces one per cued rule. */
const ANY_CUE = new RegExp(RULES.flatMap((r) => (r.cue ? [r.cue.source] : [])).join('|'));

/**
 * Where an id can be: a digit, id characters after it, and up to eight characters before it. Every
 * rule's match lies inside such a window, so the rules run on a few short slices, not the prompt.
 */
const WINDOW = /\d[\dA-Za-z \-.]{3,24}/g;

/**
 * A merged window (with one character of margin for the rules' boundary checks) and counts over
 * it that each rule's pattern needs (a run of ten capitals/digits, twelve digits in groups…).
 */
export interface IdWindow {
  start: number;
  end: number;
  digits: number;
  /** Capitals A–Z. */
  upper: number;
  /** Longest runs of digits, of [A-Z0-9], of [A-Za-z0-9]. */
  digitRun: number;
  capsRun: number;
  alnumRun: number;
  /** Most digits in a stretch of digits, single spaces and A/B ("4539 2018 5573 4626", "2 84 12 2A…"). */
  spacedDigits: number;
  /** Two capitals right before a digit, or before one space and a digit ("AB12", "QQ 12"). */
  capsDigit: boolean;
}

/** The windows of `text`, with their counts. */
export function idWindows(text: string): readonly IdWindow[] {
  // National ids and driving licences both ask, one after the other, for the same text.
  if (text === lastText) return lastWindows;
  const windows: IdWindow[] = [];
  WINDOW.lastIndex = 0;
  for (let m = WINDOW.exec(text); m; m = WINDOW.exec(text)) {
    // Up to six letters and a separator may come before the first digit ("RSSMRA85…", "AB 12…").
    const s = Math.max(0, m.index - 8);
    const e = Math.min(text.length, m.index + m[0].length + 1);
    const last = windows[windows.length - 1];
    if (last && s <= last.end) last.end = Math.max(last.end, e);
    else windows.push({ start: s, end: e, digits: 0, upper: 0, digitRun: 0, capsRun: 0, alnumRun: 0, spacedDigits: 0, capsDigit: false });
  }
  for (const w of windows) count(text, w);
  lastText = text;
  lastWindows = windows;
  return windows;
}
let lastText: string | undefined;
let lastWindows: readonly IdWindow[] = [];

function count(text: string, w: IdWindow): void {
  // Current runs: digits, [A-Z0-9], [A-Za-z0-9], digits of a spaced stretch, capitals (and capitals before one space).
  let d = 0;
  let caps = 0;
  let alnum = 0;
  let spaced = 0;
  let space = false;
  let up = 0;
  let upSpace = 0;
  for (let k = w.start; k < w.end; k++) {
    const c = text.charCodeAt(k);
    if (c >= 48 && c <= 57) {
      w.digits++;
      d++;
      caps++;
      alnum++;
      spaced++;
      space = false;
      if (up >= 2 || upSpace >= 2) w.capsDigit = true;
      up = 0;
      upSpace = 0;
    } else if (c >= 65 && c <= 90) {
      w.upper++;
      d = 0;
      caps++;
      alnum++;
      if (c !== 65 && c !== 66) spaced = 0;
      space = false;
      up++;
      upSpace = 0;
    } else {
      d = 0;
      caps = 0;
      alnum = c >= 97 && c <= 122 ? alnum + 1 : 0;
      if (c !== 32 || space) spaced = 0;
      space = c === 32;
      upSpace = c === 32 ? up : 0;
      up = 0;
    }
    if (d > w.digitRun) w.digitRun = d;
    if (caps > w.capsRun) w.capsRun = caps;
    if (alnum > w.alnumRun) w.alnumRun = alnum;
    if (spaced > w.spacedDigits) w.spacedDigits = spaced;
  }
}

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
    for (const w of windows) {
      const ws = w.start;
      let slice: string | undefined;
      // Lower-cased only when a rule that needs a cue word gets this far.
      let context: string | undefined;
      let anyCue: boolean | undefined;
      for (const rule of RULES) {
        if (w.digits < rule.digits || w.upper < (rule.upper ?? 0) || (rule.needs && !rule.needs(w))) continue;
        if (rule.cue) {
          context ??= text.slice(Math.max(0, ws - 48), w.end).toLowerCase();
          if (!(anyCue ??= ANY_CUE.test(context)) || !rule.cue.test(context)) continue;
        }
        slice ??= text.slice(ws, w.end);
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
