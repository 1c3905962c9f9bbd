/**
 * One collection's search index in memory: decoded vectors, a BM25 inverted index and the
 * metadata filters need, built from the store in pages. Ranking is exactly that of
 * `hybridRank` in ./search.ts (same BM25 statistics over the filtered chunks, same cosine, same
 * reciprocal rank fusion and tie-breaks) without tokenizing or decoding anything per query and
 * without sorting every score: see `rank` for why a bounded depth of each list is enough.
 *
 * Memory per chunk (docs/rag.md): 4·dims bytes of vector + 20 bytes of per-chunk arrays + 6 bytes
 * per distinct word of the chunk (postings), plus the vocabulary and one metadata object per
 * document. Chunk texts stay in the store; the k hits are read back by key.
 */
import { endianness } from 'node:os';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { RagChunkKey, RagChunkRecord, Store } from '../store/types.js';
import { BM25_B, BM25_K1, decodeVector, indexText, RRF_K, tokenize } from './search.js';

type Metadata = RagChunkRecord['metadata'];

export interface IndexHit {
  key: RagChunkKey;
  id: string;
  score: number;
  bm25: number;
  vector: number;
}

/** Chunks read from the store per page while building; the event loop runs between pages. */
export const BUILD_PAGE = 1_000;
/** Vectors live in blocks of this many chunks, each one contiguous Float32Array, so growing never copies. */
const BLOCK = 2_048;
const LITTLE_ENDIAN = endianness() === 'LE';

/** An append-only Uint32 list in fixed blocks (postings while building). */
class U32List {
  private blocks: Uint32Array[] = [];
  length = 0;
  push(v: number): void {
    const b = this.length >>> 16;
    if (b === this.blocks.length) this.blocks.push(new Uint32Array(1 << 16));
    this.blocks[b]![this.length & 0xffff] = v;
    this.length++;
  }
  at(i: number): number {
    return this.blocks[i >>> 16]![i & 0xffff]!;
  }
}

class Builder {
  dims = -1;
  size = 0;
  readonly blocks: Float32Array[] = [];
  norms: number[] = [];
  lengths: number[] = [];
  docOf: number[] = [];
  seqs: number[] = [];
  readonly documents: string[] = [];
  readonly metadata: Metadata[] = [];
  readonly terms = new Map<string, number>();
  readonly df: number[] = [];
  private readonly counts: number[] = [];
  private readonly touched: number[] = [];
  readonly pTerm = new U32List();
  readonly pChunk = new U32List();
  readonly pTf = new U32List();

  add(r: RagChunkRecord): void {
    if (this.dims < 0) this.dims = Math.floor(Buffer.byteLength(r.embedding, 'base64') / 4);
    const c = this.size++;
    if (this.documents.at(-1) !== r.documentId) {
      this.documents.push(r.documentId);
      this.metadata.push(r.metadata);
    }
    this.docOf.push(this.documents.length - 1);
    this.seqs.push(r.seq);
    this.norms.push(this.writeVector(c, r.embedding));
    const words = tokenize(indexText(r));
    this.lengths.push(words.length);
    // Term frequencies in a scratch array indexed by term id, not a Map per chunk: at 100k
    // chunks the garbage of one Map each dominated the build.
    const touched = this.touched;
    for (const w of words) {
      let t = this.terms.get(w);
      if (t === undefined) {
        t = this.terms.size;
        this.terms.set(w, t);
        this.df.push(0);
        this.counts.push(0);
      }
      if (this.counts[t]!++ === 0) touched.push(t);
    }
    for (const t of touched) {
      this.df[t]!++;
      this.pTerm.push(t);
      this.pChunk.push(c);
      this.pTf.push(this.counts[t]!);
      this.counts[t] = 0;
    }
    touched.length = 0;
  }

  /** Decodes straight into the block (vectors of another length are cut or zero-padded); returns the squared norm. */
  private writeVector(c: number, b64: string): number {
    const d = this.dims;
    if (c % BLOCK === 0) this.blocks.push(new Float32Array(BLOCK * d));
    const block = this.blocks.at(-1)!;
    const off = (c % BLOCK) * d;
    if (LITTLE_ENDIAN) {
      Buffer.from(block.buffer, block.byteOffset + off * 4, d * 4).write(b64, 'base64');
    } else {
      const v = decodeVector(b64);
      block.set(v.length > d ? v.subarray(0, d) : v, off);
    }
    // Same order of float64 accumulation as cosine() in ./search.ts, so scores are identical.
    let nb = 0;
    for (let i = 0; i < d; i++) nb += block[off + i]! * block[off + i]!;
    return nb;
  }
}

export class CollectionIndex {
  readonly size: number;
  readonly dims: number;
  /** Estimated bytes this index holds (the cache's budget counts these). */
  readonly bytes: number;
  private readonly blocks: Float32Array[];
  private readonly norms: Float64Array;
  private readonly lengths: Uint32Array;
  private readonly totalLength: number;
  private readonly docOf: Uint32Array;
  private readonly seqs: Uint32Array;
  private readonly documents: string[];
  private readonly metadata: Metadata[];
  private readonly terms: Map<string, number>;
  private readonly postingStart: Uint32Array;
  private readonly postingChunk: Uint32Array;
  private readonly postingTf: Uint16Array;

  constructor(b: Builder) {
    this.size = b.size;
    this.dims = Math.max(0, b.dims);
    const last = b.blocks.at(-1);
    const used = b.size % BLOCK;
    if (last && used) b.blocks[b.blocks.length - 1] = last.slice(0, used * this.dims);
    this.blocks = b.blocks;
    this.norms = Float64Array.from(b.norms);
    this.lengths = Uint32Array.from(b.lengths);
    this.totalLength = b.lengths.reduce((s, n) => s + n, 0);
    this.docOf = Uint32Array.from(b.docOf);
    this.seqs = Uint32Array.from(b.seqs);
    this.documents = b.documents;
    this.metadata = b.metadata;
    this.terms = b.terms;
    // Counting sort of the postings by term; stable, so each term's chunks stay in order.
    const start = new Uint32Array(b.df.length + 1);
    for (let t = 0; t < b.df.length; t++) start[t + 1] = start[t]! + b.df[t]!;
    const cursor = start.slice(0, b.df.length);
    const n = b.pTerm.length;
    this.postingChunk = new Uint32Array(n);
    this.postingTf = new Uint16Array(n);
    for (let p = 0; p < n; p++) {
      const at = cursor[b.pTerm.at(p)]!++;
      this.postingChunk[at] = b.pChunk.at(p);
      // A chunk is at most a few thousand characters, far below the Uint16 ceiling.
      this.postingTf[at] = Math.min(b.pTf.at(p), 0xffff);
    }
    this.postingStart = start;
    let vocabulary = 0;
    for (const w of this.terms.keys()) vocabulary += 48 + 2 * w.length;
    let docs = 0;
    for (let d = 0; d < this.documents.length; d++)
      docs += 96 + 2 * this.documents[d]!.length + 2 * JSON.stringify(this.metadata[d]).length;
    this.bytes = this.size * (4 * this.dims + 8 + 4 + 4 + 4) + n * 6 + start.byteLength + vocabulary + docs;
  }

  /** Reads every chunk of `collection` in pages, letting the event loop run between them. */
  static async build(store: Store, collection: string, pageSize = BUILD_PAGE): Promise<CollectionIndex> {
    const b = new Builder();
    let after: RagChunkKey | undefined;
    for (;;) {
      const page = await store.rag.chunkPage(collection, after, pageSize);
      for (const r of page) b.add(r);
      if (page.length < pageSize) break;
      const lastRow = page.at(-1)!;
      after = { documentId: lastRow.documentId, seq: lastRow.seq };
      await yieldToLoop();
    }
    return new CollectionIndex(b);
  }

  /** Which chunks pass `filter` (exact match on every pair); undefined: all of them. */
  select(filter: Metadata | undefined): { mask: Uint8Array | undefined; count: number } {
    if (!filter || Object.keys(filter).length === 0) return { mask: undefined, count: this.size };
    const pairs = Object.entries(filter);
    const docOk = this.metadata.map((m) => pairs.every(([k, v]) => Object.hasOwn(m, k) && m[k] === v));
    const mask = new Uint8Array(this.size);
    let count = 0;
    for (let c = 0; c < this.size; c++) {
      if (docOk[this.docOf[c]!]) {
        mask[c] = 1;
        count++;
      }
    }
    return { mask, count };
  }

  key(c: number): RagChunkKey {
    return { documentId: this.documents[this.docOf[c]!]!, seq: this.seqs[c]! };
  }

  private idOf(c: number): string {
    return `${this.documents[this.docOf[c]!]}#${this.seqs[c]}`;
  }

  /** BM25 over the selected chunks; `hits` lists the chunks with a positive score, in index order. */
  bm25(query: string, sel: { mask: Uint8Array | undefined; count: number }): { scores: Float64Array; hits: Uint32Array } {
    const { mask, count: n } = sel;
    const scores = new Float64Array(this.size);
    const terms = [...new Set(tokenize(query))].map((w) => this.terms.get(w)).filter((t): t is number => t !== undefined);
    if (n === 0 || terms.length === 0) return { scores, hits: new Uint32Array(0) };
    let total = this.totalLength;
    if (mask) {
      total = 0;
      for (let c = 0; c < this.size; c++) if (mask[c]) total += this.lengths[c]!;
    }
    const avg = total / n || 1;
    const touched = new Uint8Array(this.size);
    for (const t of terms) {
      const from = this.postingStart[t]!;
      const to = this.postingStart[t + 1]!;
      let d = to - from;
      if (mask) {
        d = 0;
        for (let p = from; p < to; p++) d += mask[this.postingChunk[p]!]!;
      }
      if (d === 0) continue;
      const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
      for (let p = from; p < to; p++) {
        const c = this.postingChunk[p]!;
        if (mask && !mask[c]) continue;
        const f = this.postingTf[p]!;
        scores[c]! += (idf * f * (BM25_K1 + 1)) / (f + BM25_K1 * (1 - BM25_B + (BM25_B * this.lengths[c]!) / avg));
        touched[c] = 1;
      }
    }
    let k = 0;
    for (let c = 0; c < this.size; c++) k += touched[c]!;
    const hits = new Uint32Array(k);
    for (let c = 0, i = 0; c < this.size; c++) if (touched[c]) hits[i++] = c;
    return { scores, hits };
  }

  /** Cosine similarity of `q` with every selected chunk (0 for the others). */
  cosine(q: Float32Array, mask: Uint8Array | undefined): Float64Array {
    const out = new Float64Array(this.size);
    const n = Math.min(q.length, this.dims);
    let na = 0;
    for (let i = 0; i < n; i++) na += q[i]! * q[i]!;
    if (!na) return out;
    for (let c = 0; c < this.size; c++) {
      if (mask && !mask[c]) continue;
      const block = this.blocks[Math.floor(c / BLOCK)]!;
      const off = (c % BLOCK) * this.dims;
      let dot = 0;
      let nb = n === this.dims ? this.norms[c]! : 0;
      for (let i = 0; i < n; i++) dot += q[i]! * block[off + i]!;
      if (n !== this.dims) for (let i = 0; i < n; i++) nb += block[off + i]! * block[off + i]!;
      out[c] = nb ? dot / Math.sqrt(na * nb) : 0;
    }
    return out;
  }

  /**
   * The best `k` by reciprocal rank fusion, equal to `hybridRank`. Each list is ranked only to
   * depth M = 2k + RRF_K: a chunk outside both top-M lists scores at most 2/(RRF_K + M + 1), which
   * is below 1/(RRF_K + k), the least the k-th chunk of a list that reaches depth M scores, so it
   * cannot be in the result. Chunks whose rank in the other list is past M get that rank counted
   * exactly, in one pass, when they could still make the top k.
   */
  search(query: string, q: Float32Array, k: number, filter: Metadata | undefined): IndexHit[] {
    const sel = this.select(filter);
    if (sel.count === 0) return [];
    const { scores: bm, hits: bmHits } = this.bm25(query, sel);
    const vec = this.cosine(q, sel.mask);
    let positive = 0;
    for (let c = 0; c < this.size; c++) if (vec[c]! > 0) positive++;
    const vecHits = new Uint32Array(positive);
    for (let c = 0, i = 0; c < this.size; c++) if (vec[c]! > 0) vecHits[i++] = c;
    return this.rank(bm, bmHits, vec, vecHits, k);
  }

  private rank(bm: Float64Array, bmHits: ArrayLike<number>, vec: Float64Array, vecHits: ArrayLike<number>, k: number): IndexHit[] {
    const depth = 2 * k + RRF_K;
    const rankA = topRanks(bm, bmHits, depth);
    const rankB = topRanks(vec, vecHits, depth);
    const fullA = bmHits.length > depth;
    const fullB = vecHits.length > depth;
    const past = 1 / (RRF_K + depth + 1);
    const union = new Set([...rankA.keys(), ...rankB.keys()]);
    const cand: { c: number; lower: number; upper: number }[] = [];
    for (const c of union) {
      let lower = 0;
      let upper = 0;
      const ra = rankA.get(c);
      const rb = rankB.get(c);
      if (ra !== undefined) lower += 1 / (RRF_K + ra);
      const unknownA = ra === undefined && fullA && bm[c]! > 0;
      const unknownB = rb === undefined && fullB && vec[c]! > 0;
      upper = lower + (unknownA ? past : 0);
      if (rb !== undefined) {
        lower += 1 / (RRF_K + rb);
        upper += 1 / (RRF_K + rb);
      }
      if (unknownB) upper += past;
      cand.push({ c, lower, upper });
    }
    const lowers = cand.map((x) => x.lower).sort((a, b) => b - a);
    const floor = lowers.length >= k ? lowers[k - 1]! : 0;
    const keep = cand.filter((x) => x.upper >= floor).map((x) => x.c);
    exactRanks(
      bm,
      bmHits,
      keep.filter((c) => !rankA.has(c) && bm[c]! > 0),
      rankA,
    );
    exactRanks(
      vec,
      vecHits,
      keep.filter((c) => !rankB.has(c) && vec[c]! > 0),
      rankB,
    );
    const out = keep.map((c) => {
      let score = 0;
      const ra = rankA.get(c);
      const rb = rankB.get(c);
      if (ra !== undefined) score += 1 / (RRF_K + ra);
      if (rb !== undefined) score += 1 / (RRF_K + rb);
      return { key: this.key(c), id: this.idOf(c), score, bm25: bm[c]!, vector: vec[c]! };
    });
    out.sort((x, y) => y.score - x.score || y.vector - x.vector || (x.id < y.id ? -1 : 1));
    return out.slice(0, k);
  }
}

/** `x` ranks before `y`: higher score, then lower index (the store's document and sequence order). */
function better(s: Float64Array, x: number, y: number): boolean {
  return s[x]! > s[y]! || (s[x] === s[y] && x < y);
}

/** 1-based ranks of the best `depth` of `hits` by `s`, kept in a sorted array of at most `depth`. */
function topRanks(s: Float64Array, hits: ArrayLike<number>, depth: number): Map<number, number> {
  const top: number[] = [];
  for (let i = 0; i < hits.length; i++) {
    const c = hits[i]!;
    if (top.length === depth && !better(s, c, top[depth - 1]!)) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (better(s, top[mid]!, c)) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, c);
    if (top.length > depth) top.pop();
  }
  return new Map(top.map((c, i) => [c, i + 1]));
}

/** Adds the exact 1-based rank of each of `want` among `hits` to `ranks`, in one pass over `hits`. */
function exactRanks(s: Float64Array, hits: ArrayLike<number>, want: number[], ranks: Map<number, number>): void {
  if (want.length === 0) return;
  want.sort((x, y) => (better(s, x, y) ? -1 : 1));
  // ahead[t]: hits that rank before want[t] but not before want[t-1].
  const ahead = new Uint32Array(want.length + 1);
  for (let i = 0; i < hits.length; i++) {
    const j = hits[i]!;
    let lo = 0;
    let hi = want.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (better(s, j, want[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    ahead[lo]!++;
  }
  let before = 0;
  for (let t = 0; t < want.length; t++) {
    before += ahead[t]!;
    ranks.set(want[t]!, before + 1);
  }
}
