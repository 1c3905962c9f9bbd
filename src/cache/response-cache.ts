/**
 * The response cache service: which settings apply to an alias, and get/put of answers over a
 * back-end, exact first, then (when the alias has `cache.semantic`) the nearest stored request
 * of the same bucket by cosine similarity of the last user message's embedding. Never throws:
 * anything unreadable is a miss, anything too large is not stored.
 */
import type { MeridianConfig } from '../config/schema.js';
import type { SemanticCacheConfig } from './config.js';
import type { CacheKeys } from './key.js';
import type { CacheBackend, CachedAnswer } from './types.js';

export interface CacheSettings {
  ttlMs: number;
  maxEntryBytes: number;
  shareAcrossTenants: boolean;
  maxVectorsPerBucket: number;
  semantic?: SemanticCacheConfig;
}

/** How a hit was found. */
export interface CacheHit {
  answer: CachedAnswer;
  /** Set for a semantic hit: the similarity of the stored request that matched. */
  similarity?: number;
}

/** One semantic-layer item: the exact key it points to and its unit vector. */
interface VectorItem {
  k: string;
  v: number[];
}

export class ResponseCache {
  constructor(
    readonly backend: CacheBackend,
    readonly now: () => number = Date.now,
  ) {}

  /** The alias's settings, or undefined when caching is off for it. */
  settingsFor(config: MeridianConfig, alias: string): CacheSettings | undefined {
    const def = config.models[alias];
    const own = def && !Array.isArray(def) ? def.cache : undefined;
    const c = config.cache;
    if (!(own?.enabled ?? c.enabled)) return undefined;
    return {
      ttlMs: (own?.ttlSeconds ?? c.ttlSeconds) * 1000,
      maxEntryBytes: c.maxEntryBytes,
      shareAcrossTenants: c.shareAcrossTenants,
      maxVectorsPerBucket: c.maxVectorsPerBucket,
      ...(own?.semantic ? { semantic: own.semantic } : {}),
    };
  }

  async getExact(keys: CacheKeys): Promise<CacheHit | undefined> {
    const answer = decode(await this.backend.get(keys.key));
    return answer ? { answer } : undefined;
  }

  /** The nearest stored request in the bucket at or above `threshold`, if its answer is still there. */
  async getSemantic(keys: CacheKeys, embedding: number[], threshold: number): Promise<CacheHit | undefined> {
    let best: { k: string; sim: number } | undefined;
    for (const text of await this.backend.vectors(keys.bucket)) {
      const item = decodeVector(text);
      if (!item || item.v.length !== embedding.length) continue;
      const sim = dot(item.v, embedding);
      if (sim >= threshold && (!best || sim > best.sim)) best = { k: item.k, sim };
    }
    if (!best) return undefined;
    const answer = decode(await this.backend.get(best.k));
    return answer ? { answer, similarity: best.sim } : undefined;
  }

  /** Stores the answer (and its vector for the semantic layer); false when it is too large. */
  async put(keys: CacheKeys, answer: CachedAnswer, settings: CacheSettings, embedding?: number[]): Promise<boolean> {
    const text = JSON.stringify(answer);
    if (Buffer.byteLength(text) > settings.maxEntryBytes) return false;
    await this.backend.set(keys.key, text, settings.ttlMs);
    if (embedding) {
      const item: VectorItem = { k: keys.key, v: embedding.map((x) => Math.round(x * 1e5) / 1e5) };
      await this.backend.pushVector(keys.bucket, JSON.stringify(item), settings.maxVectorsPerBucket, settings.ttlMs);
    }
    return true;
  }
}

/** A unit vector (cosine similarity is then a dot product); undefined for a zero or non-finite vector. */
export function normalize(v: readonly number[]): number[] | undefined {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  if (!Number.isFinite(n) || n === 0) return undefined;
  return v.map((x) => x / n);
}

export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** A stored answer, checked for the shape the replay needs (Redis is shared: never trust it blindly). */
function decode(text: string | undefined): CachedAnswer | undefined {
  if (text === undefined) return undefined;
  try {
    const a = JSON.parse(text) as CachedAnswer;
    const shaped =
      typeof a.deployment === 'string' &&
      typeof a.costUsd === 'number' &&
      typeof a.usage?.prompt_tokens === 'number' &&
      ((a.type === 'response' && Array.isArray(a.response?.choices)) || (a.type === 'stream' && Array.isArray(a.chunks)));
    return shaped ? a : undefined;
  } catch {
    return undefined;
  }
}

function decodeVector(text: string): VectorItem | undefined {
  try {
    const item = JSON.parse(text) as VectorItem;
    return typeof item.k === 'string' && Array.isArray(item.v) && item.v.every((x) => typeof x === 'number') ? item : undefined;
  } catch {
    return undefined;
  }
}
