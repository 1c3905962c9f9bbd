/**
 * OAuth 2.0 access tokens for cloud adapters (Microsoft Entra ID client credentials, Google
 * service-account JWT bearer): one form POST to a token endpoint, the token cached per provider
 * and fetched again shortly before it expires. RFC 6749 §4.4 (client credentials), §5.1 (the
 * `access_token` / `expires_in` response) and §5.2 (the `error` / `error_description` response);
 * RFC 7523 (JWT bearer grant).
 *
 * Token endpoints and what is sent to them are never put in messages: the form holds the client
 * secret or a signed assertion, and the URL names the tenant.
 */
import { UpstreamError } from '../../errors.js';
import type { ProviderHandle } from '../spec.js';
import { addSecret, scrubSecrets, transportError } from './http.js';

export interface FetchedToken {
  accessToken: string;
  /** Lifetime in seconds from now (`expires_in`). */
  expiresIn: number;
}

/** How long a token request may take before it fails on its own (ms), whoever is waiting for it. */
const TOKEN_REQUEST_TIMEOUT_MS = 15_000;
/** A token endpoint that omits `expires_in`: assume one hour (the usual lifetime of both clouds). */
const DEFAULT_EXPIRES_IN_S = 3600;

/**
 * One cached access token. Concurrent callers share one request (single flight); the token is
 * used until `refreshMarginMs` before its expiry, then fetched again.
 */
export class TokenCache {
  private token: { value: string; refreshAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly fetchToken: (signal: AbortSignal) => Promise<FetchedToken>,
    private readonly opts: { now: () => number; refreshMarginMs: number },
  ) {}

  async get(signal: AbortSignal): Promise<string> {
    const t = this.token;
    if (t && this.opts.now() < t.refreshAt) return t.value;
    signal.throwIfAborted();
    if (!this.pending) {
      this.pending = this.refresh().finally(() => {
        this.pending = undefined;
      });
      // Every waiter handles the outcome; this only keeps a failure no one waits for any more
      // (all callers gone) from becoming an unhandled rejection.
      this.pending.catch(() => undefined);
    }
    return raceAbort(this.pending, signal);
  }

  /** Forgets the token (the upstream refused it: revoked, or the clock was wrong). */
  invalidate(): void {
    this.token = undefined;
  }

  private async refresh(): Promise<string> {
    const fetched = await this.fetchToken(AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS));
    const lifetimeMs = fetched.expiresIn * 1000;
    // A token shorter-lived than the margin is still used for half its life rather than never.
    const margin = Math.min(this.opts.refreshMarginMs, lifetimeMs / 2);
    this.token = { value: fetched.accessToken, refreshAt: this.opts.now() + lifetimeMs - margin };
    return fetched.accessToken;
  }
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * POSTs a form to a token endpoint through the provider's pool and reads the token response.
 * `what` names the credential for messages ("Microsoft Entra ID client credentials").
 */
export async function requestToken(
  provider: ProviderHandle,
  tokenUrl: string,
  form: Record<string, string>,
  what: string,
  signal: AbortSignal,
): Promise<FetchedToken> {
  const url = new URL(tokenUrl);
  let res;
  try {
    res = await provider.http.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal,
    });
  } catch (err) {
    const e = transportError(err, signal, provider);
    // transportError names the base URL, not the token endpoint: say which call failed instead.
    throw new UpstreamError(`Could not reach the token endpoint for '${provider.id}' (${what}): ${e.code}.`, { cause: err });
  }
  let text = '';
  try {
    text = await res.body.text();
  } catch {
    // judged by the status alone
  }
  let json: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // not JSON: handled below
  }
  if (res.statusCode < 200 || res.statusCode >= 300 || typeof json.access_token !== 'string' || !json.access_token) {
    const reason =
      [json.error, json.error_description].filter((x): x is string => typeof x === 'string' && x !== '').join(': ') ||
      (res.statusCode >= 300 ? 'no reason given' : 'the answer has no access_token');
    // RFC 6749 §5.2: 400/401 mean the credential itself was refused; report it as a 401 so
    // `meridian doctor` and the router treat it as bad credentials, not as an outage.
    const refused = res.statusCode === 400 || res.statusCode === 401 || res.statusCode === 403;
    throw new UpstreamError(
      scrubSecrets(
        `Could not get an access token for '${provider.id}' (${what}): token endpoint answered ${res.statusCode}: ${reason}`,
        provider,
      ),
      { upstreamStatus: refused ? 401 : res.statusCode >= 300 ? res.statusCode : 502, code: 'upstream_auth_failed' },
    );
  }
  addSecret(provider, json.access_token);
  const expiresIn = Number(json.expires_in);
  return { accessToken: json.access_token, expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_EXPIRES_IN_S };
}
