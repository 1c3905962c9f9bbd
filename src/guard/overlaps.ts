/**
 * Overlap resolution in O(n log n): each character belongs to at most one finding. The rule is
 * greedy, best first (higher score, then earlier recognizer, then longer, then found earlier): a
 * finding is kept unless it overlaps one kept before it. Names inside an address are dropped
 * first ("12 rue Jean Jaurès", "7 Willow Rd"). Both only concern spans that overlap, so they are
 * applied per cluster of transitively overlapping spans, and a cluster is settled as soon as no
 * later finding can reach it: the scanner resolves slice by slice, never all findings at once.
 */
import type { Finding } from './types.js';

/** A candidate finding: `rank` is its recognizer's priority, `seq` the order it was found in. */
export type RankedFinding = Finding & { rank: number; seq: number };

const byPriority = (a: RankedFinding, b: RankedFinding): number =>
  b.score - a.score || a.rank - b.rank || b.end - b.start - (a.end - a.start) || a.seq - b.seq;

const byStart = (a: RankedFinding, b: RankedFinding): number => a.start - b.start || a.seq - b.seq;

/** Builds the kept finding from a candidate (e.g. adding where it sits); called once per kept finding. */
export type MakeFinding<T extends Finding> = (f: RankedFinding) => T;

export class OverlapResolver<T extends Finding = Finding> {
  private readonly kept: T[] = [];
  private cluster: RankedFinding[] = [];
  private clusterEnd = -1;

  constructor(private readonly make: MakeFinding<T>) {}

  /** Adds candidates that all start at or after every candidate added before. */
  add(found: RankedFinding[]): void {
    for (const f of found.sort(byStart)) {
      if (f.start >= this.clusterEnd) {
        this.flush();
        this.clusterEnd = f.end;
      } else this.clusterEnd = Math.max(this.clusterEnd, f.end);
      this.cluster.push(f);
    }
  }

  /** The kept findings, sorted by start. */
  finish(): T[] {
    this.flush();
    return this.kept;
  }

  private flush(): void {
    const cluster = this.cluster;
    this.cluster = [];
    if (cluster.length === 1) this.kept.push(this.make(cluster[0]!));
    else if (cluster.length > 1) for (const f of resolveCluster(cluster)) this.kept.push(this.make(f));
  }
}

/** `cluster` is sorted by start. A Fenwick tree over its characters answers "is any taken". */
function resolveCluster(cluster: RankedFinding[]): RankedFinding[] {
  const candidates = dropNamesInsideAddresses(cluster);
  const base = candidates[0]?.start ?? 0;
  let end = base;
  for (const f of candidates) end = Math.max(end, f.end);
  const taken = new Fenwick(end - base);
  const kept: RankedFinding[] = [];
  for (const f of [...candidates].sort(byPriority)) {
    if (f.end <= f.start || taken.count(f.start - base, f.end - base) > 0) continue;
    // Kept spans are disjoint, so each character is marked at most once: O(length · log length).
    for (let c = f.start; c < f.end; c++) taken.mark(c - base);
    kept.push(f);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** `found` is sorted by start; persons overlapping an address are left out. */
function dropNamesInsideAddresses<T extends Finding>(found: T[]): T[] {
  if (!found.some((f) => f.type === 'address')) return found;
  // Union of address spans as disjoint intervals in start order, then a binary search per person.
  const starts: number[] = [];
  const ends: number[] = [];
  for (const a of found) {
    if (a.type !== 'address') continue;
    const last = ends.length - 1;
    if (last >= 0 && a.start < ends[last]!) ends[last] = Math.max(ends[last]!, a.end);
    else {
      starts.push(a.start);
      ends.push(a.end);
    }
  }
  const insideAddress = (f: Finding): boolean => {
    let lo = 0;
    let hi = starts.length - 1;
    let last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < f.end) {
        last = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return last >= 0 && ends[last]! > f.start;
  };
  return found.filter((f) => f.type !== 'person' || !insideAddress(f));
}

class Fenwick {
  private readonly tree: Int32Array;
  constructor(size: number) {
    this.tree = new Int32Array(size + 1);
  }
  mark(i: number): void {
    for (let x = i + 1; x < this.tree.length; x += x & -x) this.tree[x]! += 1;
  }
  /** Marked positions in [from, to). */
  count(from: number, to: number): number {
    return this.prefix(to) - this.prefix(from);
  }
  private prefix(n: number): number {
    let sum = 0;
    for (let x = n; x > 0; x -= x & -x) sum += this.tree[x]!;
    return sum;
  }
}
