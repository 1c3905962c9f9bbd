/** IBANs: country code, check digits, BBAN; country length and mod-97 checked (any case, spaced or not). */
import { IBAN_LENGTHS, ibanValid } from '../validators.js';
import type { Finding, Recognizer } from '../types.js';

// The first letter before the look-behind (not after a letter or digit): V8 then skips ahead to
// letters instead of testing the look-behind at every character.
const IBAN = /[A-Za-z](?<![A-Za-z0-9][A-Za-z])[A-Za-z]\d{2}(?: ?[A-Za-z0-9]){11,30}/g;

export const ibanRecognizer: Recognizer = {
  type: 'iban',
  scan(text: string, out: Finding[]): void {
    IBAN.lastIndex = 0;
    for (let m = IBAN.exec(text); m; m = IBAN.exec(text)) {
      const expected = IBAN_LENGTHS[m[0].slice(0, 2).toUpperCase()];
      if (expected === undefined) {
        IBAN.lastIndex = m.index + 1;
        continue;
      }
      // The pattern may run into the next word ("… 00 and"); cut at exactly the country length.
      let count = 0;
      let end = m.index;
      const raw = m[0];
      let i = 0;
      for (; i < raw.length && count < expected; i++) if (raw[i] !== ' ') count++;
      end = m.index + i;
      const next = text.charCodeAt(end);
      const boundary = Number.isNaN(next) || !/[A-Za-z0-9]/.test(String.fromCharCode(next));
      const value = text.slice(m.index, end);
      if (count === expected && boundary && ibanValid(value.replace(/ /g, ''))) {
        out.push({ type: 'iban', start: m.index, end, score: 1, value });
        IBAN.lastIndex = end;
      } else {
        IBAN.lastIndex = m.index + 1;
      }
    }
  },
};
