/**
 * Retrieval collections (docs/rag.md): create, ingest a document (chunk → embed → store), hybrid
 * search, and the context a chat request with `"rag"` gets. Embeddings go through the gateway's
 * own catalog and provider adapters; a `localOnly` collection never sends text to a cloud
 * deployment, neither to embed it nor (through the request's data policy) to answer with it.
 */
import { z } from 'zod';
import { modelName } from '../api/bounds.js';
import { InvalidRequestError, NoDeploymentError, NotFoundError, StoreUnavailableError } from '../errors.js';
import type { GatewayServices } from '../gateway/services.js';
import type { RagChunkRecord, RagCollectionRecord, Store } from '../store/types.js';
import { chunkText, DEFAULT_CHUNKING } from './chunk.js';
import { documentHash } from './hash.js';
import { indexCacheOf } from './index-cache.js';
import { decodeVector, encodeVector, indexText } from './search.js';

export const RAG_LIMITS = {
  documentChars: 500_000,
  chunksPerDocument: 1_000,
  metadataPairs: 16,
  metadataKeyChars: 64,
  metadataValueChars: 256,
  queryChars: 2_000,
  maxK: 20,
  /** Texts per embeddings call. */
  embedBatch: 64,
  /** Source ids in `x-meridian-sources`. */
  headerSources: 20,
} as const;

// Names and ids go into URLs, headers (`x-meridian-sources`) and logs: printable ASCII, no separators.
export const collectionName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'collection names are 1-64 letters, digits, ".", "_" or "-"');
export const documentId = z.string().regex(/^[A-Za-z0-9._:/@-]{1,200}$/, 'document ids are 1-200 letters, digits or . _ : / @ -');
const scalar = z.union([z.string().max(RAG_LIMITS.metadataValueChars), z.number().finite(), z.boolean()]);
export const metadata = z
  .record(z.string().min(1).max(RAG_LIMITS.metadataKeyChars), scalar)
  .refine((m) => Object.keys(m).length <= RAG_LIMITS.metadataPairs, `at most ${RAG_LIMITS.metadataPairs} metadata pairs`);

export const collectionSchema = z.object({ name: collectionName, embeddingModel: modelName, localOnly: z.boolean().optional() }).strict();
export const documentSchema = z
  .object({ id: documentId, text: z.string().max(RAG_LIMITS.documentChars), metadata: metadata.optional() })
  .strict();
export const searchSchema = z
  .object({
    collection: collectionName,
    query: z.string().min(1).max(RAG_LIMITS.queryChars),
    k: z.number().int().min(1).max(RAG_LIMITS.maxK).optional(),
    filter: metadata.optional(),
    rerank: modelName.optional(),
  })
  .strict();
export const chatRagSchema = z
  .object({
    collection: collectionName,
    k: z.number().int().min(1).max(RAG_LIMITS.maxK).optional(),
    filter: metadata.optional(),
    /** An alias or `provider/model` whose local or private deployments re-rank the fused candidates (./rerank.ts). */
    rerank: modelName.optional(),
  })
  .strict();

/**
 * Validates with `schema`; the error names the field path under `prefix` but never a client value:
 * unknown fields and metadata keys (which the path would carry) are not quoted.
 */
export function parseWith<T>(schema: z.ZodType<T>, body: unknown, prefix = ''): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path: string[] = prefix ? [prefix] : [];
  for (let i = 0; i < issue.path.length; i++) {
    const prev = issue.path[i - 1];
    path.push((prev === 'metadata' || prev === 'filter') && i === 1 ? '*' : String(issue.path[i]));
  }
  const param = path.join('.');
  // zod's messages name the rule, not the value, except for unknown keys.
  const message = issue.code === 'unrecognized_keys' ? 'unknown field (see docs/rag.md for the accepted ones)' : issue.message;
  throw new InvalidRequestError(param ? `Invalid '${param}': ${message}` : message, param || null);
}

export interface SearchHit {
  id: string;
  document_id: string;
  heading: string;
  text: string;
  metadata: Record<string, string | number | boolean>;
  score: number;
  scores: { bm25: number; vector: number; rerank?: number };
}

export function storeOf(g: GatewayServices): Store {
  if (!g.store) throw new InvalidRequestError('Retrieval needs the store: this gateway runs without one.', null, 'rag_unavailable');
  return g.store;
}

export async function collectionOf(g: GatewayServices, collection: string): Promise<RagCollectionRecord> {
  const c = await storeOf(g).rag.getCollection(collection);
  if (!c) throw new NotFoundError(`There is no collection named "${collection}".`, 'collection_not_found');
  return c;
}

export async function createCollection(
  g: GatewayServices,
  body: z.infer<typeof collectionSchema>,
): Promise<{ created: boolean; collection: RagCollectionRecord }> {
  // The embedding model must exist now, not at the first ingest.
  g.catalog.resolve(body.embeddingModel);
  const rec: RagCollectionRecord = {
    name: body.name,
    embeddingModel: body.embeddingModel,
    localOnly: body.localOnly === true,
    createdAt: new Date().toISOString(),
  };
  const created = await storeOf(g).rag.createCollection(rec);
  return { created, collection: created ? rec : await collectionOf(g, body.name) };
}

/** Embeds `texts` with the collection's model: the first of its deployments that can, in alias order. */
async function embed(g: GatewayServices, c: RagCollectionRecord, texts: string[], signal: AbortSignal): Promise<Float32Array[]> {
  const candidates = g.catalog
    .resolve(c.embeddingModel)
    .deployments.filter((d) => d.provider.adapter.embed && (!c.localOnly || d.location !== 'cloud'));
  if (candidates.length === 0) {
    throw new NoDeploymentError(
      `'${c.embeddingModel}' has no ${c.localOnly ? 'local or private ' : ''}deployment with an embeddings API for collection "${c.name}".`,
    );
  }
  let last: unknown;
  for (const d of candidates) {
    try {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += RAG_LIMITS.embedBatch) {
        const input = texts.slice(i, i + RAG_LIMITS.embedBatch);
        const res = await d.provider.adapter.embed!({ request: { model: d.model, input }, deployment: d, signal });
        const data = [...res.data].sort((a, b) => a.index - b.index);
        if (data.length !== input.length)
          throw new NoDeploymentError(`'${d.id}' returned ${data.length} embeddings for ${input.length} texts.`);
        for (const e of data) out.push(typeof e.embedding === 'string' ? decodeVector(e.embedding) : Float32Array.from(e.embedding));
      }
      return out;
    } catch (err) {
      if (signal.aborted || err instanceof StoreUnavailableError) throw err;
      last = err;
    }
  }
  throw last;
}

/**
 * Chunks, embeds and stores one document, replacing what that id had. Returns the chunk count.
 * `hash` is the source's (./hash.ts): for HTML and PDF the caller hashes what it was sent, not `text`.
 */
export async function ingestDocument(
  g: GatewayServices,
  collection: string,
  doc: z.infer<typeof documentSchema>,
  signal: AbortSignal,
  hash = documentHash('text', doc.text, doc.metadata ?? {}),
): Promise<{ chunks: number; unchanged: boolean }> {
  const c = await collectionOf(g, collection);
  const store = storeOf(g);
  // Incremental re-ingest: the same text and metadata again costs no embedding call.
  if ((await store.rag.documentHash(collection, doc.id)) === hash) return { chunks: 0, unchanged: true };
  // PostgreSQL TEXT cannot hold NUL, and it carries no meaning in a document.
  const chunks = chunkText(doc.text.replaceAll('\u0000', ''), DEFAULT_CHUNKING);
  if (chunks.length > RAG_LIMITS.chunksPerDocument) {
    throw new InvalidRequestError(`The document makes ${chunks.length} chunks; the limit is ${RAG_LIMITS.chunksPerDocument}.`, 'text');
  }
  const vectors = chunks.length ? await embed(g, c, chunks.map(indexText), signal) : [];
  const records: RagChunkRecord[] = chunks.map((ch, seq) => ({
    documentId: doc.id,
    seq,
    heading: ch.heading,
    text: ch.text,
    metadata: doc.metadata ?? {},
    embedding: encodeVector(vectors[seq]!),
    contentHash: hash,
  }));
  await store.rag.replaceDocument(collection, doc.id, records);
  return { chunks: records.length, unchanged: false };
}

function matches(m: RagChunkRecord['metadata'], filter: RagChunkRecord['metadata'] | undefined): boolean {
  if (!filter) return true;
  for (const [k, v] of Object.entries(filter)) if (!Object.hasOwn(m, k) || m[k] !== v) return false;
  return true;
}

/** Hybrid search on the collection's in-memory index (./index-cache.ts), rebuilt after any write. */
export async function search(
  g: GatewayServices,
  c: RagCollectionRecord,
  query: string,
  k: number,
  filter: RagChunkRecord['metadata'] | undefined,
  signal: AbortSignal,
): Promise<SearchHit[]> {
  const store = storeOf(g);
  const index = await indexCacheOf(store).get(c);
  if (!index || index.select(filter).count === 0) return [];
  const [q] = await embed(g, c, [query], signal);
  const ranked = index.search(query, q!, k, filter);
  // Texts stay in the store. A chunk replaced since the index was built comes back as it is now,
  // and is dropped when it is gone or no longer passes the filter.
  const rows = new Map(
    (
      await store.rag.chunksByKey(
        c.name,
        ranked.map((h) => h.key),
      )
    ).map((r) => [`${r.documentId}#${r.seq}`, r]),
  );
  const hits: SearchHit[] = [];
  for (const h of ranked) {
    const r = rows.get(h.id);
    if (!r || !matches(r.metadata, filter)) continue;
    hits.push({
      id: h.id,
      document_id: r.documentId,
      heading: r.heading,
      text: r.text,
      metadata: r.metadata,
      score: h.score,
      scores: { bm25: h.bm25, vector: h.vector },
    });
  }
  return hits;
}

/** The system message a chat request with `"rag"` gets: each chunk under its source id. */
export function contextMessage(hits: readonly SearchHit[]): string {
  const parts = hits.map((h) => `[source: ${h.id}]${h.heading ? ` ${h.heading}` : ''}\n${h.text}`);
  return (
    'Answer using the following retrieved context when it is relevant, and cite the sources by their ids.\n\n' +
    (parts.length ? parts.join('\n\n') : '(no matching context was found)')
  );
}

/** `x-meridian-sources`: the source ids, at most RAG_LIMITS.headerSources (ids are header-safe ASCII). */
export function sourcesHeader(hits: readonly SearchHit[]): string {
  return hits
    .slice(0, RAG_LIMITS.headerSources)
    .map((h) => h.id)
    .join(', ');
}
