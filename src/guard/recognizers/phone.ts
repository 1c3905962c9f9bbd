/**
 * Phone numbers in international and national formats. A cheap pattern finds digit runs shaped
 * like phone numbers; libphonenumber-js (full metadata) then checks that the number is valid for
 * its own country code (`+…`/`00…`) or for one of the common regions below.
 */
import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import type { Finding, Recognizer } from '../types.js';
import { luhnValid } from '../validators.js';
import { after, before } from './context.js';
import { mayBeValidIn } from './phone-regions.js';

// Optional +/00 prefix, optional (area), digit groups with space . - / separators, optional extension.
const PHONE =
  /(?<![\w+\-.\/])(?:\+|00)?(?:\(\d{1,5}\)[ .\-]?)?\d(?:[ .\-\/]?\(?\d+\)?){2,11}(?:[ ]?(?:x|ext\.?|#)[ ]?\d{1,6})?(?![\w:]|-\d|[.\/]\d)/g;

/** Regions tried for numbers without a country code, most common first. */
export const REGIONS: readonly CountryCode[] = [
  'US',
  'GB',
  'DE',
  'FR',
  'IN',
  'AU',
  'CA',
  'IT',
  'ES',
  'NL',
  'BR',
  'MX',
  'JP',
  'CH',
  'AT',
  'SE',
  'NO',
  'DK',
  'FI',
  'PL',
  'BE',
  'IE',
  'PT',
  'NZ',
  'ZA',
  'SG',
  'CN',
];

const PHONE_CONTEXT =
  /phone|tel\b|tel\.|telephone|call|mobile|cell|fax|contact|reach|text me|sms|whatsapp|number|dial|ring|hotline|landline|handy|téléphone|teléfono|telefono|telefon|numéro|número/;

/** A bare digit run needs one of these words: "number" alone is too vague. */
const STRONG_PHONE_CONTEXT = /phone|tel\b|tel\.|call|mobile|cell|fax|sms|whatsapp|dial|hotline|handy|téléphone|teléfono|telefono|telefon/;
/** Numbers named as something else right before them. */
const NOT_PHONE_CONTEXT =
  /(?:licen[cs]e|passport|account|acct|order|invoice|ticket|case|policy|serial|tracking|iban|ssn|social security|id)(?: (?:number|no\.?|#))?(?: is| was|:)?\s*$/;

const PHONE_LABEL_AFTER = /^[ \t]*[(\-–,:]?[ \t]*(?:office|fax|mobile|cell|home|work|phone|tel|landline|direct|main)\b/;

/** "(1433-1499)", "1701-1745": a range of years (life dates, reigns), not a number to dial. */
const YEAR_RANGE = /^\(?(?:1[0-9]|20)\d{2}\)?[ ]?[\-–\/][ ]?\(?(?:1[0-9]|20)\d{2}\)?$/;

const DATE = /^(?:\d{4}[\-\/.]\d{1,2}[\-\/.]\d{1,2}|\d{1,2}[\-\/.]\d{1,2}[\-\/.]\d{2,4})$/;

/**
 * Parsing costs ~10 µs per region, and chat clients resend the whole conversation every turn, so
 * the same numbers are checked again and again: remember recent verdicts (bounded, insertion-order
 * eviction). Keys are candidate strings, kept in memory only.
 */
const verdicts = new Map<string, number>();
const MAX_VERDICTS = 512;

function remember(key: string, compute: () => number): number {
  const hit = verdicts.get(key);
  if (hit !== undefined) return hit;
  const v = compute();
  if (verdicts.size >= MAX_VERDICTS) verdicts.delete(verdicts.keys().next().value as string);
  verdicts.set(key, v);
  return v;
}

/** 2: valid for its own country code; 1: possible only; 0: neither. */
function internationalVerdict(intl: string): number {
  return remember(`+${intl}`, () => {
    const parsed = parsePhoneNumberFromString(intl);
    return parsed?.isValid() ? 2 : parsed?.isPossible() ? 1 : 0;
  });
}

function validSomewhere(candidate: string, digits: string): boolean {
  return (
    remember(candidate, () => {
      // The pre-filter rules out most regions for a number valid nowhere, without parsing it.
      for (const region of REGIONS) {
        if (mayBeValidIn(digits, region) && parsePhoneNumberFromString(candidate, region)?.isValid()) return 1;
      }
      return 0;
    }) === 1
  );
}

/**
 * Runs the per-region checks once each way (valid, invalid, international) for every region, twice,
 * so that libphonenumber's and the pre-filter's regexes are compiled (V8 compiles a regex on its
 * first run and again to machine code on its second) at startup rather than during the first
 * request with an unseen number: ~1 ms per region otherwise. Verdicts are not remembered.
 */
export function warmUpPhoneChecks(): void {
  for (let round = 0; round < 2; round++) {
    for (const region of REGIONS) {
      const example = examples[region] ?? '2015550123';
      const reversed = [...example].reverse().join('');
      for (const digits of [example, reversed, `9${example}`, `0${example}`]) {
        if (mayBeValidIn(digits, region)) parsePhoneNumberFromString(digits, region)?.isValid();
      }
      parsePhoneNumberFromString(`+${getCountryCallingCode(region)}${example}`)?.isValid();
    }
  }
}

export const phoneRecognizer: Recognizer = {
  type: 'phone',
  scan(text: string, out: Finding[]): void {
    PHONE.lastIndex = 0;
    for (let m = PHONE.exec(text); m; m = PHONE.exec(text)) {
      const raw = m[0];
      // An extension has an x or a #; most candidates (dates, short numbers) stop at the digit count.
      const main = raw.includes('x') || raw.includes('#') ? raw.replace(/\s*(?:x|ext\.?|#)\s*\d{1,6}$/, '') : raw;
      const count = digitCount(main);
      if (count < 6 || count > 15) continue;
      if (YEAR_RANGE.test(main) || DATE.test(main) || /^\d{4}-\d{2}-\d{2}/.test(main)) continue;
      // Dotted quads are IPs / versions; "123-45-6789" is an SSN; "1,234.56" never reaches here.
      if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(main)) continue;
      if (/^\d{3}[\- ]\d{2}[\- ]\d{4}$/.test(main)) continue; // SSN shape
      // Built after the shape tests, which drop most candidates; it has `count` characters.
      const digits = main.replace(/\D/g, '');
      const separated = /[ .\-\/()]/.test(main);
      const international = main.startsWith('+') || (main.startsWith('00') && count >= 10);
      // A Luhn-valid 13–19 digit run is far more likely a card: let the card recognizer win.
      const cardLike = count >= 13 && luhnValid(digits);
      const preceding = before(text, m.index, 40);
      if (NOT_PHONE_CONTEXT.test(preceding)) continue;
      // Labels after the number, as in contact blocks: "2546712361 fax", "555 0132 (mobile)".
      const labelled = PHONE_LABEL_AFTER.test(after(text, m.index + raw.length, 14));
      const context = labelled || PHONE_CONTEXT.test(preceding);
      let score = 0;
      if (international) {
        const intl = main.startsWith('00') ? `+${main.slice(2)}` : main;
        const verdict = internationalVerdict(intl);
        if (verdict === 2) score = 0.95;
        else if (verdict === 1) score = 0.7;
      } else if (!separated && !labelled && !STRONG_PHONE_CONTEXT.test(preceding)) {
        // A bare digit run (order number, id) is only a phone when the words around say so.
        continue;
      } else if (count >= 7 && validSomewhere(main, digits)) {
        score = context ? 0.95 : 0.75;
      } else if (context && count >= 6) {
        score = 0.6;
      }
      if (score === 0) continue;
      if (cardLike) score = Math.min(score, 0.6);
      out.push({ type: 'phone', start: m.index, end: m.index + raw.length, score, value: raw });
    }
  },
};

function digitCount(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}
