/**
 * Cache keys. A key is the sha256 of the canonical request (as sent upstream after the guard:
 * placeholders, not values), the resolved alias and the tenant scope. Fields that do not change
 * the answer are left out: `user` and `metadata` (labels), `stream_options` (only whether usage
 * is written), and the client's `model` spelling (the resolved alias stands for it). `stream`
 * stays in: a streamed answer is stored as its chunks, a complete one as a response.
 * Object keys are sorted, so `{a,b}` and `{b,a}` are the same request.
 */
import { createHash } from 'node:crypto';
import type { ChatRequest } from '../api/types.js';

/** Bump when the stored shape or the key recipe changes: old entries then simply miss. */
const KEY_VERSION = 'v1';

export interface CacheKeys {
  /** Exact-match key of the answer. */
  key: string;
  /** Semantic bucket: the same request with the last user message's text left out ('' unless asked for). */
  bucket: string;
  /** Text of the last user message (what the semantic layer embeds); undefined when it is not plain text. */
  lastUser: string | undefined;
}

/**
 * `tenant` undefined (auth off) is one scope of its own; `shared` puts every tenant in one scope.
 * `semantic`: also the bucket and the last user text (a second hash, only for aliases that use it).
 */
export function cacheKeys(request: ChatRequest, alias: string, tenant: string | undefined, shared: boolean, semantic = true): CacheKeys {
  const { model: _m, user: _u, metadata: _md, stream_options: _so, ...rest } = request;
  const scope = shared ? '*' : `t:${tenant ?? ''}`;
  const canonical = { ...rest, stream: request.stream === true };
  const key = digest([KEY_VERSION, scope, alias, canonical]);
  if (!semantic) return { key: `r:${key}`, bucket: '', lastUser: undefined };

  const at = lastUserIndex(request);
  const lastUser = at < 0 ? undefined : plainText(request.messages[at]!.content);
  const messages = request.messages.map((m, i) => (i === at ? { ...m, content: '\u0000last-user' } : m));
  const bucket = digest([KEY_VERSION, 'semantic', scope, alias, { ...canonical, messages }]);
  return { key: `r:${key}`, bucket: `s:${bucket}`, lastUser };
}

function lastUserIndex(request: ChatRequest): number {
  for (let i = request.messages.length - 1; i >= 0; i--) if (request.messages[i]!.role === 'user') return i;
  return -1;
}

function plainText(content: ChatRequest['messages'][number]['content']): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content) || content.some((p) => p.type !== 'text')) return undefined;
  return content.map((p) => (p.type === 'text' ? p.text : '')).join('\n');
}

function digest(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

/** JSON with object keys sorted at every level; `undefined` members dropped as JSON.stringify does. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${stableJson(obj[k])}`);
  }
  return `{${parts.join(',')}}`;
}
