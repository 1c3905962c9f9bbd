/** Email addresses (RFC 5322 "dot-atom" subset that real addresses use). */
import type { Finding, Recognizer } from '../types.js';

const EMAIL =
  /(?<![A-Za-z0-9._%+\-])[A-Za-z0-9](?:[A-Za-z0-9._%+\-]{0,63})@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9\-])/g;

export const emailRecognizer: Recognizer = {
  type: 'email',
  scan(text: string, out: Finding[]): void {
    // Run the pattern only in a window around each "@": most text has none, or few.
    let covered = 0;
    for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
      if (at < covered) continue;
      const from = Math.max(covered, at - 65);
      const window = text.slice(from, at + 256);
      EMAIL.lastIndex = 0;
      for (let m = EMAIL.exec(window); m; m = EMAIL.exec(window)) {
        let value = m[0];
        // "a..b@x.com" is not an address; a trailing dot ends the sentence.
        if (value.includes('..')) continue;
        value = value.replace(/\.+$/, '');
        const start = from + m.index;
        out.push({ type: 'email', start, end: start + value.length, score: 0.95, value });
        covered = start + value.length;
        break;
      }
      covered = Math.max(covered, at + 1);
    }
  },
};
