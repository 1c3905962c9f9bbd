/**
 * Payment card numbers: 12–19 digits in groups (space, dash or dot; writers mix them), a known
 * issuer prefix, Luhn valid. 12-digit Maestro numbers need a card word before them.
 */
import { luhnValid } from '../validators.js';
import type { Finding, Recognizer } from '../types.js';
import { before } from './context.js';

// A compact run, or groups each after one space, dash or dot (writers mix them). Every group is
// whole (no optional separators), so a long digit run cannot be split many ways when it fails.
const CARD = /(?<![\d\-+.])(?:\d{12,19}|\d{4}(?:[ \-.]\d{2,7}){1,4})(?![\d]|[\-.]\d)/g;

/**
 * Issuer identification number prefixes of the major networks (ISO/IEC 7812). 2: a network with a
 * narrow prefix; 1: Maestro/UnionPay, whose wide ranges (50, 56–69, 62, 81) catch many invoice and
 * order numbers, so they need a card word nearby; 0: unknown.
 */
function issuerStrength(d: string): number {
  return knownIssuer(d) ? (/^(?:5[06-9]|6[0-9]|81|1800|2131)/.test(d) && !/^(?:6011|65|64[4-9])/.test(d) ? 1 : 2) : 0;
}

function knownIssuer(d: string): boolean {
  const two = Number(d.slice(0, 2));
  const four = Number(d.slice(0, 4));
  const c = d[0];
  if (c === '4') return d.length === 13 || d.length === 16 || d.length === 19; // Visa
  if (two >= 51 && two <= 55) return d.length === 16; // Mastercard
  if (four >= 2221 && four <= 2720) return d.length === 16; // Mastercard 2-series
  if (two === 34 || two === 37) return d.length === 15; // Amex
  if (two === 36 || two === 38 || two === 30 || two === 39) return d.length >= 14 && d.length <= 19; // Diners
  if (two === 35) return d.length >= 16 && d.length <= 19; // JCB
  if (four === 1800 || four === 2131) return d.length === 15; // JCB (old 15-digit ranges)
  if (d.startsWith('6011') || two === 65 || (four >= 6440 && four <= 6499)) return d.length >= 16; // Discover
  if (two === 62 || two === 81) return d.length >= 16; // UnionPay
  if (two === 50 || (two >= 56 && two <= 69)) return d.length >= 12; // Maestro (12–19 digits)
  return false;
}

const CARD_CONTEXT = /card|visa|master|amex|maestro|jcb|credit|debit|payment|pay|cc|kreditkarte|carte|tarjeta|cartão|karta/;

export const creditCardRecognizer: Recognizer = {
  type: 'credit_card',
  scan(text: string, out: Finding[]): void {
    CARD.lastIndex = 0;
    for (let m = CARD.exec(text); m; m = CARD.exec(text)) {
      // Dots between groups are common in prose ("4539.2018.5573.4626"), but "1.234.567" is an amount.
      if (m[0].includes('.') && !/^\d{4}(?:\.\d{4}){2,3}(?:\.\d{1,3})?$/.test(m[0])) continue;
      const digits = m[0].replace(/[ \-.]/g, '');
      if (digits.length < 12 || digits.length > 19) continue;
      const strength = issuerStrength(digits);
      if (strength === 0 || !luhnValid(digits)) continue;
      if (/^(\d)\1+$/.test(digits)) continue;
      const context = CARD_CONTEXT.test(before(text, m.index, 30));
      if (digits.length < 13 && !context) continue;
      // Old 15-digit JCB ranges are rare but narrow: count them without a card word, below the rest.
      const score = context ? 1 : strength === 2 ? 0.9 : /^(?:1800|2131)/.test(digits) ? 0.6 : 0.45;
      out.push({ type: 'credit_card', start: m.index, end: m.index + m[0].length, score, value: m[0] });
    }
  },
};
