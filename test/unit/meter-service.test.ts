/**
 * The gateway's meter service (src/gateway/meter-service.ts): what the pipeline calls for prices.
 * Issue #10 item 14: unknown prices are checked at admission, warned about once per deployment
 * through the gateway's logger, never reported as "tokens estimated", and embeddings are priced.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { PolicyDeniedError } from '../../src/errors.js';
import { createMeterService } from '../../src/gateway/meter-service.js';
import { DEFAULT_ESTIMATE_PRICE } from '../../src/meter/config.js';
import { dep } from './router-fixtures.js';

const usage = { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, total_tokens: 2_000_000 };

function meterWith(pricing: Record<string, unknown> = {}) {
  const warnings: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  const config = parseConfig({ store: { sqlite: ':memory:' }, pricing }, {});
  const meter = createMeterService(config, { logger: { warn: (obj, msg) => warnings.push({ obj, msg }) } });
  return { meter, warnings };
}

test('an unknown cloud price: refused at admission under a USD budget, else charged the fallback and warned once', () => {
  const { meter, warnings } = meterWith();
  const mystery = dep('acme/mystery-model', 'cloud');
  const local = dep('ollama/llama3.2', 'local');
  assert.throws(() => meter.checkPrices([local, mystery], { usdBudget: true }), PolicyDeniedError);
  assert.deepEqual(meter.checkPrices([local, mystery], { usdBudget: false }), { unknown: ['acme/mystery-model'], policy: 'estimate' });
  const first = meter.costOf(mystery, usage);
  const second = meter.costOf(mystery, usage);
  assert.equal(first.usd, DEFAULT_ESTIMATE_PRICE.input + DEFAULT_ESTIMATE_PRICE.output);
  assert.equal(first.priceEstimated, true);
  assert.equal(second.usd, first.usd);
  assert.equal(warnings.length, 1, 'one warning per deployment');
  assert.equal(warnings[0]?.obj.deployment, 'acme/mystery-model');
  assert.match(warnings[0]?.msg ?? '', /no known price/);
  assert.equal(meter.costOf(local, usage).priceEstimated, false);
});

test('a priced deployment: not estimated; embeddings priced at the input rate', () => {
  const { meter, warnings } = meterWith({ unknownModel: 'refuse' });
  const priced = dep('acme/mystery-model', 'cloud', { price: { input: 1, output: 2 } });
  assert.deepEqual(meter.checkPrices([priced], { usdBudget: true }).unknown, []);
  assert.deepEqual(meter.costOf(priced, usage), { usd: 3, priceEstimated: false });
  const embedder = { ...dep('openai/text-embedding-3-large', 'cloud'), provider: { ...dep('openai/x', 'cloud').provider, type: 'openai' } };
  const c = meter.costOfEmbedding(embedder, { prompt_tokens: 1_000_000, total_tokens: 1_000_000 });
  assert.equal(c.priceEstimated, false);
  assert.ok(Math.abs(c.usd - 0.13) < 1e-12);
  assert.equal(warnings.length, 0);
});
