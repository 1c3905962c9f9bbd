/** US Social Security numbers: AAA-GG-SSSS with SSA structure rules; bare 9 digits only with context. */
import { usSsnValid } from '../validators.js';
import type { Finding, Recognizer } from '../types.js';
import { before } from './context.js';

const SSN = /(?<![\d\-.])(\d{3})([\- ]?)(\d{2})\2(\d{4})(?![\d]|-\d)/g;
const SSN_CONTEXT = /ssn|social security|social sec|\bss#|ss number|taxpayer|tin\b|itin/;

export const usSsnRecognizer: Recognizer = {
  type: 'us_ssn',
  scan(text: string, out: Finding[]): void {
    SSN.lastIndex = 0;
    for (let m = SSN.exec(text); m; m = SSN.exec(text)) {
      const digits = (m[1] ?? '') + (m[3] ?? '') + (m[4] ?? '');
      const context = SSN_CONTEXT.test(before(text, m.index, 40));
      // Named as an SSN/ITIN and dashed, a 9xx number (the IRS's ITIN range, never an SSA area) is
      // still a taxpayer's identifier: mask it. Zero groups stay invalid.
      const itin = context && m[2] === '-' && /^9\d{2}-(?!00)\d{2}-(?!0000)\d{4}$/.test(m[0]);
      if (!usSsnValid(digits) && !itin) continue;
      const sep = m[2];
      let score: number;
      if (sep === '-') score = context ? 1 : 0.85;
      else if (sep === ' ') score = context ? 0.9 : 0.55;
      else score = context ? 0.8 : 0.3;
      out.push({ type: 'us_ssn', start: m.index, end: m.index + m[0].length, score, value: m[0] });
    }
  },
};
