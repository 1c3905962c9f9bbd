/** Types of the response cache (docs/cache.md). */
import type { ChatChunk, ChatResponse, Usage } from '../api/types.js';

/**
 * One stored answer, exactly as the upstream gave it (after the guard, so with placeholders
 * where the request had personal data; each hit restores them from its own request).
 */
export type CachedAnswer = (
  | { type: 'response'; response: ChatResponse }
  /** The canonical chunks in the upstream's own chunking, replayed one by one. */
  | { type: 'stream'; chunks: ChatChunk[] }
) & {
  /** The deployment that produced it (`provider/model`). */
  deployment: string;
  usage: Usage;
  /** What it cost when it ran: a hit records this as saved. */
  costUsd: number;
  /** Epoch ms it was stored. */
  storedAt: number;
};

export type CacheResult = 'hit' | 'miss' | 'bypass';

/**
 * Where entries live: in memory (one process) or Redis (every replica). Values are opaque text.
 * No method throws or stalls: a failure or a timeout reads as a miss, a write that fails is dropped.
 */
export interface CacheBackend {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Semantic layer: adds an item to a bucket (newest first, at most `max` kept) and renews its TTL. */
  pushVector(bucket: string, item: string, max: number, ttlMs: number): Promise<void>;
  /** The bucket's items, newest first ([] when none or on failure). */
  vectors(bucket: string): Promise<string[]>;
  close?(): Promise<void>;
}
