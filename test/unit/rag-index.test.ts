/**
 * The in-memory search index of src/rag (collection-index.ts, index-cache.ts) against the
 * reference ranking (`hybridRank`, which scores and sorts everything), on seeded random
 * collections in a real SQLite store.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectionIndex } from '../../src/rag/collection-index.js';
import { IndexCache } from '../../src/rag/index-cache.js';
import { decodeVector, encodeVector, hybridRank, indexText } from '../../src/rag/search.js';
import { createStore } from '../../src/store/index.js';
import type { RagChunkRecord, RagCollectionRecord, Store } from '../../src/store/types.js';
import { int, pick, rng, type Rand } from '../helpers/fuzz.js';

const WORDS = 'alpha beta gamma delta refund policy invoice wifi printer vpn laptop badge parking lunch holiday salary'.split(' ');
const TEAMS = ['hr', 'it', 'sales'];

function randomText(r: Rand, n: number): string {
  return Array.from({ length: n }, () => pick(r, WORDS)).join(' ');
}

/** Coarse components make equal scores (ties) likely; some are negative, so some cosines are too. */
function randomVector(r: Rand, dims: number): Float32Array {
  return Float32Array.from({ length: dims }, () => int(r, 5) - 1);
}

function randomDocument(r: Rand, id: string, dims: number): RagChunkRecord[] {
  const metadata = { team: pick(r, TEAMS), level: int(r, 3), public: r() < 0.5 };
  return Array.from({ length: 1 + int(r, 6) }, (_, seq) => ({
    documentId: id,
    seq,
    heading: r() < 0.5 ? `${pick(r, WORDS)} > ${pick(r, WORDS)}` : '',
    text: randomText(r, 1 + int(r, 30)),
    metadata,
    embedding: encodeVector(randomVector(r, dims)),
    contentHash: 'h',
  }));
}

function reference(rows: readonly RagChunkRecord[], query: string, q: Float32Array, k: number, filter?: RagChunkRecord['metadata']) {
  const passing = rows.filter((c) => !filter || Object.entries(filter).every(([key, v]) => c.metadata[key] === v));
  return hybridRank(
    query,
    q,
    passing.map((c) => ({ id: `${c.documentId}#${c.seq}`, text: indexText(c), embedding: decodeVector(c.embedding) })),
    k,
  ).map((h) => ({ id: h.id, score: h.score, bm25: h.bm25, vector: h.vector }));
}

function collection(name: string): RagCollectionRecord {
  return { name, embeddingModel: 'embed', localOnly: false, createdAt: new Date().toISOString() };
}

describe('rag index', () => {
  let store: Store;
  before(async () => {
    store = await createStore({ sqlite: join(mkdtempSync(join(tmpdir(), 'meridian-rag-index-')), 'm.db'), retentionDays: 30 });
  });
  after(async () => store.close());

  it('top k equals the full sort of the reference ranking, scores included, with and without filters', async () => {
    const r = rng(1717);
    const name = 'random';
    await store.rag.createCollection(collection(name));
    for (let d = 0; d < 400; d++) {
      const id = `doc/${String(d).padStart(3, '0')}`;
      await store.rag.replaceDocument(name, id, randomDocument(r, id, 6));
    }
    const rows = await store.rag.chunks(name);
    assert.ok(rows.length > 1000, 'deep enough that both lists go past the ranking depth');
    const index = await CollectionIndex.build(store, name, 97);
    assert.equal(index.size, rows.length);
    const filters: (RagChunkRecord['metadata'] | undefined)[] = [undefined, { team: 'it' }, { team: 'hr', public: true }, { level: 2 }];
    for (let i = 0; i < 60; i++) {
      const query = i % 10 === 9 ? 'nothing matches this' : randomText(r, 1 + int(r, 4));
      const q = randomVector(r, 6);
      const k = 1 + int(r, 20);
      const filter = filters[i % filters.length];
      const got = index.search(query, q, k, filter).map((h) => ({ id: h.id, score: h.score, bm25: h.bm25, vector: h.vector }));
      assert.deepEqual(got, reference(rows, query, q, k, filter), `case ${i}: ${query} k=${k} ${JSON.stringify(filter)}`);
    }
    // A filter that nothing passes, and a zero query vector (only BM25 ranks).
    assert.deepEqual(index.search('refund', randomVector(r, 6), 5, { team: 'nobody' }), []);
    const zero = new Float32Array(6);
    assert.deepEqual(
      index.search('refund policy', zero, 7, undefined).map((h) => h.id),
      reference(rows, 'refund policy', zero, 7).map((h) => h.id),
    );
  });

  it('a filter is exact on every pair: type and value', async () => {
    const name = 'filters';
    await store.rag.createCollection(collection(name));
    const doc = (id: string, metadata: RagChunkRecord['metadata']): RagChunkRecord[] => [
      { documentId: id, seq: 0, heading: '', text: 'vpn setup', metadata, embedding: encodeVector([1, 0]), contentHash: 'h' },
    ];
    await store.rag.replaceDocument(name, 'a', doc('a', { team: 'it', level: 1 }));
    await store.rag.replaceDocument(name, 'b', doc('b', { team: 'it', level: '1' }));
    await store.rag.replaceDocument(name, 'c', doc('c', { team: 'hr', level: 1 }));
    const index = await CollectionIndex.build(store, name);
    const ids = (filter: RagChunkRecord['metadata']) => index.search('vpn', Float32Array.from([1, 0]), 10, filter).map((h) => h.id);
    assert.deepEqual(ids({ team: 'it', level: 1 }), ['a#0']);
    assert.deepEqual(ids({ level: '1' }), ['b#0']);
    assert.deepEqual(ids({ team: 'it' }).sort(), ['a#0', 'b#0']);
    assert.deepEqual(ids({ missing: true }), []);
  });

  it('the cache rebuilds after a document is replaced or removed, and only then', async () => {
    const name = 'invalidate';
    const c = collection(name);
    await store.rag.createCollection(c);
    const cache = new IndexCache(store);
    const chunk = (id: string, text: string): RagChunkRecord => ({
      documentId: id,
      seq: 0,
      heading: '',
      text,
      metadata: {},
      embedding: encodeVector([1, 1]),
      contentHash: 'h',
    });
    await store.rag.replaceDocument(name, 'x', [chunk('x', 'printer jammed')]);
    await store.rag.replaceDocument(name, 'y', [chunk('y', 'badge lost')]);
    const first = (await cache.get(c))!;
    assert.equal(first.size, 2);
    assert.equal(await cache.get(c), first, 'unchanged collection: same index');
    assert.equal(cache.builds, 1);
    await store.rag.replaceDocument(name, 'x', [chunk('x', 'wifi slow')]);
    const second = (await cache.get(c))!;
    assert.notEqual(second, first);
    assert.deepEqual(
      second.search('wifi', Float32Array.from([0, 0]), 5, undefined).map((h) => h.id),
      ['x#0'],
    );
    assert.deepEqual(second.search('printer', Float32Array.from([0, 0]), 5, undefined), []);
    await store.rag.replaceDocument(name, 'y', []);
    const third = (await cache.get(c))!;
    assert.equal(third.size, 1);
    assert.deepEqual(
      third.search('badge', Float32Array.from([1, 1]), 5, undefined).map((h) => h.id),
      ['x#0'],
      'the removed document is gone; the remaining one still matches by vector',
    );
    assert.equal(cache.builds, 3);
    assert.equal(await cache.get(collection('no-such-collection')), undefined);
  });

  it('concurrent first searches share one build, and the build lets the event loop run between pages', async () => {
    const name = 'concurrent-builds';
    const c = collection(name);
    await store.rag.createCollection(c);
    const r = rng(7);
    for (let d = 0; d < 60; d++) await store.rag.replaceDocument(name, `d${d}`, randomDocument(r, `d${d}`, 4));
    const cache = new IndexCache(store, undefined, 16);
    let ranBetweenPages = false;
    setImmediate(() => (ranBetweenPages = true));
    const all = await Promise.all(Array.from({ length: 8 }, () => cache.get(c)));
    assert.equal(cache.builds, 1);
    assert.ok(all.every((i) => i === all[0]));
    assert.ok(ranBetweenPages, 'a setImmediate callback ran while the index was being built');
  });

  it('evicts the least recently used index beyond the byte budget', async () => {
    const r = rng(3);
    const cs = ['lru-a', 'lru-b', 'lru-c'].map(collection);
    for (const c of cs) {
      await store.rag.createCollection(c);
      for (let d = 0; d < 5; d++) await store.rag.replaceDocument(c.name, `d${d}`, randomDocument(r, `d${d}`, 8));
    }
    const sizes = await Promise.all(cs.map(async (c) => (await CollectionIndex.build(store, c.name)).bytes));
    // Room for the two largest, not for all three.
    const budget = sizes.reduce((a, b) => a + b, 0) - Math.min(...sizes);
    const cache = new IndexCache(store, budget);
    await cache.get(cs[0]!);
    await cache.get(cs[1]!);
    await cache.get(cs[0]!); // a is now the most recently used
    await cache.get(cs[2]!);
    assert.deepEqual(cache.collections, ['lru-a', 'lru-c']);
    assert.ok(cache.bytes <= budget);
    const tiny = new IndexCache(store, 10);
    assert.equal((await tiny.get(cs[0]!))!.size > 0, true, 'an index over the budget still answers');
    assert.deepEqual(tiny.collections, []);
  });
});
