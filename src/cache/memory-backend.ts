/**
 * The embedded back-end: one Map used as an LRU (a read moves the entry to the end), bounded by
 * bytes: storing past `maxBytes` evicts the least recently used entries first. Expiry is checked
 * on read against an injectable clock, so tests need no sleeps.
 */
import type { CacheBackend } from './types.js';

interface Slot {
  value: string | string[];
  bytes: number;
  expiresAt: number;
}

/** Map bookkeeping per entry, roughly: keeps the bound honest for many small entries. */
const OVERHEAD_BYTES = 96;

export class MemoryCacheBackend implements CacheBackend {
  readonly kind = 'memory' as const;
  private readonly slots = new Map<string, Slot>();
  private total = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Bytes held now (for tests and stats). */
  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.slots.size;
  }

  get(key: string): Promise<string | undefined> {
    const slot = this.live(key);
    return Promise.resolve(typeof slot?.value === 'string' ? slot.value : undefined);
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    this.put(key, value, sizeOf(key, value), ttlMs);
    return Promise.resolve();
  }

  pushVector(bucket: string, item: string, max: number, ttlMs: number): Promise<void> {
    const slot = this.live(bucket);
    const items = [item, ...(Array.isArray(slot?.value) ? slot.value : [])].slice(0, max);
    this.put(bucket, items, sizeOf(bucket, items), ttlMs);
    return Promise.resolve();
  }

  vectors(bucket: string): Promise<string[]> {
    const slot = this.live(bucket);
    return Promise.resolve(Array.isArray(slot?.value) ? slot.value : []);
  }

  /** The slot if present and not expired, moved to the most recently used end. */
  private live(key: string): Slot | undefined {
    const slot = this.slots.get(key);
    if (!slot) return undefined;
    this.slots.delete(key);
    if (slot.expiresAt <= this.now()) {
      this.total -= slot.bytes;
      return undefined;
    }
    this.slots.set(key, slot);
    return slot;
  }

  private put(key: string, value: string | string[], bytes: number, ttlMs: number): void {
    const old = this.slots.get(key);
    if (old) {
      this.total -= old.bytes;
      this.slots.delete(key);
    }
    if (bytes > this.maxBytes) return;
    this.slots.set(key, { value, bytes, expiresAt: this.now() + ttlMs });
    this.total += bytes;
    // Oldest first: a Map iterates in insertion order, and reads re-insert.
    for (const [k, s] of this.slots) {
      if (this.total <= this.maxBytes) break;
      this.slots.delete(k);
      this.total -= s.bytes;
    }
  }
}

function sizeOf(key: string, value: string | string[]): number {
  const text = typeof value === 'string' ? value : value.reduce((n, v) => n + v.length, 0);
  // UTF-16 in memory: two bytes a code unit.
  return (key.length + (typeof text === 'number' ? text : text.length)) * 2 + OVERHEAD_BYTES;
}
