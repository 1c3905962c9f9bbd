/**
 * `"rag": {"collection", "k"?, "filter"?}` on an OpenAI chat body: the chunks retrieved for the
 * last user message become a system message (with their source ids) before the body is parsed,
 * so the guard inspects them like any text, and their ids go back in `x-meridian-sources`. A
 * `localOnly` collection gives the request the key data policy `local-only` (router/planner.ts).
 */
import { InvalidRequestError } from '../errors.js';
import { chatRagSchema, collectionOf, contextMessage, parseWith, RAG_LIMITS, search, sourcesHeader } from '../rag/index.js';
import type { RequestContext } from './context.js';
import type { GatewayServices } from './services.js';

export async function applyRag(g: GatewayServices, ctx: RequestContext, body: unknown): Promise<unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !('rag' in body)) return body;
  const { rag, ...rest } = body as Record<string, unknown>;
  const opts = parseWith(chatRagSchema, rag, 'rag');
  const messages = rest.messages;
  if (!Array.isArray(messages)) return rest; // the chat schema names what is wrong
  const query = lastUserText(messages);
  if (!query) throw new InvalidRequestError("Invalid 'rag': the request has no user message text to search with.", 'rag');
  const c = await collectionOf(g, opts.collection);
  if (c.localOnly) ctx.principal = { ...ctx.principal, dataPolicy: 'local-only' };
  const hits = await search(g, c, query.slice(0, RAG_LIMITS.queryChars), opts.k ?? 5, opts.filter, ctx.signal);
  ctx.res.setHeader('x-meridian-sources', sourcesHeader(hits));
  return { ...rest, messages: [{ role: 'system', content: contextMessage(hits) }, ...messages] };
}

function lastUserText(messages: unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown; content?: unknown } | null;
    if (!m || typeof m !== 'object' || m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content.trim();
    if (Array.isArray(m.content)) {
      return m.content
        .map((p: unknown) =>
          p && typeof p === 'object' && (p as { type?: unknown }).type === 'text' ? String((p as { text?: unknown }).text ?? '') : '',
        )
        .join(' ')
        .trim();
    }
    return '';
  }
  return '';
}
