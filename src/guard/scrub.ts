/** Makes text safe to log or store: bounded first, then every finding replaced by its type. */
import type { Scanner } from './scan.js';

/** Scrubbed text keeps at most this many characters of the input. */
export const SCRUB_MAX_CHARS = 4096;
/** Scanned past the cut, so a value that straddles it is still recognized whole. */
const LOOKAHEAD_CHARS = 256;

/** `Failed for jane@x.io` → `Failed for [EMAIL]`; longer input is cut and ends with `…`. */
export function scrubText(text: string, scanner: Scanner): string {
  try {
    const scanned = text.length > SCRUB_MAX_CHARS ? text.slice(0, SCRUB_MAX_CHARS + LOOKAHEAD_CHARS) : text;
    let out = '';
    let pos = 0;
    for (const f of scanner.scan(scanned)) {
      if (f.start >= SCRUB_MAX_CHARS) break;
      out += `${scanned.slice(pos, f.start)}[${f.type.toUpperCase()}]`;
      pos = f.end;
    }
    if (pos < SCRUB_MAX_CHARS) out += scanned.slice(pos, SCRUB_MAX_CHARS);
    return text.length > SCRUB_MAX_CHARS ? `${out}…` : out;
  } catch {
    // A log line must never carry what could not be checked.
    return '[UNSCANNABLE]';
  }
}
