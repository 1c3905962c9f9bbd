/**
 * HTTP for retrieval (docs/rag.md): collections and documents are written with the master key,
 * any key searches. The logic lives in src/rag; this file only parses and answers.
 */
import { assertRequestObject } from '../api/schemas.js';
import {
  collectionName,
  collectionOf,
  collectionSchema,
  createCollection,
  documentSchema,
  ingestDocument,
  parseWith,
  searchSchema,
} from '../rag/index.js';
import { rerankHeader, retrieve } from '../rag/rerank.js';
import type { Route, RouteTable } from '../server/app.js';
import { readJsonBody, sendJson } from '../server/http-util.js';
import type { RequestContext } from './context.js';
import type { GatewayServices } from './services.js';

async function body(g: GatewayServices, ctx: RequestContext): Promise<Record<string, unknown>> {
  const b = await readJsonBody(ctx.req, g.config.server.bodyLimitBytes);
  assertRequestObject(b);
  return b;
}

/** POST /v1/rag/collections {name, embeddingModel, localOnly?}: 201 created, 200 when it exists. */
export async function handleCreateCollection(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const b = parseWith(collectionSchema, await body(g, ctx));
  const { created, collection } = await createCollection(g, b);
  sendJson(ctx.res, created ? 201 : 200, { object: 'rag.collection', created, ...collection });
}

/** POST /v1/rag/collections/{c}/documents {id, text, metadata?}: the id's chunks are replaced. */
export async function handleIngestDocument(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const collection = parseWith(collectionName, ctx.params?.c ?? '', 'collection');
  const b = parseWith(documentSchema, await body(g, ctx));
  const { chunks, unchanged } = await ingestDocument(g, collection, b, ctx.signal);
  sendJson(ctx.res, 200, { object: 'rag.document', collection, id: b.id, unchanged, ...(unchanged ? {} : { chunks }) });
}

/** POST /v1/rag/search {collection, query, k?, filter?}: ranked chunks with scores and source ids. */
export async function handleSearch(g: GatewayServices, ctx: RequestContext): Promise<void> {
  const b = parseWith(searchSchema, await body(g, ctx));
  const c = await collectionOf(g, b.collection);
  const { hits, reranker } = await retrieve(g, c, { query: b.query, k: b.k ?? 5, filter: b.filter, rerank: b.rerank }, ctx.signal);
  sendJson(ctx.res, 200, { object: 'list', collection: c.name, data: hits, ...(reranker ? { reranker } : {}) }, rerankHeader(reranker));
}

type Handler = (g: GatewayServices, ctx: RequestContext) => Promise<void>;

/** The write endpoints, behind the admin API's master-key `guard`. */
export function ragAdminRoutes(guard: (fn: Handler) => Route): RouteTable {
  return new Map([
    ['POST /v1/rag/collections', guard(handleCreateCollection)],
    ['POST /v1/rag/collections/{c}/documents', guard(handleIngestDocument)],
  ]);
}
