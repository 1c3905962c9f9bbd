/**
 * The search indexes of one store's collections, kept in this process between searches. An
 * index is valid for one generation of its collection (bumped by a database trigger on every
 * chunk write, whichever replica made it), so each search costs one primary-key read of the
 * generation; a changed generation means a rebuild. Concurrent searches that need the same
 * build share it. Indexes are evicted least recently used first beyond a byte budget.
 */
import type { RagCollectionRecord, Store } from '../store/types.js';
import { BUILD_PAGE, CollectionIndex } from './collection-index.js';

/** Default budget for all cached indexes of one store (about 300k chunks of 512-dim vectors). */
export const INDEX_CACHE_BYTES = 1024 * 1024 * 1024;

interface Entry {
  createdAt: string;
  generation: number;
  index: CollectionIndex;
}

export class IndexCache {
  /** In least recently used first order (a Map keeps insertion order). */
  private readonly entries = new Map<string, Entry>();
  private readonly building = new Map<string, Promise<CollectionIndex>>();
  private used = 0;
  /** Builds started (for tests and the bench: concurrent first searches share one). */
  builds = 0;

  constructor(
    private readonly store: Store,
    readonly budgetBytes = INDEX_CACHE_BYTES,
    private readonly pageSize = BUILD_PAGE,
  ) {}

  /** The index of `c` as of now; undefined when the collection no longer exists. */
  async get(c: RagCollectionRecord): Promise<CollectionIndex | undefined> {
    // Read before any chunk: a write landing during the build then shows as a newer generation
    // at the next search, never as a stale index labelled current.
    const generation = await this.store.rag.generation(c.name);
    const e = this.entries.get(c.name);
    if (generation === undefined) {
      // The collection is gone: its index would only hold memory until evicted.
      if (e) {
        this.entries.delete(c.name);
        this.used -= e.index.bytes;
      }
      return undefined;
    }
    if (e && e.createdAt === c.createdAt && e.generation === generation) {
      this.entries.delete(c.name);
      this.entries.set(c.name, e);
      return e.index;
    }
    const key = `${c.name}\u0000${c.createdAt}\u0000${generation}`;
    let p = this.building.get(key);
    if (!p) {
      this.builds++;
      p = CollectionIndex.build(this.store, c.name, this.pageSize)
        .then((index) => {
          this.admit(c, generation, index);
          return index;
        })
        .finally(() => this.building.delete(key));
      this.building.set(key, p);
    }
    return p;
  }

  get bytes(): number {
    return this.used;
  }

  get collections(): string[] {
    return [...this.entries.keys()];
  }

  private admit(c: RagCollectionRecord, generation: number, index: CollectionIndex): void {
    const old = this.entries.get(c.name);
    // A slower build of an older generation must not replace a newer one.
    if (old && old.createdAt === c.createdAt && old.generation > generation) return;
    if (old) {
      this.entries.delete(c.name);
      this.used -= old.index.bytes;
    }
    // Larger than the whole budget: used for this search, rebuilt by the next.
    if (index.bytes > this.budgetBytes) return;
    this.entries.set(c.name, { createdAt: c.createdAt, generation, index });
    this.used += index.bytes;
    for (const [name, e] of this.entries) {
      if (this.used <= this.budgetBytes) break;
      this.entries.delete(name);
      this.used -= e.index.bytes;
    }
  }
}

const caches = new WeakMap<Store, IndexCache>();

/** The cache of `store`: it outlives configuration reloads, which keep the store. */
export function indexCacheOf(store: Store): IndexCache {
  let cache = caches.get(store);
  if (!cache) {
    cache = new IndexCache(store);
    caches.set(store, cache);
  }
  return cache;
}
