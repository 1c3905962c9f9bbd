/**
 * Hybrid ranking in memory: BM25 over chunk words, cosine similarity of embeddings, and reciprocal
 * rank fusion of the two lists (Cormack, Clarke & Büttcher 2009, k = 60). The candidates are the
 * chunks that pass the metadata filter; both stores hand them over and ranking happens here.
 */

export interface Candidate {
  id: string;
  /** What BM25 indexes: heading path and text. */
  text: string;
  embedding: Float32Array;
}

export interface Ranked {
  id: string;
  score: number;
  bm25: number;
  vector: number;
}

export const RRF_K = 60;
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

/** What BM25 and the embedding see: the heading path gives a chunk its topic. */
export function indexText(ch: { heading: string; text: string }): string {
  return ch.heading ? `${ch.heading}\n${ch.text}` : ch.text;
}

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function bm25Scores(query: string, docs: readonly string[][]): number[] {
  const terms = [...new Set(tokenize(query))];
  const n = docs.length;
  if (n === 0 || terms.length === 0) return docs.map(() => 0);
  const avg = docs.reduce((s, d) => s + d.length, 0) / n || 1;
  const df = new Map<string, number>();
  const tfs = docs.map((d) => {
    const tf = new Map<string, number>();
    for (const w of d) tf.set(w, (tf.get(w) ?? 0) + 1);
    for (const t of terms) if (tf.has(t)) df.set(t, (df.get(t) ?? 0) + 1);
    return tf;
  });
  return tfs.map((tf, i) => {
    let s = 0;
    for (const t of terms) {
      const f = tf.get(t);
      if (!f) continue;
      const d = df.get(t) ?? 0;
      const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
      s += (idf * f * (BM25_K1 + 1)) / (f + BM25_K1 * (1 - BM25_B + (BM25_B * docs[i]!.length) / avg));
    }
    return s;
  });
}

export function cosine(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < n; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * The best `k`: a chunk in either list counts; one with no shared word and no similarity does not.
 * This is the reference ranking (scores everything, sorts everything); search runs on
 * ./collection-index.ts, which must agree with it (test/unit/rag-index.test.ts, bench/rag.ts).
 */
export function hybridRank(query: string, queryEmbedding: Float32Array, candidates: readonly Candidate[], k: number): Ranked[] {
  const bm25 = bm25Scores(
    query,
    candidates.map((c) => tokenize(c.text)),
  );
  const vector = candidates.map((c) => cosine(queryEmbedding, c.embedding));
  const fused = new Float64Array(candidates.length);
  const addRanks = (scores: number[]): void => {
    const order = scores.map((s, i) => [s, i] as const).filter(([s]) => s > 0);
    order.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
    order.forEach(([, i], rank) => (fused[i]! += 1 / (RRF_K + rank + 1)));
  };
  addRanks(bm25);
  addRanks(vector);
  const out: Ranked[] = [];
  candidates.forEach((c, i) => {
    if (fused[i]! > 0) out.push({ id: c.id, score: fused[i]!, bm25: bm25[i]!, vector: vector[i]! });
  });
  out.sort((x, y) => y.score - x.score || y.vector - x.vector || (x.id < y.id ? -1 : 1));
  return out.slice(0, k);
}

/** Float32 little-endian, base64: the same text column in SQLite and PostgreSQL. */
export function encodeVector(v: readonly number[] | Float32Array): string {
  const f = Float32Array.from(v);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

export function decodeVector(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  const out = new Float32Array(Math.floor(b.length / 4));
  for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}
