/**
 * Google service-account credentials → OAuth access token: a JWT signed RS256 with the key's
 * private key (node:crypto), exchanged at the token URI with the JWT-bearer grant.
 * https://developers.google.com/identity/protocols/oauth2/service-account#httprest , RFC 7523.
 */
import { sign, type KeyObject } from 'node:crypto';
import { addSecret } from '../shared/http.js';
import { requestToken, TokenCache } from '../shared/oauth-token.js';
import type { ProviderConfig, ProviderHandle } from '../spec.js';
import type { VertexOptions } from './settings.js';

/** Google access tokens live one hour; fetch a new one a minute before. */
const REFRESH_MARGIN_MS = 60_000;
/** The assertion's lifetime: Google accepts at most one hour. */
const ASSERTION_LIFETIME_S = 3600;

const b64url = (v: string | Buffer): string => Buffer.from(v).toString('base64url');

/** The signed assertion (header.claims.signature). */
export function signServiceAccountJwt(opts: VertexOptions, privateKey: KeyObject, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const header = { alg: 'RS256', typ: 'JWT', ...(opts.key.private_key_id ? { kid: opts.key.private_key_id } : {}) };
  const claims = { iss: opts.key.client_email, scope: opts.scope, aud: opts.tokenUri, iat, exp: iat + ASSERTION_LIFETIME_S };
  const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${unsigned}.${b64url(sign('RSA-SHA256', Buffer.from(unsigned), privateKey))}`;
}

export class ServiceAccountAuth {
  private readonly caches = new WeakMap<ProviderConfig, TokenCache>();

  constructor(private readonly now: () => number) {}

  async headers(provider: ProviderHandle, opts: VertexOptions, signal: AbortSignal): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.cache(provider, opts).get(signal)}` };
  }

  refused(provider: ProviderHandle): void {
    this.caches.get(provider.config)?.invalidate();
  }

  private cache(provider: ProviderHandle, opts: VertexOptions): TokenCache {
    let c = this.caches.get(provider.config);
    if (!c) {
      const key = opts.privateKey;
      addSecret(provider, opts.key.private_key);
      c = new TokenCache(
        (signal) =>
          requestToken(
            provider,
            opts.tokenUri,
            { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: signServiceAccountJwt(opts, key, this.now()) },
            `service account ${opts.key.client_email}`,
            signal,
          ),
        { now: this.now, refreshMarginMs: REFRESH_MARGIN_MS },
      );
      this.caches.set(provider.config, c);
    }
    return c;
  }
}
