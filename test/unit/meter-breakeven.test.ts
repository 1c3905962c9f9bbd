import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { breakeven, dailyFromTotals, type BreakevenInputs } from '../../src/meter/breakeven.js';

const doc = readFileSync(new URL('../../docs/cost.md', import.meta.url), 'utf8');
const examples = [...doc.matchAll(/```json breakeven-example\n([\s\S]*?)```/g)].map(
  (m) => JSON.parse(m[1] ?? '') as { inputs: BreakevenInputs; expect: Record<string, number | string> },
);

test('docs/cost.md has the worked examples', () => {
  assert.ok(examples.length >= 5);
});

for (const [i, ex] of examples.entries()) {
  test(`docs/cost.md worked example ${i + 1}`, () => {
    const r = breakeven(ex.inputs) as unknown as Record<string, number | string>;
    for (const [k, want] of Object.entries(ex.expect)) {
      const got = r[k];
      if (typeof want === 'number')
        assert.ok(typeof got === 'number' && Math.abs(got - want) <= Math.abs(want) * 1e-4 + 1e-9, `${k}: ${got} ≠ ${want}`);
      else assert.equal(got, want, k);
    }
  });
}

test('$1.99/h GPU kept on: $47.76/day; at 200 tok/s and $10/1M output it breaks even near 4.8M tokens/day, not 70K', () => {
  const r = breakeven({
    tokensInPerDay: 0,
    tokensOutPerDay: 70_000,
    cloudPriceIn: 0,
    cloudPriceOut: 10,
    gpuUsdPerHour: 1.99,
    tokensPerSecond: 200,
  });
  assert.equal(r.selfHostUsdPerDay, 47.76);
  assert.ok(Math.abs(r.breakevenTokensOutPerDay - 4.8e6) / 4.8e6 < 0.01);
  assert.ok(r.breakevenTokensOutPerDay > 60 * 70_000);
  // At the break-even volume both sides cost the same.
  const at = breakeven({
    tokensInPerDay: 0,
    tokensOutPerDay: r.breakevenTokensOutPerDay,
    cloudPriceIn: 0,
    cloudPriceOut: 10,
    gpuUsdPerHour: 1.99,
    tokensPerSecond: 200,
  });
  assert.ok(Math.abs(at.cloudUsdPerDay - at.selfHostUsdPerDay) < 0.01);
});

test('cached input lowers the cloud side; prefill speed raises GPU time', () => {
  const base = {
    tokensInPerDay: 4e6,
    tokensOutPerDay: 1e6,
    cloudPriceIn: 2.5,
    cloudPriceOut: 10,
    gpuUsdPerHour: 1.99,
    tokensPerSecond: 200,
  };
  const cached = breakeven({ ...base, cloudPriceCachedIn: 1.25, cachedInputFraction: 0.5 });
  assert.equal(cached.cloudUsdPerDay, 2 * 2.5 + 2 * 1.25 + 10);
  const withPrefill = breakeven({ ...base, promptTokensPerSecond: 2000 });
  assert.ok(withPrefill.utilization > breakeven(base).utilization);
  assert.throws(() => breakeven({ ...base, hoursPerDay: 30 }), RangeError);
});

test('logged totals become per-day volumes', () => {
  assert.deepEqual(dailyFromTotals({ days: 7, promptTokens: 14e6, completionTokens: 7e6, cachedTokens: 7e6 }), {
    tokensInPerDay: 2e6,
    tokensOutPerDay: 1e6,
    cachedInputFraction: 0.5,
  });
});
