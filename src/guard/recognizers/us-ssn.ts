/** US Social Security numbers: AAA-GG-SSSS with SSA structure rules; bare 9 digits only with context. */
import { usSsnValid } from '../validators.js';
import type { Finding, Recognizer } from '../types.js';
import { before } from './context.js';

const SSN = /(?<![\d\-.])(\d{3})([\- ]?)(\d{2})\2(\d{4})(?![\d]|-\d)/g;
const SSN_CONTEXT = /ssn|social security|social sec|\bss#|ss number|taxpayer|tin\b/;

export const usSsnRecognizer: Recognizer = {
  type: 'us_ssn',
  scan(text: string, out: Finding[]): void {
    SSN.lastIndex = 0;
    for (let m = SSN.exec(text); m; m = SSN.exec(text)) {
      const digits = (m[1] ?? '') + (m[3] ?? '') + (m[4] ?? '');
      if (!usSsnValid(digits)) continue;
      const context = SSN_CONTEXT.test(before(text, m.index, 40));
      const sep = m[2];
      let score: number;
      if (sep === '-') score = context ? 1 : 0.85;
      else if (sep === ' ') score = context ? 0.9 : 0.55;
      else score = context ? 0.8 : 0.3;
      out.push({ type: 'us_ssn', start: m.index, end: m.index + m[0].length, score, value: m[0] });
    }
  },
};
