/**
 * Virtual-key auth and rate limits. Keys are looked up by sha256 and cached for a short time so
 * the hot path does not wait on the store; request and token limits are consumed atomically in
 * the store's counters (Redis when scaled out, so they are exact across replicas).
 */
import type { IncomingMessage } from 'node:http';
import { AuthenticationError, RateLimitError } from '../errors.js';
import { hashKey } from '../store/keys.js';
import type { ApiKeyRecord, Store } from '../store/types.js';
import type { Principal } from './context.js';
import type { AuthService } from './services.js';

export interface AuthOptions {
  mode: 'auto' | 'required' | 'none';
  /** How long a looked-up key (or its absence) is trusted before asking the store again. */
  cacheMs?: number;
}

export interface Auth extends AuthService {
  /** Whether requests must carry a key right now. */
  enabled(): boolean;
  /**
   * After creating, revoking, rotating or editing a key: forgets every cached key and re-reads
   * whether keys exist here, and tells the other processes sharing the store to do the same
   * (store.events: Redis scaled out, the cluster primary under `serve --workers`), so a change is
   * in effect everywhere at once rather than after the cache time.
   */
  keysChanged(): Promise<void>;
}

/** The store.events channel of key changes; the message carries nothing (every cached key is dropped). */
const KEYS_CHANNEL = 'keys';

export async function createAuth(store: Store, opts: AuthOptions): Promise<Auth> {
  // Short enough that a key revoked on another replica stops working within seconds; one lookup per
  // key per replica per window is cheap even against PostgreSQL.
  const cacheMs = opts.cacheMs ?? 5_000;
  const cache = new Map<string, { record: ApiKeyRecord | undefined; until: number }>();
  let keysExist = opts.mode === 'auto' ? (await store.keys.count()) > 0 : false;
  let lastRefresh = Date.now();

  const enabled = () => {
    if (opts.mode === 'required') return true;
    if (opts.mode === 'none') return false;
    // Other replicas may have created the first key: re-check every couple of seconds (one cheap
    // count, off the hot path, only while this replica knows of no key).
    if (!keysExist && Date.now() - lastRefresh > Math.min(cacheMs, 2_000)) {
      lastRefresh = Date.now();
      void store.keys.count().then(
        (n) => (keysExist = n > 0),
        () => undefined,
      );
    }
    return keysExist;
  };

  async function lookup(hash: string): Promise<ApiKeyRecord | undefined> {
    const now = Date.now();
    const hit = cache.get(hash);
    if (hit && hit.until > now) return hit.record;
    const record = await store.keys.findByHash(hash);
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, { record, until: now + cacheMs });
    return record;
  }

  const refresh = async () => {
    keysExist = (await store.keys.count()) > 0;
    lastRefresh = Date.now();
  };
  // Best effort, as store.events is: a missed notice still expires with the cache.
  await store.events
    ?.subscribe(KEYS_CHANNEL, () => {
      cache.clear();
      void refresh().catch(() => undefined);
    })
    .catch(() => undefined);

  return {
    enabled,
    async keysChanged() {
      cache.clear();
      await refresh();
      await store.events?.publish(KEYS_CHANNEL, '').catch(() => undefined);
    },
    async authenticate(req: IncomingMessage): Promise<Principal> {
      const key = bearer(req);
      if (!enabled()) {
        if (opts.mode === 'none' || !key) return {};
        // `auto` with no key seen yet: another replica may have created one since. A presented key
        // is looked up (cached per hash), so a key made on any replica is honored, and limited, at once.
        const found = await lookup(hashKey(key));
        if (!found) return {};
        keysExist = true;
      }
      if (!key) throw new AuthenticationError('This gateway requires an API key: send "Authorization: Bearer mk-…".', 'missing_api_key');
      const record = await lookup(hashKey(key));
      if (!record || record.revokedAt) throw new AuthenticationError('The API key is invalid or has been revoked.', 'invalid_api_key');
      const p: Principal = { tenant: record.tenant, keyId: record.id };
      if (record.models.length) p.models = record.models;
      if (record.dataPolicy) p.dataPolicy = record.dataPolicy;
      if (record.rpm) p.rpm = record.rpm;
      if (record.tpm) p.tpm = record.tpm;
      if (record.budget) p.budget = record.budget;
      return p;
    },
    async admit(p: Principal, estimatedTokens: number): Promise<void> {
      if (!p.keyId) return;
      if (p.rpm) {
        const r = await store.counters.consume(`rpm:${p.keyId}`, 1, p.rpm, 60);
        if (!r.allowed) {
          throw new RateLimitError(
            `Rate limit reached: ${p.rpm} requests per minute for this key. Retry in ${r.resetSeconds}s.`,
            r.resetSeconds,
            'rate_limit_exceeded',
            {
              'x-ratelimit-limit-requests': String(p.rpm),
              'x-ratelimit-remaining-requests': '0',
            },
          );
        }
      }
      if (p.tpm) {
        const r = await store.counters.consume(`tpm:${p.keyId}`, Math.max(1, estimatedTokens), p.tpm, 60);
        if (!r.allowed) {
          throw new RateLimitError(
            `Token rate limit reached: ${p.tpm} tokens per minute for this key. Retry in ${r.resetSeconds}s.`,
            r.resetSeconds,
            'tokens_rate_limit_exceeded',
            {
              'x-ratelimit-limit-tokens': String(p.tpm),
            },
          );
        }
      }
    },
  };
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h && h.length > 7 && h.slice(0, 7).toLowerCase() === 'bearer ') return h.slice(7).trim();
  const x = req.headers['x-api-key'];
  return typeof x === 'string' && x ? x : undefined;
}
