/**
 * A tiny deterministic text embedding for the mock (`mock-embed-ngram`): hashed bag of words plus
 * character trigrams, signed feature hashing into `dims` buckets, L2-normalized. It is NOT a
 * language model: texts that share words and word pieces come out close, paraphrases with other
 * words do not. It exists so the semantic cache and its bench (bench/cache-semantic.ts) run with
 * no model at all; real precision/recall needs a real embedding model (docs/cache.md).
 */
import { hash32 } from './determinism.js';

/** Words that carry little meaning for "is this the same question". */
const STOPWORDS = new Set(
  'a an the is are was were be been am do does did of to in on at for with by from and or but if then so as it its this that these those i you he she we they me my your our their what which who how can could would should will shall may might must please tell give'.split(
    ' ',
  ),
);

/** Crude English suffix stripping, so `prices` and `priced` meet `price`. */
function stem(w: string): string {
  for (const suffix of ['ing', 'ed', 'es', 's', 'ly']) {
    if (w.length > suffix.length + 2 && w.endsWith(suffix)) return w.slice(0, -suffix.length);
  }
  return w;
}

export function ngramEmbedding(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  const add = (feature: string, weight: number) => {
    const h = hash32(feature);
    v[h % dims]! += (h & 0x80000000 ? -1 : 1) * weight;
  };
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w && !STOPWORDS.has(w))
    .map(stem);
  for (const w of words) {
    add(`w:${w}`, 1);
    const padded = `<${w}>`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`c:${padded.slice(i, i + 3)}`, 0.35);
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}
