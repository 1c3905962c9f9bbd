/**
 * The gated regexes (run only where a match can start) must find exactly what their plain global
 * twins find: on every vendored PII sample and on edge cases at the start-position boundaries.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import '../../src/guard/scan.js';
import { GATED_REGEXES, gatedRegex, type GlobalMatcher } from '../../src/guard/recognizers/gated-regex.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'pii');
const samples: string[] = [
  ...(JSON.parse(readFileSync(join(fixtures, 'corpus.json'), 'utf8')) as Array<{ text: string }>).map((s) => s.text),
  ...(JSON.parse(readFileSync(join(fixtures, 'presidio-subset.json'), 'utf8')) as Array<{ full_text: string }>).map((s) => s.full_text),
  'Écluse 4, 12 Élysée Straße 5, Ärztegasse 3, xHauptstraße 12, é-Weg 4, .12 Main Street, _12 Main Street',
  '12 rue de la Paix 4; 7 Via Roma 12, ул. Ленина 5, Überweg 12a, ÖSTERREICH-Gasse 3-5, 𝐀bc Weg 12',
  // Unit-word anchors: gaps of blanks before the unit, a line break, words before the number.
  '20789 Allika Suite 501, 7\tBig  Old Elm Apt 3, 9 A B C D Apt 2, 12 Main\nSuite 4, x12 Main Apt 3, Suite 5',
  '1 Ab Apartment 4 Unit Flat 3. 44 Élan Ste 5 Stefan Unit 9; 3 Oak Apt.#12 -4 Ab Flat 2 _5 Ab Flat 2 ApartmentApt 3',
];

function matches(m: RegExp | GlobalMatcher, text: string): string[] {
  const out: string[] = [];
  m.lastIndex = 0;
  for (let r = m.exec(text); r; r = m.exec(text)) out.push(`${r.index}:${r.slice().join('|')}`);
  return out;
}

test('the guard builds gated regexes (the equivalence below is not vacuous)', () => {
  assert.ok(GATED_REGEXES.length >= 2);
});

test('every gated regex finds what its plain twin finds, on every vendored sample', () => {
  for (const g of GATED_REGEXES) {
    for (const text of samples)
      assert.deepEqual(matches(g, text), matches(g.plain, text), `${g.plain.source.slice(0, 60)}… on ${text.slice(0, 60)}`);
  }
});

test('a candidate regex that misses a start position loses matches (the check can fail)', () => {
  const never = gatedRegex(/\d+/g, /x/g);
  assert.deepEqual(matches(never, 'a 12 b'), []);
  assert.deepEqual(matches(never.plain, 'a 12 b'), ['2:12']);
});
