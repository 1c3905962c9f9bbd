import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGuard, guardConfigSchema } from '../../src/guard/index.js';
import { nameProbability } from '../../src/guard/model/name-model.js';

const guard = createGuard(guardConfigSchema.parse(undefined));

describe('name model', () => {
  it('scores names above ordinary capitalised words (words not in its training lists)', () => {
    const names = ['oyelaran', 'adebisi', 'wurrawilya', 'marinescu', 'vandekerckhove', 'kowalczyk', 'nakamura', 'andrzejewski'];
    const words = ['bundesbank', 'technology', 'statistik', 'microsoft', 'vorstand', 'thanks', 'university', 'department'];
    const mean = (xs: string[]) => xs.reduce((s, w) => s + nameProbability(w), 0) / xs.length;
    for (const w of [...names, ...words]) {
      const p = nameProbability(w);
      assert.ok(p >= 0 && p <= 1, `${w}: ${p}`);
    }
    assert.ok(mean(names) > 0.7, `names mean ${mean(names)}`);
    assert.ok(mean(words) < 0.3, `words mean ${mean(words)}`);
  });

  it('finds two unlisted name-like words together, not an unlisted organisation', () => {
    const found = guard.scanText('Yesterday Oyelaran Wurrawilya signed the lease.').filter((f) => f.type === 'person');
    assert.deepEqual(
      found.map((f) => f.value),
      ['Oyelaran Wurrawilya'],
    );
    assert.deepEqual(
      guard
        .scanText('The Statistik Bundesamt published figures.')
        .filter((f) => f.type === 'person')
        .map((f) => f.value),
      [],
    );
  });
});
