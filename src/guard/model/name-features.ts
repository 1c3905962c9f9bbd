/**
 * Features of one word for the name model: hashed character n-grams (2–5, with ^ and $ marking
 * the word's edges) and the last 3 and 4 letters. Shared by the trainer (scripts/train-name-model.ts)
 * and the scorer, so both see the same features.
 */

/** Number of hashed feature buckets (a power of two). */
export const BUCKETS = 1 << 16;

/** FNV-1a over a string's UTF-16 units, salted by the n-gram order, folded into BUCKETS. */
function bucket(s: string, from: number, to: number, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = from; i < to; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h & (BUCKETS - 1);
}

/** Calls `visit` with each feature bucket of `word` (lower case, no spaces). */
export function forEachFeature(word: string, visit: (bucketIndex: number) => void): void {
  const s = `^${word}$`;
  for (let n = 2; n <= 5; n++) {
    for (let i = 0; i + n <= s.length; i++) visit(bucket(s, i, i + n, n));
  }
  if (word.length >= 4) visit(bucket(s, s.length - 4, s.length, 13));
  if (word.length >= 5) visit(bucket(s, s.length - 5, s.length, 14));
}
