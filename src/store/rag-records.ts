/**
 * Retrieval collections and chunks, implemented once for both backends (like ./prompt-records.ts).
 * Writes that touch several rows (re-ingest, deleting a collection) go through the backend's
 * `atomic`, so a search never sees a document half replaced.
 */
import { parseJson, toIsoTime, type LogValue } from './log-rows.js';
import type { RecordSqlDialect, RunSql } from './prompt-records.js';
import type { RagChunkRecord, RagCollectionRecord, Store } from './types.js';

type Row = Record<string, unknown>;

/**
 * Runs the statements in one transaction (all or none) and returns the rows each changed. SQLite
 * runs them synchronously on its one connection, so no other statement can slip in between;
 * PostgreSQL on one pooled client between BEGIN and COMMIT, holding a transaction lock on `lock`
 * first: two replicas re-ingesting one document would otherwise both delete, then collide on insert.
 */
export type RunAtomic = (statements: ReadonlyArray<{ sql: string; params: LogValue[] }>, lock: string) => Promise<number[]>;

const CHUNK_COLUMNS = ['collection', 'document_id', 'seq', 'heading', 'text', 'metadata', 'embedding', 'content_hash'] as const;
const CHUNK_TYPES = ['text', 'text', 'integer', 'text', 'text', 'text', 'text', 'text'] as const;

/** One lock per collection: a re-ingest never interleaves with another, nor with the collection's deletion. */
const lockOf = (collection: string): string => `rag:${collection}`;

function decodeMetadata(raw: unknown): RagChunkRecord['metadata'] {
  const metadata = parseJson(raw);
  return metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as RagChunkRecord['metadata']) : {};
}

function decodeChunk(r: Row): RagChunkRecord {
  return {
    documentId: String(r.document_id),
    seq: Number(r.seq),
    heading: String(r.heading),
    text: String(r.text),
    metadata: decodeMetadata(r.metadata),
    embedding: String(r.embedding),
    contentHash: String(r.content_hash),
  };
}

function decodeCollection(r: Row): RagCollectionRecord {
  return {
    name: String(r.name),
    embeddingModel: String(r.embedding_model),
    localOnly: r.local_only === true || Number(r.local_only) === 1,
    createdAt: toIsoTime(r.created_at as string | Date),
  };
}

export function ragRecords(run: RunSql, atomic: RunAtomic, d: RecordSqlDialect): Store['rag'] {
  const p = (n: number, t?: string): string => d.placeholder(n, t);
  return {
    createCollection: async (rec) => {
      const rows = await run(
        `INSERT INTO rag_collections (name, embedding_model, local_only, created_at) VALUES (${p(1, 'text')}, ${p(2, 'text')}, ${p(3, 'boolean')}, ${p(4, 'timestamptz')}) ` +
          'ON CONFLICT (name) DO NOTHING RETURNING name',
        [rec.name, rec.embeddingModel, rec.localOnly ? 1 : 0, toIsoTime(rec.createdAt)],
      );
      return rows.length === 1;
    },
    getCollection: async (name) => {
      const rows = await run(`SELECT name, embedding_model, local_only, created_at FROM rag_collections WHERE name = ${p(1)}`, [name]);
      return rows[0] ? decodeCollection(rows[0]) : undefined;
    },
    replaceDocument: async (collection, documentId, chunks) => {
      const sql = `INSERT INTO rag_chunks (${CHUNK_COLUMNS.join(', ')}) VALUES (${CHUNK_TYPES.map((t, i) => p(i + 1, t)).join(', ')})`;
      await atomic(
        [
          { sql: `DELETE FROM rag_chunks WHERE collection = ${p(1)} AND document_id = ${p(2)}`, params: [collection, documentId] },
          ...chunks.map((c) => ({
            sql,
            params: [collection, documentId, c.seq, c.heading, c.text, JSON.stringify(c.metadata), c.embedding, c.contentHash],
          })),
        ],
        lockOf(collection),
      );
    },
    chunks: async (collection) => {
      const rows = await run(`SELECT ${CHUNK_COLUMNS.join(', ')} FROM rag_chunks WHERE collection = ${p(1)} ORDER BY document_id, seq`, [
        collection,
      ]);
      return rows.map(decodeChunk);
    },
    documentHash: async (collection, documentId) => {
      const rows = await run(
        `SELECT content_hash FROM rag_chunks WHERE collection = ${p(1)} AND document_id = ${p(2)} ORDER BY seq LIMIT 1`,
        [collection, documentId],
      );
      return rows[0] ? String(rows[0].content_hash) : undefined;
    },
    documents: async (collection, page) => {
      // Every document has a chunk 0; the counts come from a grouped subquery over the same page.
      const rows = await run(
        'SELECT c.document_id, c.content_hash, c.metadata, n.chunks FROM rag_chunks c JOIN (' +
          `SELECT document_id, COUNT(*) AS chunks FROM rag_chunks WHERE collection = ${p(1)} AND document_id > ${p(2)} ` +
          `GROUP BY document_id ORDER BY document_id LIMIT ${p(3, 'integer')}` +
          `) n ON n.document_id = c.document_id WHERE c.collection = ${p(4)} AND c.seq = 0 ORDER BY c.document_id`,
        [collection, page.after ?? '', page.limit, collection],
      );
      return rows.map((r) => ({
        documentId: String(r.document_id),
        contentHash: String(r.content_hash),
        chunks: Number(r.chunks),
        metadata: decodeMetadata(r.metadata),
      }));
    },
    collections: async (limit) => {
      const rows = await run(
        'SELECT c.name, c.embedding_model, c.local_only, c.created_at, COUNT(DISTINCT k.document_id) AS documents, COUNT(k.seq) AS chunks ' +
          'FROM rag_collections c LEFT JOIN rag_chunks k ON k.collection = c.name ' +
          `GROUP BY c.name, c.embedding_model, c.local_only, c.created_at ORDER BY c.name LIMIT ${p(1, 'integer')}`,
        [limit],
      );
      return rows.map((r) => ({ ...decodeCollection(r), documents: Number(r.documents), chunks: Number(r.chunks) }));
    },
    deleteCollection: async (name) => {
      const [, collections] = await atomic(
        [
          { sql: `DELETE FROM rag_chunks WHERE collection = ${p(1)}`, params: [name] },
          { sql: `DELETE FROM rag_collections WHERE name = ${p(1)}`, params: [name] },
        ],
        lockOf(name),
      );
      return collections === 1;
    },
    generation: async (collection) => {
      const rows = await run(`SELECT generation FROM rag_collections WHERE name = ${p(1)}`, [collection]);
      return rows[0] ? Number(rows[0].generation) : undefined;
    },
    chunkPage: async (collection, after, limit) => {
      // Row-value comparison walks the primary key index in both databases.
      const rows = after
        ? await run(
            `SELECT ${CHUNK_COLUMNS.join(', ')} FROM rag_chunks WHERE collection = ${p(1)} AND (document_id, seq) > (${p(2, 'text')}, ${p(3, 'integer')}) ` +
              `ORDER BY document_id, seq LIMIT ${p(4, 'integer')}`,
            [collection, after.documentId, after.seq, limit],
          )
        : await run(
            `SELECT ${CHUNK_COLUMNS.join(', ')} FROM rag_chunks WHERE collection = ${p(1)} ORDER BY document_id, seq LIMIT ${p(2, 'integer')}`,
            [collection, limit],
          );
      return rows.map(decodeChunk);
    },
    chunksByKey: async (collection, keys) => {
      if (keys.length === 0) return [];
      const params: (string | number)[] = [collection];
      const alternatives = keys.map((k) => {
        params.push(k.documentId, k.seq);
        return `(document_id = ${p(params.length - 1, 'text')} AND seq = ${p(params.length, 'integer')})`;
      });
      const rows = await run(
        `SELECT ${CHUNK_COLUMNS.join(', ')} FROM rag_chunks WHERE collection = ${p(1)} AND (${alternatives.join(' OR ')})`,
        params,
      );
      return rows.map(decodeChunk);
    },
  };
}
