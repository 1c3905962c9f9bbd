/** IPv4 and IPv6 addresses; rejects version-string lookalikes (1.2.3, 10.0.0.1.2, "version 1.2.3.4"). */
import { isIPv6 } from 'node:net';
import type { Finding, Recognizer } from '../types.js';
import { before } from './context.js';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\w.\\-])${OCTET}(?:\\.${OCTET}){3}(?:/\\d{1,2})?(?![\\w\\-]|\\.\\d)`, 'g');
/**
 * (?<![\w:.])(?:[0-9A-Fa-f]{1,4}:|::)… with the first character matched before the look-behind: V8
 * then tests the look-behind only where a hex digit or a colon is.
 */
const IPV6 = /(?:[0-9A-Fa-f](?<![\w:.][0-9A-Fa-f])[0-9A-Fa-f]{0,3}:|:(?<![\w:.]:):)[0-9A-Fa-f:.]*[0-9A-Fa-f](?![\w:])/g;
const VERSION_CONTEXT =
  /\b(?:version|ver\.?|\bv|release|build|firmware|rev\.?|revision|update|patch|release|sdk|node|python|java|chrome|firefox|os|ios|android|kernel)\s*[:#]?\s*$/;

export const ipAddressRecognizer: Recognizer = {
  type: 'ip_address',
  scan(text: string, out: Finding[]): void {
    if (text.indexOf('.') >= 0) {
      IPV4.lastIndex = 0;
      for (let m = IPV4.exec(text); m; m = IPV4.exec(text)) {
        if (VERSION_CONTEXT.test(before(text, m.index, 24))) continue;
        out.push({ type: 'ip_address', start: m.index, end: m.index + m[0].length, score: 0.9, value: m[0] });
      }
    }
    const from = ipv6From(text);
    if (from >= 0) {
      IPV6.lastIndex = from;
      for (let m = IPV6.exec(text); m; m = IPV6.exec(text)) {
        const value = m[0];
        if (!isIPv6(value)) continue;
        // "a::b" / "dead::beef" in code or prose: require 3+ groups with hex digits.
        const groups = value.split(':').filter((g) => g.length > 0).length;
        if (groups < 3 && value !== '::1') continue;
        out.push({ type: 'ip_address', start: m.index, end: m.index + value.length, score: 0.9, value });
      }
    }
  },
};

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/**
 * Where an IPv6 match can start at the earliest, or -1 when none can: every match has a colon after a
 * hex digit or a double colon, at most four characters after its start ("Patient:" has neither).
 */
function ipv6From(text: string): number {
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) {
    if ((i > 0 && isHex(text.charCodeAt(i - 1))) || text.charCodeAt(i + 1) === 58) return Math.max(0, i - 4);
  }
  return -1;
}
