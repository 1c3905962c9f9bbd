/** Per-request state shared by the route handlers: ids, timing, the client's abort signal. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PermissionDeniedError } from '../errors.js';

export interface Principal {
  tenant?: string;
  keyId?: string;
  /** Allowed aliases / provider/model names; undefined = all. */
  models?: string[];
  dataPolicy?: 'local-only' | 'any';
  rpm?: number;
  tpm?: number;
  budget?: { usd?: number; tokens?: number; period: 'day' | 'month'; mode?: 'hard' | 'soft' | 'downgrade' };
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Ours (a UUID): the request log's key, sent back as `x-request-id`. */
  requestId: string;
  /** The client's `x-request-id` when it sent a well-formed one (printable ASCII, ≤ 128 chars); logged, never trusted as a key. */
  clientRequestId?: string;
  /** `x-meridian-episode`: the client's id grouping the requests of one episode (an agent run, a conversation). */
  episode?: string;
  /** `performance.now()` when the request arrived. */
  start: number;
  /** ISO time the request arrived. */
  time: string;
  /** Aborts when the client goes away before the response is complete. */
  signal: AbortSignal;
  principal: Principal;
  /** The retrieval collection the request's context came from (rag-step.ts), for policies. */
  collection?: string;
  /** The route's `{name}` path segments as sent (not decoded, not validated): `GET /v1/responses/{id}`. */
  params?: Readonly<Record<string, string>>;
}

/** At most this many tags of this length reach the policies (clients choose them). */
const MAX_TAGS = 32;
const MAX_TAG_LENGTH = 128;

/** Tags from `x-meridian-tags: a,b` and body `metadata` (`tags: "a,b"`, plus `key:value`), bounded. */
export function collectTags(header: string | string[] | undefined, metadata: Record<string, string> | undefined): string[] {
  const tags: string[] = [];
  const push = (t: string) => {
    if (tags.length < MAX_TAGS) tags.push(t.slice(0, MAX_TAG_LENGTH));
  };
  const add = (list: string) => {
    for (const t of list.split(',')) {
      const s = t.trim().toLowerCase();
      if (s) push(s);
    }
  };
  if (header) add(Array.isArray(header) ? header.join(',') : header);
  if (metadata) {
    for (const k in metadata) {
      if (k === 'tags') add(metadata[k]!);
      else push(`${k.toLowerCase()}:${String(metadata[k]).toLowerCase()}`);
    }
  }
  return tags;
}

/** A key limited to some models may use only those (aliases or `provider/model`, as sent). */
export function assertModelAllowed(principal: Principal, model: string): void {
  if (principal.models && principal.models.length && !principal.models.includes(model)) {
    throw new PermissionDeniedError(
      `This key may not use '${model}'. Allowed: ${principal.models.join(', ')}.`,
      'model_not_allowed',
      'model',
    );
  }
}

const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * An id the client sends in a header (`x-request-id`, `x-meridian-episode`): kept only when it is
 * one header of printable ASCII, at most 128 characters, so it is safe to log and store.
 */
export function clientIdOf(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && CLIENT_ID.test(header) ? header : undefined;
}
