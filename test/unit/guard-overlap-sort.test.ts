/**
 * The overlap resolver's merge sort must put candidates in the order the comparator sort did
 * (start, then seq), whatever order they come in: seeded random arrays with many equal starts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sortByStart, type RankedFinding } from '../../src/guard/overlaps.js';

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

function candidates(n: number, random: () => number, starts: number): RankedFinding[] {
  const seqs = Array.from({ length: n }, (_, i) => i).sort(() => random() - 0.5);
  return seqs.map((seq) => {
    const start = Math.floor(random() * starts);
    return { type: 'person', start, end: start + 1 + Math.floor(random() * 5), score: 0.5, value: '', rank: 0, seq };
  });
}

test('the merge sort gives the comparator sort order on random candidates', () => {
  const random = seeded(11);
  for (let round = 0; round < 300; round++) {
    const n = Math.floor(random() * 70);
    const found = candidates(n, random, 1 + Math.floor(random() * 40));
    const expected = [...found].sort((a, b) => a.start - b.start || a.seq - b.seq);
    sortByStart(found);
    assert.deepEqual(found, expected);
  }
});

test('the comparison can fail: an unsorted array is not in order', () => {
  const found = candidates(20, seeded(3), 5);
  const sorted = [...found];
  sortByStart(sorted);
  assert.notDeepEqual(found, sorted);
  assert.ok(sorted.every((f, i) => i === 0 || (sorted[i - 1] as RankedFinding).start <= f.start));
});
