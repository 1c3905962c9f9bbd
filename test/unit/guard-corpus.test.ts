/**
 * Quality floors: the guard must not regress below what bench/pii.ts measured when this was
 * written (docs/privacy.md). Raise the floors when the guard improves.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { evaluate, fromPresidio, type LabelledExample } from '../../bench/pii-eval.js';
import { createGuard, guardConfigSchema } from '../../src/guard/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const guard = createGuard(guardConfigSchema.parse({}));
const scan = (t: string) => guard.scanText(t);

type Floors = Record<string, { precision: number; recall: number }>;
function assertFloors(scores: ReturnType<typeof evaluate>, floors: Floors): void {
  for (const [type, floor] of Object.entries(floors)) {
    const s = scores[type];
    assert.ok(s, `no score for ${type}`);
    assert.ok(s.precision >= floor.precision, `${type} precision ${s.precision.toFixed(3)} < ${floor.precision}`);
    assert.ok(s.recall >= floor.recall, `${type} recall ${s.recall.toFixed(3)} < ${floor.recall}`);
  }
}

describe('guard quality floors', () => {
  it('generated corpus (≥ 1,000 examples)', () => {
    const corpus = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'pii', 'corpus.json'), 'utf8')) as LabelledExample[];
    assert.ok(corpus.length >= 1000);
    const strict = { precision: 0.98, recall: 0.98 };
    assertFloors(evaluate(corpus, scan), {
      email: strict,
      phone: strict,
      credit_card: strict,
      iban: strict,
      us_ssn: strict,
      ip_address: strict,
      secret: strict,
      person: { precision: 0.98, recall: 0.97 },
      address: { precision: 0.98, recall: 0.98 },
    });
  });

  // A fixed subset vendored under test/fixtures/pii (scripts/vendor-presidio-subset.ts); the
  // full set's figures come from bench/pii.ts, which may read ../shared.
  it('presidio-research subset (test/fixtures/pii/presidio-subset.json)', () => {
    const raw = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'pii', 'presidio-subset.json'), 'utf8'));
    const { examples } = fromPresidio(raw);
    assert.ok(examples.length >= 400);
    const strict = { precision: 0.98, recall: 0.98 };
    assertFloors(evaluate(examples, scan), {
      email: strict,
      credit_card: strict,
      iban: strict,
      us_ssn: strict,
      ip_address: strict,
      phone: { precision: 0.98, recall: 0.98 },
      person: { precision: 0.88, recall: 0.86 },
      address: { precision: 0.98, recall: 0.88 },
    });
  });
});
