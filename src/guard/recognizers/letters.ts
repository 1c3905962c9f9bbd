/**
 * Letter classes by char code, for scanners that walk a prompt instead of running a unicode regex
 * over it: ASCII is decided inline, other code points once each (`\p{Lu}`, `\p{L}`) and cached.
 */
const LU = /^\p{Lu}$/u;
const L = /^\p{L}$/u;
const NONE = 1;
const LETTER = 2;
const UPPER = 3;
/** 0 = not looked up yet; BMP only (astral code points are rare enough to test each time). */
const bmpClass = new Uint8Array(0x10000);

function classOf(cp: number): number {
  if (cp < 128) return cp >= 65 && cp <= 90 ? UPPER : cp >= 97 && cp <= 122 ? LETTER : NONE;
  if (cp < 0x10000) {
    const known = bmpClass[cp] as number;
    if (known !== 0) return known;
  }
  const ch = String.fromCodePoint(cp);
  const c = LU.test(ch) ? UPPER : L.test(ch) ? LETTER : NONE;
  if (cp < 0x10000) bmpClass[cp] = c;
  return c;
}

/** `\p{Lu}` for one code point. */
export const isUpperCp = (cp: number): boolean => classOf(cp) === UPPER;
/** `\p{L}` for one code point. */
export const isLetterCp = (cp: number): boolean => classOf(cp) !== NONE;
