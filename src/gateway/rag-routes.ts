/**
 * HTTP for retrieval (docs/rag.md): collections and documents are managed (written, listed,
 * deleted) with the master key, any key searches. The logic lives in src/rag; this file only
 * parses and answers.
 */
import { z } from 'zod';
import { assertRequestObject } from '../api/schemas.js';
import { InvalidRequestError } from '../errors.js';
import { deleteCollection, deleteDocument, ingest, LIST_LIMITS, listCollections, listDocuments } from '../rag/documents.js';
import { collectionName, collectionOf, collectionSchema, createCollection, documentId, parseWith, searchSchema } from '../rag/index.js';
import { rerankHeader, retrieve } from '../rag/rerank.js';
import type { Route, RouteTable } from '../server/app.js';
import { readJsonBody, sendJson } from '../server/http-util.js';
import type { RequestContext } from './context.js';
import type { GatewayServices } from './services.js';

async function body(g: GatewayServices, ctx: RequestContext, limit = g.config.server.bodyLimitBytes): Promise<Record<string, unknown>> {
  const b = await readJsonBody(ctx.req, limit);
  assertRequestObject(b);
  return b;
}

const collectionParam = (ctx: RequestContext): string => parseWith(collectionName, ctx.params?.c ?? '', 'collection');

/** A document id is one path segment, percent-encoded (`a%2Fb.md` for `a/b.md`): ids may contain `/`. */
function documentParam(ctx: RequestContext): string {
  let id: string;
  try {
    id = decodeURIComponent(ctx.params?.id ?? '');
  } catch {
    throw new InvalidRequestError("Invalid 'id': not valid percent-encoding.", 'id');
  }
  return parseWith(documentId, id, 'id');
}

const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(LIST_LIMITS.maxDocuments).optional(),
    after: documentId.optional(),
  })
  .strict();

/** POST /v1/rag/collections {name, embeddingModel, localOnly?}: 201 created, 200 when it exists. */
export async function handleCreateCollection(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const b = parseWith(collectionSchema, await body(g, ctx));
  const { created, collection } = await createCollection(g, b);
  sendJson(ctx.res, created ? 201 : 200, { object: 'rag.collection', created, ...collection });
}

/**
 * POST /v1/rag/collections/{c}/documents {id, format?, text | data, metadata?}: the id's chunks are
 * replaced. The body may exceed server.bodyLimitBytes up to the largest PDF's base64 (the route
 * is master-key only, so no client without it can make the gateway buffer that much).
 */
export async function handleIngestDocument(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const collection = collectionParam(ctx);
  // HTML and PDF extraction (htmlparser2 and the PDF reader) load with the first document, not at start-up.
  const { DOCUMENT_BODY_BYTES, parseDocument } = await import('../rag/extract.js');
  const doc = parseDocument(await body(g, ctx, Math.max(g.config.server.bodyLimitBytes, DOCUMENT_BODY_BYTES)));
  const r = await ingest(g, collection, doc, ctx.signal);
  sendJson(ctx.res, 200, {
    object: 'rag.document',
    collection,
    id: doc.id,
    format: doc.format,
    unchanged: r.unchanged,
    content_hash: r.contentHash,
    ...(r.unchanged ? {} : { chunks: r.chunks }),
    ...(r.pages !== undefined ? { pages: r.pages } : {}),
  });
}

/** GET /v1/rag/collections/{c}/documents?limit=&after=: documents by id, paginated. */
export async function handleListDocuments(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const collection = collectionParam(ctx);
  const q = parseWith(listQuery, Object.fromEntries(new URL(ctx.req.url ?? '/', 'http://x').searchParams));
  const { data, hasMore } = await listDocuments(g, collection, {
    limit: q.limit ?? LIST_LIMITS.defaultDocuments,
    ...(q.after ? { after: q.after } : {}),
  });
  sendJson(ctx.res, 200, {
    object: 'list',
    collection,
    data: data.map((d) => ({
      object: 'rag.document',
      id: d.documentId,
      content_hash: d.contentHash,
      chunks: d.chunks,
      metadata: d.metadata,
    })),
    has_more: hasMore,
    last_id: data.at(-1)?.documentId ?? null,
  });
}

/** DELETE /v1/rag/collections/{c}/documents/{id} (id percent-encoded). */
export async function handleDeleteDocument(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const collection = collectionParam(ctx);
  const id = documentParam(ctx);
  await deleteDocument(g, collection, id);
  sendJson(ctx.res, 200, { object: 'rag.document', collection, id, deleted: true });
}

/** GET /v1/rag/collections: every collection (at most LIST_LIMITS.collections) with its counts. */
export async function handleListCollections(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const data = (await listCollections(g)).map((c) => ({ object: 'rag.collection', ...c }));
  sendJson(ctx.res, 200, { object: 'list', data });
}

/** DELETE /v1/rag/collections/{c}: the collection and all its documents. */
export async function handleDeleteCollection(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const name = collectionParam(ctx);
  await deleteCollection(g, name);
  sendJson(ctx.res, 200, { object: 'rag.collection', name, deleted: true });
}

/** POST /v1/rag/search {collection, query, k?, filter?}: ranked chunks with scores and source ids. */
export async function handleSearch(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const b = parseWith(searchSchema, await body(g, ctx));
  const c = await collectionOf(g, b.collection);
  const { hits, reranker } = await retrieve(g, c, { query: b.query, k: b.k ?? 5, filter: b.filter, rerank: b.rerank }, ctx.signal);
  sendJson(ctx.res, 200, { object: 'list', collection: c.name, data: hits, ...(reranker ? { reranker } : {}) }, rerankHeader(reranker));
}

type Handler = (g: GatewayServices, ctx: RequestContext) => Promise<void>;

/**
 * The management endpoints, behind the admin API's master-key `guard`. Listing is managing too: it
 * enumerates a collection's whole content, where a search shows a key one query's best chunks.
 */
export function ragAdminRoutes(guard: (fn: Handler) => Route): RouteTable {
  return new Map([
    ['POST /v1/rag/collections', guard(handleCreateCollection)],
    ['GET /v1/rag/collections', guard(handleListCollections)],
    ['DELETE /v1/rag/collections/{c}', guard(handleDeleteCollection)],
    ['POST /v1/rag/collections/{c}/documents', guard(handleIngestDocument)],
    ['GET /v1/rag/collections/{c}/documents', guard(handleListDocuments)],
    ['DELETE /v1/rag/collections/{c}/documents/{id}', guard(handleDeleteDocument)],
  ]);
}
