/**
 * Managing what a collection holds (docs/rag.md): ingest a document in any accepted format,
 * list documents and collections, delete one document or a whole collection.
 */
import { NotFoundError } from '../errors.js';
import type { GatewayServices } from '../gateway/services.js';
import type { RagCollectionSummary, RagDocumentSummary } from '../store/types.js';
import type { DocumentInput } from './extract.js';
import { documentHash } from './hash.js';
import { collectionOf, ingestDocument, storeOf } from './index.js';

export const LIST_LIMITS = { defaultDocuments: 100, maxDocuments: 1_000, collections: 1_000 } as const;

export interface IngestResult {
  chunks: number;
  unchanged: boolean;
  contentHash: string;
  /** PDFs: how many pages were read. */
  pages?: number;
}

/**
 * Stores `doc`, replacing what its id had. The hash is checked before extraction, so an unchanged
 * PDF or HTML page is neither parsed nor embedded again.
 */
export async function ingest(g: GatewayServices, collection: string, doc: DocumentInput, signal: AbortSignal): Promise<IngestResult> {
  await collectionOf(g, collection);
  const contentHash = documentHash(doc.format, doc.source, doc.metadata);
  if ((await storeOf(g).rag.documentHash(collection, doc.id)) === contentHash) return { chunks: 0, unchanged: true, contentHash };
  // HTML and PDF extraction (htmlparser2, the PDF reader) load with the first document to parse, not with the gateway.
  const { extractText } = await import('./extract.js');
  const { text, pages } = await extractText(doc, signal);
  const r = await ingestDocument(g, collection, { id: doc.id, text, metadata: doc.metadata }, signal, contentHash);
  return { ...r, contentHash, ...(pages !== undefined ? { pages } : {}) };
}

/** One page of the collection's documents by id; `hasMore` when another page follows. */
export async function listDocuments(
  g: GatewayServices,
  collection: string,
  page: { after?: string; limit: number },
): Promise<{ data: RagDocumentSummary[]; hasMore: boolean }> {
  await collectionOf(g, collection);
  const rows = await storeOf(g).rag.documents(collection, { ...page, limit: page.limit + 1 });
  return { data: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

export async function deleteDocument(g: GatewayServices, collection: string, id: string): Promise<void> {
  await collectionOf(g, collection);
  const store = storeOf(g);
  if ((await store.rag.documentHash(collection, id)) === undefined) {
    throw new NotFoundError('The collection has no document with that id.', 'document_not_found');
  }
  await store.rag.replaceDocument(collection, id, []);
}

export function listCollections(g: GatewayServices): Promise<RagCollectionSummary[]> {
  return storeOf(g).rag.collections(LIST_LIMITS.collections);
}

export async function deleteCollection(g: GatewayServices, collection: string): Promise<void> {
  if (!(await storeOf(g).rag.deleteCollection(collection))) {
    throw new NotFoundError('There is no collection with that name.', 'collection_not_found');
  }
}
