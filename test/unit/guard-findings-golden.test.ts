/**
 * Behaviour lock for speed work on the guard: on a seeded mix of the vendored samples and edge
 * cases (test/helpers/pii-mix.ts), the guard must find exactly what the recorded commit found
 * (test/fixtures/pii/findings-golden.json, written by bench/pii-golden.ts from the commit before
 * the speed changes). A deliberate behaviour change re-records it, with the diff reviewed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createGuard, guardConfigSchema } from '../../src/guard/index.js';
import { GOLDEN_COUNT, GOLDEN_SEED } from '../helpers/pii-golden-params.js';
import { mixedGuardTexts, type RecordedFinding } from '../helpers/pii-mix.js';

const golden = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'pii', 'findings-golden.json'), 'utf8')) as {
  seed: number;
  count: number;
  findings: RecordedFinding[][];
};
const texts = mixedGuardTexts(GOLDEN_SEED, GOLDEN_COUNT);

function record(
  scan: (t: string) => Array<{ type: string; start: number; end: number; score: number; value: string }>,
  text: string,
): RecordedFinding[] {
  return scan(text).map((f) => {
    assert.equal(f.value, text.slice(f.start, f.end), `${f.type} at ${f.start}: value is the text of its span`);
    return [f.type, f.start, f.end, f.score];
  });
}

test('the recorded corpus is the one generated here, and it exercises every common type', () => {
  assert.equal(golden.seed, GOLDEN_SEED);
  assert.equal(golden.count, texts.length);
  assert.equal(golden.findings.length, texts.length);
  const types = new Set(golden.findings.flat().map((f) => f[0]));
  for (const t of ['person', 'address', 'email', 'phone', 'credit_card', 'iban', 'us_ssn', 'ip_address', 'postcode', 'national_id'])
    assert.ok(types.has(t), `no ${t} in the recorded findings`);
  assert.ok(
    texts.some((t) => t.length > 8 * 1024),
    'some texts are scanned in slices',
  );
});

test('the guard finds exactly the recorded findings in every text', () => {
  const guard = createGuard(guardConfigSchema.parse({}));
  texts.forEach((text, i) => {
    assert.deepEqual(
      record((t) => guard.scanText(t), text),
      golden.findings[i],
      `text ${i}: ${JSON.stringify(text.slice(0, 120))}…`,
    );
  });
});

test('the comparison sees a change in behaviour (a guard without person names differs)', () => {
  const guard = createGuard(guardConfigSchema.parse({ disabledTypes: ['person'] }));
  const some = texts.slice(0, 100);
  const differing = some.filter(
    (text, i) =>
      !isEqual(
        record((t) => guard.scanText(t), text),
        golden.findings[i] ?? [],
      ),
  );
  assert.ok(differing.length > some.length / 2, `${differing.length} of ${some.length} texts differ`);
});

function isEqual(a: RecordedFinding[], b: RecordedFinding[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
