/** Makes text safe to log or store: bounded first, then every finding replaced by its type. */
import type { Scanner } from './scan.js';

/** Scrubbed text keeps at most this many characters of the input. */
export const SCRUB_MAX_CHARS = 4096;

/** `Failed for jane@x.io` → `Failed for [EMAIL]`; longer input is cut and ends with `…`. */
export function scrubText(text: string, scanner: Scanner): string {
  const bounded = text.length > SCRUB_MAX_CHARS ? `${text.slice(0, SCRUB_MAX_CHARS)}…` : text;
  try {
    let out = '';
    let pos = 0;
    for (const f of scanner.scan(bounded)) {
      out += `${bounded.slice(pos, f.start)}[${f.type.toUpperCase()}]`;
      pos = f.end;
    }
    return out + bounded.slice(pos);
  } catch {
    // A log line must never carry what could not be checked.
    return '[UNSCANNABLE]';
  }
}
