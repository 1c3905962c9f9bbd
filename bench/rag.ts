/**
 * Retrieval bench (docs/rag.md): prints numbers, asserts nothing.
 *
 * 1. Quality: recall@5 and MRR (first relevant hit within the top 20) on a labelled question set
 *    over the US Constitution (bench/data/rag/, public domain, source in its README). Hybrid is
 *    measured end to end (`POST /v1/rag/search` on a real gateway); BM25-only and vector-only
 *    rank the same stored chunks in process with the same functions. Embeddings: the mock's
 *    `mock-embed-ngram` (hashed words + character trigrams, 512 dims), the only embedding model
 *    available offline. It is NOT a language model: paraphrases with other words score low.
 * 2. Ingest speed through the gateway over HTTP (mock embeddings, embedded SQLite).
 * 3. Query latency at 10k and 100k synthetic chunks (deterministic), first query (index build)
 *    and warm, over HTTP, on SQLite and on PostgreSQL when 127.0.0.1:5432 answers; and the
 *    pre-index path (read every chunk, decode, tokenize, rank: `store.rag.chunks` + `hybridRank`)
 *    in this process on the same data as the baseline.
 *
 * Run: `npm run bench:rag [-- --quick]` (--quick: 10k only, no PostgreSQL).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parseConfig } from '../src/config/load.js';
import { buildServices } from '../src/gateway/build.js';
import { createGateway } from '../src/gateway/gateway.js';
import { NGRAM_EMBEDDING_DIMS } from '../src/mock/engine.js';
import { ngramEmbedding } from '../src/mock/ngram-embedding.js';
import { seededRandom } from '../src/mock/determinism.js';
import { IndexCache } from '../src/rag/index-cache.js';
import { bm25Scores, cosine, decodeVector, encodeVector, hybridRank, indexText, tokenize } from '../src/rag/search.js';
import { createStore } from '../src/store/index.js';
import type { RagChunkRecord, Store } from '../src/store/types.js';

const MASTER = 'bench-master-key-0123456789abcdef';
const PG_URL = process.env.MERIDIAN_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.MERIDIAN_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const quick = process.argv.includes('--quick');
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

type StoreConfig = Record<string, unknown>;

interface Running {
  url: string;
  close(): Promise<void>;
}

async function startGateway(store: StoreConfig): Promise<Running> {
  const config = parseConfig(
    {
      store,
      log: { level: 'silent', requests: false },
      providers: [{ id: 'mock', type: 'mock', location: 'local' }],
      models: { embed: [{ provider: 'mock', model: 'mock-embed-ngram' }], chat: [{ provider: 'mock', model: 'mock-small' }] },
      router: { healthIntervalMs: 0 },
    },
    {},
  );
  const logger = pino({ level: 'silent' });
  const built = await buildServices(config, logger, { env: { MERIDIAN_MASTER_KEY: MASTER } });
  const gateway = createGateway(config, { logger, overrides: built.overrides, routes: (g) => built.routes?.(g) ?? new Map() });
  const url = await gateway.listen(0, '127.0.0.1');
  return { url, close: () => gateway.close(1000) };
}

async function post<T>(url: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

interface Hit {
  id: string;
  document_id: string;
  heading: string;
}
const search = (url: string, collection: string, query: string, k: number) =>
  post<{ data: Hit[] }>(url, '/v1/rag/search', { collection, query, k }).then((r) => r.data);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

// ---------------------------------------------------------------- 1. quality

/** `# Title` starts a document: `Article I` → `article-1`, `Amendment 14` → `amendment-14`. */
function constitutionDocuments(): { id: string; title: string; text: string }[] {
  const roman: Record<string, number> = { I: 1, II: 2, III: 3, IV: 4, V: 5, VI: 6, VII: 7 };
  const md = readFileSync(here('./data/rag/constitution.md'), 'utf8');
  return md
    .split(/^(?=# )/m)
    .filter((s) => s.startsWith('# '))
    .map((s) => {
      const title = s.slice(2, s.indexOf('\n')).trim();
      const [word, num] = title.split(' ');
      const n = num ? (roman[num] ?? Number(num)) : '';
      return { id: n ? `${word!.toLowerCase()}-${n}` : word!.toLowerCase(), title, text: s };
    });
}

interface Question {
  q: string;
  section: string;
}

function scoreRanking(questions: Question[], rankings: Hit[][]): { recall5: number; mrr: number } {
  let found = 0;
  let rr = 0;
  questions.forEach((q, i) => {
    const rank = rankings[i]!.findIndex((h) => h.heading === q.section);
    if (rank >= 0 && rank < 5) found++;
    if (rank >= 0) rr += 1 / (rank + 1);
  });
  return { recall5: found / questions.length, mrr: rr / questions.length };
}

async function quality(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-rag-'));
  const file = join(dir, 'q.db');
  const gw = await startGateway({ sqlite: file });
  const store = await createStore({ sqlite: file, retentionDays: 30 });
  try {
    await post(gw.url, '/v1/rag/collections', { name: 'constitution', embeddingModel: 'embed' });
    const docs = constitutionDocuments();
    const t0 = performance.now();
    let chunks = 0;
    for (const d of docs) {
      chunks += (await post<{ chunks: number }>(gw.url, '/v1/rag/collections/constitution/documents', { id: d.id, text: d.text })).chunks;
    }
    const ingestMs = performance.now() - t0;
    const questions = JSON.parse(readFileSync(here('./data/rag/questions.json'), 'utf8')) as Question[];
    // Labels name a section heading; every heading must exist, or the label is a typo.
    const rows = await store.rag.chunks('constitution');
    const headings = new Set(rows.map((r) => r.heading));
    for (const q of questions) if (!headings.has(q.section)) throw new Error(`no chunk has the heading "${q.section}"`);

    const hybrid: Hit[][] = [];
    for (const q of questions) hybrid.push(await search(gw.url, 'constitution', q.q, 20));
    const texts = rows.map((r) => tokenize(indexText(r)));
    const vectors = rows.map((r) => decodeVector(r.embedding));
    const asHits = (order: number[]) =>
      order.map((i) => ({ id: `${rows[i]!.documentId}#${rows[i]!.seq}`, document_id: rows[i]!.documentId, heading: rows[i]!.heading }));
    const top = (scores: number[]) =>
      scores
        .map((s, i) => [s, i] as const)
        .filter(([s]) => s > 0)
        .sort((a, b) => b[0] - a[0] || a[1] - b[1])
        .slice(0, 20)
        .map(([, i]) => i);
    const bm25: Hit[][] = [];
    const vector: Hit[][] = [];
    const inProcessHybrid: Hit[][] = [];
    for (const q of questions) {
      const qv = Float32Array.from(ngramEmbedding(q.q, NGRAM_EMBEDDING_DIMS));
      bm25.push(asHits(top(bm25Scores(q.q, texts))));
      vector.push(asHits(top(vectors.map((v) => cosine(qv, v)))));
      const ranked = hybridRank(
        q.q,
        qv,
        rows.map((r, i) => ({ id: String(i), text: indexText(r), embedding: vectors[i]! })),
        20,
      );
      inProcessHybrid.push(asHits(ranked.map((h) => Number(h.id))));
    }
    const same = hybrid.every((h, i) => h.map((x) => x.id).join() === inProcessHybrid[i]!.map((x) => x.id).join());
    const line = (name: string, r: { recall5: number; mrr: number }) => `| ${name} | ${r.recall5.toFixed(3)} | ${r.mrr.toFixed(3)} |`;
    return [
      `Quality: ${questions.length} questions over ${docs.length} documents, ${chunks} chunks (US Constitution; embeddings mock-embed-ngram)`,
      '',
      '| ranking | recall@5 | MRR (top 20) |',
      '| --- | --- | --- |',
      line('BM25 only', scoreRanking(questions, bm25)),
      line('vector only (mock-embed-ngram)', scoreRanking(questions, vector)),
      line('hybrid (RRF, over HTTP)', scoreRanking(questions, hybrid)),
      '',
      `(in-process reference hybrid ranking identical to the HTTP one: ${same ? 'yes' : 'NO'}; ingest of the ${docs.length} documents: ${ms(ingestMs)} ms)`,
    ];
  } finally {
    await gw.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- synthetic corpus

/** Pseudo-words with a Zipf-like frequency: a few common, a long tail, like real text. */
function vocabulary(r: () => number, n: number): { words: string[]; cumulative: Float64Array } {
  const syl = ['ka', 'lo', 'mi', 'ren', 'tas', 'vo', 'di', 'nel', 'por', 'su', 'gra', 'ten', 'bi', 'fo', 'mun', 'ser', 'al', 'quo'];
  const words = new Set<string>();
  while (words.size < n) {
    const k = 2 + Math.floor(r() * 3);
    words.add(Array.from({ length: k }, () => syl[Math.floor(r() * syl.length)]).join(''));
  }
  const cumulative = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) cumulative[i] = s += 1 / (i + 1);
  for (let i = 0; i < n; i++) cumulative[i]! /= s;
  return { words: [...words], cumulative };
}

function sampler(seed: number) {
  const r = seededRandom(seed);
  const v = vocabulary(r, 8_000);
  const word = () => {
    const x = r();
    let lo = 0;
    let hi = v.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v.cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return v.words[lo]!;
  };
  const words = (n: number) => Array.from({ length: n }, word).join(' ');
  return { r, words, rare: () => v.words[200 + Math.floor(r() * 4_000)]! };
}

/** `n` chunks in documents of 50, with mock-embed-ngram vectors, the same for every backend. */
function syntheticChunks(n: number): { documentId: string; records: RagChunkRecord[] }[] {
  const s = sampler(2024);
  const docs: { documentId: string; records: RagChunkRecord[] }[] = [];
  for (let c = 0; c < n; c += 50) {
    const documentId = `doc/${String(c / 50).padStart(5, '0')}`;
    const metadata = { team: ['hr', 'it', 'sales', 'legal'][(c / 50) % 4]! };
    const records = Array.from({ length: Math.min(50, n - c) }, (_, seq) => {
      const heading = `${s.words(2)} > ${s.words(2)}`;
      const text = s.words(80 + Math.floor(s.r() * 60));
      return {
        documentId,
        seq,
        heading,
        text,
        metadata,
        embedding: encodeVector(ngramEmbedding(indexText({ heading, text }), NGRAM_EMBEDDING_DIMS)),
        contentHash: 'bench',
      };
    });
    docs.push({ documentId, records });
  }
  return docs;
}

// ---------------------------------------------------------------- 2. ingest speed

async function ingestSpeed(): Promise<string[]> {
  const gw = await startGateway({ sqlite: join(mkdtempSync(join(tmpdir(), 'meridian-bench-rag-')), 'i.db') });
  try {
    await post(gw.url, '/v1/rag/collections', { name: 'ingest', embeddingModel: 'embed' });
    const s = sampler(99);
    // Markdown documents of 8 sections of ~900 characters: about 8 chunks each.
    const docs = Array.from({ length: 300 }, (_, i) => ({
      id: `docs/${i}.md`,
      text: Array.from({ length: 8 }, (_, j) => `## Part ${j} ${s.words(2)}\n\n${s.words(70)}\n\n${s.words(60)}`).join('\n\n'),
    }));
    let next = 0;
    let chunks = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < docs.length) {
          const d = docs[next++]!;
          chunks += (await post<{ chunks: number }>(gw.url, '/v1/rag/collections/ingest/documents', d)).chunks;
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    return [
      `Ingest over HTTP (embedded SQLite, mock-embed-ngram, 4 concurrent clients): ${docs.length} documents, ${chunks} chunks in ${secs.toFixed(1)} s = ` +
        `${(docs.length / secs).toFixed(0)} documents/s, ${(chunks / secs).toFixed(0)} chunks/s`,
    ];
  } finally {
    await gw.close();
  }
}

// ---------------------------------------------------------------- 3. latency

interface LatencyRow {
  backend: string;
  chunks: number;
  path: string;
  first: number;
  p50: number;
  p95: number;
  note?: string;
}

/** The pre-index search: every chunk read, decoded and tokenized per query. */
async function oldSearch(store: Store, collection: string, query: string, k: number): Promise<number> {
  const rows = await store.rag.chunks(collection);
  const q = Float32Array.from(ngramEmbedding(query, NGRAM_EMBEDDING_DIMS));
  return hybridRank(
    query,
    q,
    rows.map((r) => ({ id: `${r.documentId}#${r.seq}`, text: indexText(r), embedding: decodeVector(r.embedding) })),
    k,
  ).length;
}

async function latency(
  backend: string,
  storeConfig: StoreConfig,
  openStore: () => Promise<Store>,
  corpus: { documentId: string; records: RagChunkRecord[] }[],
  sizes: number[],
): Promise<{ rows: LatencyRow[]; notes: string[] }> {
  const store = await openStore();
  const rows: LatencyRow[] = [];
  const notes: string[] = [];
  const s = sampler(7);
  const queries = Array.from({ length: 40 }, () => `${s.rare()} ${s.rare()} ${s.words(2)}`);
  try {
    for (const n of sizes) {
      const name = `syn${n / 1000}k`;
      await store.rag.createCollection({ name, embeddingModel: 'embed', localOnly: false, createdAt: new Date().toISOString() });
      const t0 = performance.now();
      let written = 0;
      for (const d of corpus) {
        if (written >= n) break;
        await store.rag.replaceDocument(name, d.documentId, d.records);
        written += d.records.length;
      }
      notes.push(`${backend}: ${n} chunks written through the store in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const gw = await startGateway(storeConfig);
    try {
      for (const n of sizes) {
        const name = `syn${n / 1000}k`;
        let t = performance.now();
        await search(gw.url, name, queries[0]!, 5);
        const first = performance.now() - t;
        const warm: number[] = [];
        for (const q of queries) {
          t = performance.now();
          await search(gw.url, name, q, 5);
          warm.push(performance.now() - t);
        }
        rows.push({ backend, chunks: n, path: 'index, HTTP', first, p50: pct(warm, 50), p95: pct(warm, 95) });
        // Index memory, measured on a fresh cache in this process.
        const cache = new IndexCache(store);
        const heap0 = process.memoryUsage();
        t = performance.now();
        const index = (await cache.get((await store.rag.getCollection(name))!))!;
        const build = performance.now() - t;
        const heap1 = process.memoryUsage();
        notes.push(
          `${backend} ${n}: index build in process ${ms(build)} ms; estimated ${mb(index.bytes)} (${(index.bytes / n).toFixed(0)} B/chunk), ` +
            `heap+arrayBuffers grew ${mb(heap1.heapUsed + heap1.arrayBuffers - heap0.heapUsed - heap0.arrayBuffers)}`,
        );
        const runs = n >= 100_000 ? 3 : 5;
        const old: number[] = [];
        for (let i = 0; i < runs; i++) {
          t = performance.now();
          await oldSearch(store, name, queries[i]!, 5);
          old.push(performance.now() - t);
        }
        rows.push({
          backend,
          chunks: n,
          path: 'before: full scan, in process',
          first: old[0]!,
          p50: pct(old, 50),
          p95: pct(old, 95),
          note: `${runs} runs`,
        });
      }
    } finally {
      await gw.close();
    }
  } finally {
    await store.close();
  }
  return { rows, notes };
}

async function postgresReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const out: string[] = [];
  console.log('quality…');
  out.push(...(await quality()), '');
  console.log('ingest…');
  out.push(...(await ingestSpeed()), '');

  const sizes = quick ? [10_000] : [10_000, 100_000];
  console.log(`generating ${sizes.at(-1)} synthetic chunks…`);
  const corpus = syntheticChunks(sizes.at(-1)!);
  const rows: LatencyRow[] = [];
  const notes: string[] = [];

  console.log('sqlite…');
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-rag-'));
  const file = join(dir, 'lat.db');
  const lite = await latency('SQLite', { sqlite: file }, () => createStore({ sqlite: file, retentionDays: 30 }), corpus, sizes);
  rows.push(...lite.rows);
  notes.push(...lite.notes);
  rmSync(dir, { recursive: true, force: true });

  if (!quick && (await postgresReachable())) {
    console.log('postgresql…');
    const id = `${process.pid}_${Date.now().toString(36)}`;
    const schema = `meridian_bench_${id}`;
    const redisPrefix = `meridian-bench:${id}:`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const u = new URL(PG_URL);
    u.searchParams.set('options', `-c search_path=${schema}`);
    const postgres = u.toString();
    try {
      const res = await latency(
        'PostgreSQL',
        { postgres, redis: REDIS_URL, redisPrefix },
        () => createStore({ sqlite: ':memory:', postgres, redis: REDIS_URL, retentionDays: 30 }, { redisPrefix }),
        corpus,
        sizes,
      );
      rows.push(...res.rows);
      notes.push(...res.notes);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${redisPrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  } else if (!quick) {
    notes.push('PostgreSQL at 127.0.0.1:5432 not reachable: skipped');
  }

  out.push(
    'Search latency, k = 5 (ms; "first" includes building the index; warm over 40 queries)',
    '',
    '| store | chunks | path | first | p50 | p95 |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) => `| ${r.backend} | ${r.chunks} | ${r.path}${r.note ? ` (${r.note})` : ''} | ${ms(r.first)} | ${ms(r.p50)} | ${ms(r.p95)} |`,
    ),
    '',
    ...notes.map((n) => `- ${n}`),
  );
  console.log(`\n${out.join('\n')}`);
}

await main();
