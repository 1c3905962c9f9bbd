/**
 * Word lists held compactly: ~48,000 names as one UTF-8 byte array and one open-addressing hash
 * table of offsets, instead of Sets of ~48,000 strings (docs/performance.md, "Memory", fourth round:
 * the Sets and the source text they were split from held 4.7 MB of heap; this holds 0.7 MB, outside
 * the JS heap).
 *
 * Layout: `bytes` holds each distinct word once, in UTF-8, followed by one byte < 0x20 whose bits
 * say which lists hold it (up to five lists, so the byte never reads as a letter). A slot of
 * `slots` is 0 (empty) or the word's offset + 1 in its low 24 bits and the top 8 bits of its hash
 * (a fingerprint that skips most comparisons). A look-up hashes the JS string's UTF-8 encoding as
 * it reads its characters, probes linearly, and compares in place: no string is built.
 */

/** Bits a list can carry: the byte after each word stays below 0x20 (space). */
const MAX_BITS = 0x1f;
const OFFSET_MASK = 0xffffff;

/** FNV-1a over bytes, then a final mix so the low bits (the slot) and the top bits (fingerprint) both vary. */
const FNV_OFFSET = 0x811c9dc5;
const step = (h: number, b: number): number => Math.imul(h ^ b, 0x01000193);
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** The code point at `i` of `s` (a surrogate pair as one), or the lone surrogate's code unit. */
function codePointAt(s: string, i: number, to: number, c: number): number {
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return c;
}

/**
 * Hash of the UTF-8 encoding of s[from, to); a lone surrogate counts as its three-byte form, which no
 * list holds. Exported for tests.
 */
export function hashOf(s: string, from: number, to: number): number {
  let h = FNV_OFFSET;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      h = step(h, c);
    } else if (c < 0x800) {
      h = step(step(h, 0xc0 | (c >> 6)), 0x80 | (c & 0x3f));
    } else {
      const p = codePointAt(s, i, to, c);
      if (p > 0xffff) {
        i++;
        h = step(step(step(step(h, 0xf0 | (p >> 18)), 0x80 | ((p >> 12) & 0x3f)), 0x80 | ((p >> 6) & 0x3f)), 0x80 | (p & 0x3f));
      } else {
        h = step(step(step(h, 0xe0 | (p >> 12)), 0x80 | ((p >> 6) & 0x3f)), 0x80 | (p & 0x3f));
      }
    }
  }
  return finish(h);
}

/**
 * Where the bits byte of the word at `at` is when that word is s[from, to) in UTF-8, else -1. A
 * longer word fails at the stored word's bits byte, a shorter one at the check after the loop.
 */
function matchEnd(bytes: Uint8Array, at: number, s: string, from: number, to: number): number {
  let j = at;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (bytes[j++] !== c) return -1;
    } else if (c < 0x800) {
      if (bytes[j] !== (0xc0 | (c >> 6)) || bytes[j + 1] !== (0x80 | (c & 0x3f))) return -1;
      j += 2;
    } else {
      const p = codePointAt(s, i, to, c);
      if (p > 0xffff) {
        i++;
        if (bytes[j] !== (0xf0 | (p >> 18)) || bytes[j + 1] !== (0x80 | ((p >> 12) & 0x3f))) return -1;
        if (bytes[j + 2] !== (0x80 | ((p >> 6) & 0x3f)) || bytes[j + 3] !== (0x80 | (p & 0x3f))) return -1;
        j += 4;
      } else {
        if (bytes[j] !== (0xe0 | (p >> 12)) || bytes[j + 1] !== (0x80 | ((p >> 6) & 0x3f)) || bytes[j + 2] !== (0x80 | (p & 0x3f))) return -1;
        j += 3;
      }
    }
  }
  return (bytes[j] as number) <= MAX_BITS ? j : -1;
}

/** One source list: its UTF-8 text (one word per line; blank lines and lines starting with `#` are skipped) and its bits. */
export interface WordList {
  text: Uint8Array;
  bits: number;
}

const LF = 0x0a;
const CR = 0x0d;
const HASH = 0x23;

export class WordTable {
  private readonly bytes: Uint8Array;
  private readonly slots: Uint32Array;
  private readonly mask: number;
  /** How many distinct words carry each bit (index: the bit's position). */
  private readonly counts = new Uint32Array(5);
  private lastWord = '';
  private lastBits = 0;

  constructor(lists: readonly WordList[]) {
    let lines = 0;
    let total = 0;
    for (const { text, bits } of lists) {
      if (bits <= 0 || bits > MAX_BITS) throw new RangeError(`list bits must be in 1..${MAX_BITS}: ${bits}`);
      for (let i = text.indexOf(LF); i !== -1; i = text.indexOf(LF, i + 1)) lines++;
      lines++;
      total += text.length + 1;
    }
    if (total > OFFSET_MASK - 1) throw new RangeError('word lists too large for 24-bit offsets');
    // At most ~83% full counting every line (the shipped lists: 48,300 distinct names in 65,536
    // slots, 74%). Half full would cost 256 KB more for ~10% faster look-ups of unlisted words, which
    // the person recognizer does not notice (docs/performance.md, "Memory", fourth round).
    let capacity = 1024;
    while (capacity < lines * 1.2) capacity *= 2;
    this.slots = new Uint32Array(capacity);
    this.mask = capacity - 1;
    const out = new Uint8Array(total);
    let end = 0;
    for (const { text, bits } of lists) {
      for (let from = 0; from < text.length; ) {
        let to = text.indexOf(LF, from);
        if (to === -1) to = text.length;
        const next = to + 1;
        if (to > from && text[to - 1] === CR) to--;
        if (to > from && text[from] !== HASH) end = this.insert(out, end, text, from, to, bits);
        from = next;
      }
    }
    // Copied to its exact length: the scratch buffer sized for duplicates and comments is dropped.
    this.bytes = out.slice(0, end);
  }

  /** Adds text[from, to) with `bits`, or adds the bits to the word when present; returns the new end of `out`. */
  private insert(out: Uint8Array, end: number, text: Uint8Array, from: number, to: number, bits: number): number {
    // Copied to the end of `out` while hashing (one pass over the bytes); kept there only if new.
    const len = to - from;
    let h = FNV_OFFSET;
    for (let k = 0; k < len; k++) {
      const b = text[from + k] as number;
      // A byte at or below space would end the word early in the table (tab, control characters).
      if (b <= 0x20) throw new RangeError(`a listed word holds a space or control character at byte ${from + k}`);
      out[end + k] = b;
      h = step(h, b);
    }
    h = finish(h);
    const fp = h >>> 24;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const slot = this.slots[i] as number;
      if (slot === 0) {
        out[end + len] = bits;
        this.slots[i] = ((fp << 24) | (end + 1)) >>> 0;
        this.count(bits, 1);
        return end + len + 1;
      }
      if (slot >>> 24 !== fp) continue;
      const at = (slot & OFFSET_MASK) - 1;
      const old = out[at + len] as number;
      if (old > MAX_BITS) continue;
      let k = 0;
      while (k < len && out[at + k] === out[end + k]) k++;
      if (k === len) {
        out[at + len] = old | bits;
        this.count(bits & ~old, 1);
        return end;
      }
    }
  }

  /** Adds `n` to the count of each bit in `bits`. */
  private count(bits: number, n: number): void {
    for (let k = 0; k < 5; k++) if (bits & (1 << k)) (this.counts[k] as number) += n;
  }

  /** The bits of the lists that hold `word` (0 when none does). */
  bitsOf(word: string): number {
    // The recognizers ask about one word several times in a row (GIVEN, then SURNAME, CURATED…),
    // where a Set would reuse the hash V8 caches in the string. Only short words are remembered:
    // V8 copies a string under 13 characters when slicing it, so this never keeps a prompt alive.
    if (word === this.lastWord) return this.lastBits;
    const bits = this.find(word);
    if (word.length < 13) {
      this.lastWord = word;
      this.lastBits = bits;
    }
    return bits;
  }

  /**
   * Look-ups until V8 has optimised them, as it would during the first requests otherwise (the
   * guard's warm-up scan makes too few): words of one to four UTF-8 bytes per character, listed
   * and not, one-byte and two-byte strings. A few milliseconds, once. Returns the bits found (tests).
   */
  warmUp(): number {
    const words = ['anna', 'smith', 'the', 'customer', 'zoë', 'иван', 'петрова', 'אבי', '王', '김민준', 'ab\ud800', '𠀀x'];
    // As the recognizers mostly pass them: literals (internalised) and short copies made by slicing
    // or lower-casing. Not long slices or concatenations (other string representations): feeding
    // those here made the person recognizer ~9% slower on a dense prompt, for words that rarely come.
    const text = ` ${words.join(' ')} `;
    const samples = [...words, ...words.map((w) => text.slice(text.indexOf(w), text.indexOf(w) + w.length))];
    // Twice each: the second look-up takes the remembered answer.
    let found = 0;
    for (let round = 0; round < 50; round++) for (const w of samples) found += this.bitsOf(w) + this.bitsOf(w);
    return found;
  }

  private find(word: string): number {
    const h = hashOf(word, 0, word.length);
    const fp = h >>> 24;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const slot = this.slots[i] as number;
      if (slot === 0) return 0;
      if (slot >>> 24 !== fp) continue;
      const j = matchEnd(this.bytes, (slot & OFFSET_MASK) - 1, word, 0, word.length);
      if (j !== -1) return this.bytes[j] as number;
    }
  }

  /** How many distinct words carry `bit` (one bit). */
  size(bit: number): number {
    return this.counts[31 - Math.clz32(bit)] ?? 0;
  }

  /** Bytes held (text and table), for the memory notes and tests. */
  get byteLength(): number {
    return this.bytes.byteLength + this.slots.byteLength;
  }
}

/** What the recognizers ask of a word list: a `Set<string>` is one too. */
export interface WordLookup {
  has(word: string): boolean;
}

/** One list of a table, by its bit. */
export class WordSet implements WordLookup {
  readonly size: number;

  constructor(
    private readonly table: WordTable,
    private readonly bit: number,
  ) {
    this.size = table.size(bit);
  }

  has(word: string): boolean {
    return (this.table.bitsOf(word) & this.bit) !== 0;
  }
}
