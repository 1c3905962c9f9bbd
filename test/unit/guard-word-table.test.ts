/** The compact name table (src/guard/data/word-table.ts) answers exactly as Sets of the same lists would. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CURATED, GIVEN, HE_GIVEN_NAMES, HE_SURNAME_SET, SURNAME } from '../../src/guard/data/name-sets.js';
import { WordSet, WordTable, hashOf } from '../../src/guard/data/word-table.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The words of a data/names list, read independently of the table's own parser. */
function listed(file: string): string[] {
  const text = readFileSync(new URL(`../../data/names/${file}`, import.meta.url), 'utf8');
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

/** Words near the listed ones that are not listed themselves, and odd strings. */
function probesAround(words: Iterable<string>): Set<string> {
  const probes = new Set<string>(['', ' ', '#', '\n', '\u0000', '\u0001', '\ud800', 'a\udc00b', '😀', 'the', 'and', 'iban']);
  for (const w of words) {
    probes.add(w);
    probes.add(w + 'a');
    probes.add(w + 's');
    probes.add(w.slice(0, -1));
    probes.add(w.slice(1));
    probes.add(w.toUpperCase());
    probes.add(w + '\u0001');
    probes.add(w + '\u0002x');
    probes.add(w + 'ого');
  }
  return probes;
}

describe('WordTable', () => {
  it('agrees with a Set on small lists: duplicates, comments, CRLF, every UTF-8 length', () => {
    const a = ['anna', 'an', 'ann', 'zoë', 'אבי', '王', '伟', '𠀀x', 'δ'];
    const b = ['ann', 'bob', 'ivan', 'иван', '王'];
    const table = new WordTable([
      { text: utf8(`# a comment line\n${a.join('\n')}\n\n`), bits: 1 },
      { text: utf8(`${b.join('\r\n')}\r\n# the end`), bits: 2 },
    ]);
    const sa = new WordSet(table, 1);
    const sb = new WordSet(table, 2);
    for (const p of probesAround([...a, ...b, 'a comment line', '# a comment line'])) {
      assert.equal(sa.has(p), a.includes(p), `list a, ${JSON.stringify(p)}`);
      assert.equal(sb.has(p), b.includes(p), `list b, ${JSON.stringify(p)}`);
    }
    assert.equal(sa.size, a.length);
    assert.equal(sb.size, b.length);
    assert.equal(table.bitsOf('ann'), 3);
    assert.equal(table.bitsOf('王'), 3);
  });

  it('a word with the slot and fingerprint of a stored word it extends is not that word', () => {
    // In a table of 1,024 slots, find "ab" + suffix with the same slot and the same top 8 bits of
    // the hash as "ab": the look-up then compares it in place with "ab", and must stop at the end.
    const table = new WordTable([{ text: utf8('ab\n'), bits: 1 }]);
    assert.equal(table.byteLength, 3 + 1024 * 4, 'one word, 1,024 slots');
    const key = (h: number): number => (h & 1023) | ((h >>> 24) << 10);
    const want = key(hashOf('ab', 0, 2));
    let twin = '';
    for (let i = 0; !twin; i++) if (key(hashOf(`ab${i}`, 0, `ab${i}`.length)) === want) twin = `ab${i}`;
    assert.equal(table.bitsOf('ab'), 1);
    assert.equal(table.bitsOf(twin), 0, twin);
    // And the other way round: "ab" stored after its twin, asked about first.
    const reverse = new WordTable([{ text: utf8(`${twin}\n`), bits: 1 }]);
    assert.equal(reverse.bitsOf('ab'), 0);
    assert.equal(reverse.bitsOf(twin), 1);
    // Both in one list: adding "ab" must not take the stored twin for it.
    const both = new WordTable([{ text: utf8(`${twin}\nab\n`), bits: 1 }]);
    assert.deepEqual([both.bitsOf('ab'), both.bitsOf(twin), both.size(1)], [1, 1, 2]);
  });

  it('refuses a word with a control character or more bits than fit below a space', () => {
    assert.throws(() => new WordTable([{ text: utf8('ok\nbad\tword\n'), bits: 1 }]), RangeError);
    assert.throws(() => new WordTable([{ text: utf8('ok\n'), bits: 32 }]), RangeError);
  });
});

describe('the guard name sets', () => {
  const lists = {
    given: listed('given.txt'),
    surnames: listed('surnames.txt'),
    fakerGiven: listed('faker-given.txt'),
    fakerSurnames: listed('faker-surnames.txt'),
    heGiven: listed('he-given.txt'),
    heSurnames: listed('he-surnames.txt'),
  };
  const expected = new Map<WordSet, Set<string>>([
    [CURATED, new Set([...lists.given, ...lists.surnames])],
    [GIVEN, new Set([...lists.given, ...lists.fakerGiven])],
    [SURNAME, new Set([...lists.surnames, ...lists.fakerSurnames])],
    [HE_GIVEN_NAMES, new Set(lists.heGiven)],
    [HE_SURNAME_SET, new Set(lists.heSurnames)],
  ]);
  const probes = probesAround(Object.values(lists).flat());

  it('hold tens of thousands of names', () => {
    assert.ok(GIVEN.size > 20_000 && SURNAME.size > 20_000, `${GIVEN.size} given, ${SURNAME.size} surnames`);
    assert.ok(HE_GIVEN_NAMES.size > 3_000 && CURATED.size > 7_000);
  });

  // Every listed word is a probe, so equal sizes and equal answers mean the same words.
  it('answer as Sets of the same lists on every listed word and its neighbours', () => {
    assert.ok(probes.size > 300_000, `${probes.size} probes`);
    for (const [set, want] of expected) {
      assert.equal(set.size, want.size);
      const differ = [...probes].filter((p) => set.has(p) !== want.has(p));
      assert.deepEqual(differ.slice(0, 5), []);
    }
  });
});
