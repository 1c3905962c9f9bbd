/**
 * Upstream HTTP for every adapter: one pooled undici dispatcher per provider, one mapping from
 * transport failures and error statuses to MeridianError, credentials scrubbed from messages.
 */
import type { Dispatcher } from 'undici';
import { UpstreamError, UpstreamTimeoutError, MeridianError } from '../../errors.js';
import type { ProviderConfig, ProviderHandle } from '../spec.js';
import { currentCallHeaders } from './trace-headers.js';

export interface UpstreamRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  /** Path appended to the provider's baseUrl, e.g. `/chat/completions` or `/api/chat?x=1`. */
  path: string;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as-is; anything else is JSON-encoded. */
  body?: unknown;
  signal: AbortSignal;
  /** Name used in error messages (`provider/model`). */
  deployment?: string;
  /**
   * Reads an error response the adapter knows better than the generic mapping (Azure's content
   * filter); undefined falls back to it. The text is the raw body: scrub what you quote.
   */
  describeError?: (status: number, text: string) => MeridianError | undefined;
}

export interface UpstreamResponse {
  statusCode: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Dispatcher.ResponseData['body'];
}

/**
 * Sends a request upstream and returns the open response when the status is 2xx. Any other
 * status is read, turned into an UpstreamError (upstream message kept, `Retry-After` parsed),
 * and thrown.
 */
export async function upstreamRequest(provider: ProviderHandle, req: UpstreamRequest): Promise<UpstreamResponse> {
  const { origin, path, headers, body } = buildRequest(provider, req);
  let res: Dispatcher.ResponseData;
  try {
    res = await provider.http.request({
      origin,
      path,
      method: req.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      signal: req.signal,
    });
  } catch (err) {
    throw transportError(err, req.signal, provider, req.deployment);
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res;
  let text = '';
  try {
    text = await res.body.text();
  } catch {
    // the status alone is the message
  }
  const own = req.describeError?.(res.statusCode, text);
  if (own) throw own;
  throw new UpstreamError(describeUpstreamError(provider, res.statusCode, text), {
    upstreamStatus: res.statusCode,
    deployment: req.deployment,
    retryAfter: parseRetryAfter(res.headers['retry-after']),
  });
}

/**
 * Everything that goes on the wire, checked before anything is sent: a header or path that
 * undici would refuse (or, worse, that would split the request) fails here with a message that
 * names the field, never after a connection was taken. Header values are never echoed: they may
 * be credentials.
 */
function buildRequest(
  provider: ProviderHandle,
  req: UpstreamRequest,
): { origin: string; path: string; headers: Record<string, string>; body: string | Buffer | undefined } {
  const base = splitBaseUrl(provider);
  const where = req.deployment ?? provider.id;
  const fail = (what: string) =>
    new UpstreamError(`Cannot build the request to '${where}': ${what}`, { deployment: req.deployment, code: 'upstream_request_invalid' });
  let body: string | Buffer | undefined;
  try {
    body =
      req.body === undefined ? undefined : typeof req.body === 'string' || Buffer.isBuffer(req.body) ? req.body : JSON.stringify(req.body);
  } catch {
    throw fail('the body cannot be encoded as JSON.');
  }
  // providers[].headers were checked at start (a ConfigError); only what this request adds is checked here.
  // The attempt's own headers (traceparent) come from async context and are generated, so safe.
  const headers: Record<string, string> = { ...provider.config.headers, ...req.headers, ...currentCallHeaders() };
  for (const name in req.headers) {
    const problem = headerProblem(name, req.headers[name]!);
    if (problem) throw fail(`${problem} Check providers[${provider.id}].headers, apiKey and options.`);
  }
  if (body !== undefined && !hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
  const path = base.path + req.path;
  if (!REQUEST_TARGET.test(path)) throw fail('the request path has a space, control or non-ASCII character (encode it first).');
  return { origin: base.origin, path, headers, body };
}

/** RFC 9110 §5.6.2 token: what a header name may contain. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9110 §5.5 field-value: visible ASCII, obs-text (Latin-1), space and tab; never CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** RFC 9112 §3.2 origin-form: visible ASCII only (anything else must be percent-encoded). */
const REQUEST_TARGET = /^[\x21-\x7e]*$/;

/** Why a header cannot be sent as is, or undefined when it can. The value is never quoted (it may be a secret). */
export function headerProblem(name: string, value: string): string | undefined {
  if (!TOKEN.test(name)) return `header name ${JSON.stringify(name.slice(0, 64))} is not a valid HTTP token.`;
  if (typeof value !== 'string' || !FIELD_VALUE.test(value)) {
    return `the value of header '${name}' contains CR, LF, a control character or a character outside Latin-1.`;
  }
  return undefined;
}

const bases = new WeakMap<ProviderHandle, { origin: string; path: string }>();

/** The base URL split once per provider (URL parsing costs microseconds; this runs per request). */
function splitBaseUrl(provider: ProviderHandle): { origin: string; path: string } {
  let b = bases.get(provider);
  if (!b) {
    const url = new URL(provider.baseUrl);
    b = { origin: url.origin, path: url.pathname.replace(/\/+$/, '') };
    bases.set(provider, b);
  }
  return b;
}

/** Reads a JSON body; a body that is not JSON is an upstream error, not a crash. */
export async function readJson<T>(res: UpstreamResponse, provider: ProviderHandle, deployment?: string): Promise<{ json: T; raw: Buffer }> {
  const raw = Buffer.from(await res.body.arrayBuffer());
  try {
    return { json: JSON.parse(raw.toString('utf8')) as T, raw };
  } catch {
    throw new UpstreamError(`Upstream '${provider.id}' returned a body that is not JSON.`, { deployment, upstreamStatus: 502 });
  }
}

/** Maps an error thrown while talking to the upstream (connect, reset, abort) to a MeridianError. */
export function transportError(err: unknown, signal: AbortSignal, provider: ProviderHandle, deployment?: string): MeridianError {
  if (err instanceof MeridianError) return err;
  const where = deployment ?? provider.id;
  if (signal.aborted) {
    const reason = signal.reason as { name?: string; message?: string } | undefined;
    if (reason?.name === 'TimeoutError') {
      // The router names the deadline in its reason; the plain attempt timeout says nothing more.
      const why = reason.message && reason.message !== 'The operation timed out.' ? ` (${reason.message})` : '';
      return new UpstreamTimeoutError(`Upstream '${where}' did not answer in time${why}.`, deployment);
    }
    return new UpstreamError(`Request to '${where}' was cancelled.`, { deployment, cause: err, code: 'request_cancelled', status: 499 });
  }
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? 'UPSTREAM_ERROR';
  return new UpstreamError(`Could not reach '${where}' at ${provider.baseUrl} (${code}).`, { deployment, cause: err });
}

function describeUpstreamError(provider: ProviderHandle, status: number, text: string): string {
  let detail = text.slice(0, 2000);
  try {
    const j = JSON.parse(text) as { error?: { message?: string } | string; message?: string; detail?: string };
    detail = (typeof j.error === 'string' ? j.error : j.error?.message) ?? j.message ?? j.detail ?? detail;
  } catch {
    // not JSON: keep the text
  }
  return scrubSecrets(`Upstream '${provider.id}' returned ${status}: ${detail || 'no message'}`, provider);
}

/** Most recent runtime secrets kept per provider (a token refreshed hourly must not grow the set forever). */
const MAX_EXTRA_SECRETS = 8;
const extraSecrets = new WeakMap<ProviderConfig, string[]>();

/**
 * Registers a secret that is not `apiKey` (an OAuth client secret, an access token fetched at run
 * time) so that `scrubSecrets` removes it from every message about this provider.
 */
export function addSecret(provider: ProviderHandle, secret: string | undefined): void {
  if (!secret || secret.length < 4) return;
  const list = extraSecrets.get(provider.config) ?? [];
  if (list.includes(secret)) return;
  list.push(secret);
  if (list.length > MAX_EXTRA_SECRETS) list.shift();
  extraSecrets.set(provider.config, list);
}

/**
 * Removes the provider's key and registered secrets (and anything that looks like a bearer token,
 * a JWT or a Google OAuth access token) from a message.
 */
export function scrubSecrets(message: string, provider?: ProviderHandle): string {
  let out = message;
  const key = provider?.config.apiKey;
  if (key && key.length >= 4) out = out.split(key).join('***');
  for (const s of (provider && extraSecrets.get(provider.config)) ?? []) out = out.split(s).join('***');
  return out
    .replace(/\b(sk-[A-Za-z0-9_-]{6})[A-Za-z0-9_-]+/g, '$1***')
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/-]+=*/gi, '$1***')
    .replace(/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, 'eyJ***')
    .replace(/\bya29\.[A-Za-z0-9._-]+/g, 'ya29.***');
}

/** `Retry-After` in seconds (delta-seconds or HTTP date). */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return Math.max(0, n);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.ceil((t - Date.now()) / 1000));
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}
