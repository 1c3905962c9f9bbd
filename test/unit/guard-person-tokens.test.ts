/**
 * The person recognizer's code-point word walk must find the same words as the regex it replaced
 * (/\p{Lu}[\p{L}'’\-]*\.?/gu, possessive and identifier rules), on every vendored sample and on edge cases.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tokenize, type Token } from '../../src/guard/recognizers/person-tokens.js';

function reference(text: string): Token[] {
  const tokens: Token[] = [];
  const word = /\p{Lu}[\p{L}'’\-]*\.?/gu;
  for (let m = word.exec(text); m; m = word.exec(text)) {
    let w = m[0];
    if (w.endsWith('.')) w = w.slice(0, -1);
    if (w.endsWith("'s") || w.endsWith('’s')) w = w.slice(0, -2);
    if (w.length === 0) continue;
    const prev = m.index > 0 ? text.charCodeAt(m.index - 1) : 32;
    const next = text.charCodeAt(m.index + w.length);
    if (prev === 95 || (prev >= 48 && prev <= 57) || next === 95 || (next >= 48 && next <= 57)) continue;
    tokens.push({
      start: m.index,
      end: m.index + w.length,
      lower: w.toLowerCase(),
      upper: w.length > 1 && w === w.toUpperCase(),
      given: undefined,
      surname: undefined,
    });
  }
  return tokens;
}

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'pii');
const samples: string[] = [
  ...(JSON.parse(readFileSync(join(fixtures, 'corpus.json'), 'utf8')) as Array<{ text: string }>).map((s) => s.text),
  ...(JSON.parse(readFileSync(join(fixtures, 'presidio-subset.json'), 'utf8')) as Array<{ full_text: string }>).map((s) => s.full_text),
  "JOHN'S car, O’CONNOR, Mc-Donald., STRAßE, Ärzte ÉCOLE, Иван ПЕТРОВ, 𝐀bc 𝐀𝐁, A_B, 7Ab, Ab7, x\uD800Y, Liam’s. İstanbul",
];

test('the word walk finds what the regex found, on every vendored sample and edge case', () => {
  for (const text of samples) assert.deepEqual(tokenize(text), reference(text), text.slice(0, 80));
});

test('the comparison can fail: a lower-case word is no token', () => {
  assert.deepEqual(tokenize('ab cd'), []);
  assert.equal(tokenize('Ab CD')[1]?.upper, true);
});
