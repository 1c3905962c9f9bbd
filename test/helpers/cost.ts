/**
 * Helpers for the cost integration tests: raw chat calls that keep headers and trailers, the
 * request log through the admin API, and an independent price computation (docs/cost.md) to
 * compare the gateway's numbers with.
 */
import { request } from 'undici';
import { getDefaultCatalog } from '../../src/meter/catalog.js';

export const MASTER = 'master-key-for-cost-tests-0123456789';

export interface ChatReply {
  status: number;
  headers: Record<string, string>;
  /** Trailers (streams): `x-meridian-cost-usd` arrives here. */
  trailers: Record<string, string>;
  json?: any;
  /** SSE `data:` payloads, parsed (streams), without `[DONE]`. */
  events?: any[];
  text: string;
}

/** POSTs a chat request with undici's `request`, which exposes HTTP trailers after the body. */
export async function chat(baseUrl: string, body: Record<string, unknown>, key?: string): Promise<ChatReply> {
  const res = await request(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
  const reply: ChatReply = { status: res.statusCode, headers, trailers: { ...(res.trailers as Record<string, string>) }, text };
  if (headers['content-type']?.startsWith('text/event-stream')) {
    reply.events = text
      .split('\n\n')
      .map((b) =>
        b
          .split('\n')
          .find((l) => l.startsWith('data: '))
          ?.slice(6),
      )
      .filter((d): d is string => d !== undefined && d !== '[DONE]')
      .map((d) => JSON.parse(d));
  } else if (text) {
    reply.json = JSON.parse(text);
  }
  return reply;
}

export async function admin(baseUrl: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`admin ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The request-log entry of one request (by its x-request-id). */
export async function logEntry(baseUrl: string, requestId: string): Promise<Record<string, any>> {
  const { data } = await admin(baseUrl, '/admin/requests?limit=1000');
  const e = (data as Array<Record<string, any>>).find((x) => x.id === requestId);
  if (!e) throw new Error(`request ${requestId} is not in the log`);
  return e;
}

export interface UsageFacts {
  prompt: number;
  cached?: number;
  /** Billed output tokens, reasoning included. */
  completion: number;
}

/** USD per docs/cost.md: (prompt − cached) × input + cached × cachedInput + completion × output. */
export function usdFor(price: { input: number; cachedInput?: number; output: number }, u: UsageFacts): number {
  const cached = u.cached ?? 0;
  return ((u.prompt - cached) * price.input + cached * (price.cachedInput ?? price.input) + u.completion * price.output) / 1e6;
}

/** The shipped catalog's price for a model (fails the test when the model is missing). */
export function catalogPrice(providerType: string, model: string) {
  const hit = getDefaultCatalog().lookup(providerType, model);
  if (!hit) throw new Error(`${providerType}/${model} is not in data/prices.json`);
  return hit.entry;
}

/** Cost header/trailer → number, rejecting anything that is not a plain decimal. */
export function costValue(v: string | undefined): number {
  if (v === undefined || !/^\d+(\.\d+)?$/.test(v)) throw new Error(`not a cost value: ${String(v)}`);
  return Number(v);
}

/** Equal to 8 decimals (the header's precision). */
export function closeTo(actual: number, expected: number, label: string): void {
  if (Math.abs(actual - expected) > 5e-9) throw new Error(`${label}: expected ${expected}, got ${actual}`);
}
