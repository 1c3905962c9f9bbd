/**
 * Retrieval collections and chunks, implemented once for both backends (like ./prompt-records.ts).
 * A document's chunks are replaced by delete-then-insert, not in one transaction: a search running
 * during a re-ingest may see the document half replaced (docs/rag.md).
 */
import { parseJson, toIsoTime } from './log-rows.js';
import type { RecordSqlDialect, RunSql } from './prompt-records.js';
import type { RagChunkRecord, Store } from './types.js';

type Row = Record<string, unknown>;

const CHUNK_COLUMNS = ['collection', 'document_id', 'seq', 'heading', 'text', 'metadata', 'embedding', 'content_hash'] as const;
const CHUNK_TYPES = ['text', 'text', 'integer', 'text', 'text', 'text', 'text', 'text'] as const;

function decodeChunk(r: Row): RagChunkRecord {
  const metadata = parseJson(r.metadata);
  return {
    documentId: String(r.document_id),
    seq: Number(r.seq),
    heading: String(r.heading),
    text: String(r.text),
    metadata: metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as RagChunkRecord['metadata']) : {},
    embedding: String(r.embedding),
    contentHash: String(r.content_hash),
  };
}

export function ragRecords(run: RunSql, d: RecordSqlDialect): Store['rag'] {
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
      const r = rows[0];
      if (!r) return undefined;
      return {
        name: String(r.name),
        embeddingModel: String(r.embedding_model),
        localOnly: r.local_only === true || Number(r.local_only) === 1,
        createdAt: toIsoTime(r.created_at as string | Date),
      };
    },
    replaceDocument: async (collection, documentId, chunks) => {
      await run(`DELETE FROM rag_chunks WHERE collection = ${p(1)} AND document_id = ${p(2)}`, [collection, documentId]);
      const sql = `INSERT INTO rag_chunks (${CHUNK_COLUMNS.join(', ')}) VALUES (${CHUNK_TYPES.map((t, i) => p(i + 1, t)).join(', ')})`;
      for (const c of chunks) {
        await run(sql, [collection, documentId, c.seq, c.heading, c.text, JSON.stringify(c.metadata), c.embedding, c.contentHash]);
      }
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
