/**
 * `"rag": {"collection", "k"?, "filter"?}` on a chat body, whatever the wire (or in the registered
 * prompt the body names): the chunks retrieved for the last user message become a system message
 * (with their source ids) in the canonical request before admission, so the guard inspects them
 * like any text; their ids go back in `x-meridian-sources` and a `sources` field. A `localOnly`
 * collection gives the request the key data policy `local-only` (router/planner.ts).
 */
import type { ChatMessage, ChatRequest } from '../api/types.js';
import { InvalidRequestError } from '../errors.js';
import { chatRagSchema, collectionOf, contextMessage, parseWith, RAG_LIMITS, sourcesHeader, type SearchHit } from '../rag/index.js';
import { retrieve } from '../rag/rerank.js';
import type { RequestContext } from './context.js';
import type { GatewayServices } from './services.js';

/** One retrieved chunk as the answer's `sources` lists it: what to cite, not the text again. */
export interface RetrievedSource {
  id: string;
  document_id: string;
  heading: string;
  score: number;
}

/** Takes the gateway's own `rag` field off a JSON body, so the wire's parser never sees it. */
export function takeRag(body: unknown): { body: unknown; rag: unknown } {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !('rag' in body)) return { body, rag: undefined };
  const { rag, ...rest } = body as Record<string, unknown>;
  return { body: rest, rag };
}

/** The request with the retrieved context in front of its conversation, and the sources it used. */
export async function applyRag(
  g: GatewayServices,
  ctx: RequestContext,
  request: ChatRequest,
  rag: unknown,
): Promise<{ request: ChatRequest; sources: RetrievedSource[] }> {
  const opts = parseWith(chatRagSchema, rag, 'rag');
  const query = lastUserText(request.messages);
  if (!query) throw new InvalidRequestError("Invalid 'rag': the request has no user message text to search with.", 'rag');
  const c = await collectionOf(g, opts.collection);
  if (c.localOnly) ctx.principal = { ...ctx.principal, dataPolicy: 'local-only' };
  ctx.collection = c.name;
  const { hits, reranker } = await retrieve(
    g,
    c,
    { query: query.slice(0, RAG_LIMITS.queryChars), k: opts.k ?? 5, filter: opts.filter, rerank: opts.rerank },
    ctx.signal,
  );
  ctx.res.setHeader('x-meridian-sources', sourcesHeader(hits));
  if (reranker) ctx.res.setHeader('x-meridian-rerank', reranker);
  const context: ChatMessage = { role: 'system', content: contextMessage(hits) };
  return { request: { ...request, messages: [context, ...request.messages] }, sources: hits.map(sourceOf) };
}

function sourceOf(h: SearchHit): RetrievedSource {
  return { id: h.id, document_id: h.document_id, heading: h.heading, score: h.score };
}

function lastUserText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content.trim();
    if (Array.isArray(m.content)) {
      return m.content
        .map((p) => (p.type === 'text' ? p.text : ''))
        .join(' ')
        .trim();
    }
    return '';
  }
  return '';
}
