import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Usage } from '../../src/api/types.js';
import { saveBenchRun, type BenchRun } from '../../src/meter/bench-results.js';
import { candidateNames, getDefaultCatalog } from '../../src/meter/catalog.js';
import { DEFAULT_ESTIMATE_PRICE, pricingConfigSchema } from '../../src/meter/config.js';
import { PolicyDeniedError } from '../../src/errors.js';
import { costOf, createPricer, localPricePerMillion, type PricedTarget } from '../../src/meter/pricing.js';

const near = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);
const cloud = (type: string, model: string, id = type): PricedTarget => ({ provider: { id, type }, model, location: 'cloud' });
const usage = (prompt: number, completion: number, cached = 0, reasoning = 0): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  ...(cached ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
  ...(reasoning ? { completion_tokens_details: { reasoning_tokens: reasoning } } : {}),
});

test('every catalog entry has a source URL, a date and positive prices', () => {
  const entries = getDefaultCatalog().entries();
  assert.ok(entries.length >= 30);
  for (const e of entries) {
    assert.match(e.source, /^https:\/\//, e.model);
    assert.match(e.asOf, /^\d{4}-\d{2}-\d{2}$/, e.model);
    assert.equal(typeof e.verified, 'boolean', e.model);
    if (e.kind === 'embedding') assert.ok(e.input > 0 && e.output === 0, e.model);
    else if (e.kind === 'audio') assert.ok(e.audioPerMinute! > 0 && e.input === 0 && e.output === 0, e.model);
    else assert.ok(e.input > 0 && e.output > e.input * 0.99, e.model);
    if (e.cachedInput !== undefined) assert.ok(e.cachedInput <= e.input, e.model);
  }
  for (const p of ['openai', 'anthropic', 'gemini'])
    assert.ok(
      entries.some((e) => e.provider === p),
      p,
    );
});

test('OpenAI: cached input at the cached price, the rest at input, output at output', () => {
  // gpt-4o: $2.50 in, $1.25 cached, $10 out per 1M.
  const c = costOf(cloud('openai', 'gpt-4o-2024-08-06'), usage(10_000, 1_000, 4_000));
  assert.equal(c.basis, 'catalog');
  near(c.usd, (6_000 * 2.5 + 4_000 * 1.25 + 1_000 * 10) / 1e6);
  assert.equal(c.estimated, false);
});

test('OpenAI reasoning tokens are part of completion_tokens and billed once, at the output rate', () => {
  // o4-mini: $1.10 in, $4.40 out.
  const c = costOf(cloud('openai', 'o4-mini'), usage(1_000, 3_000, 0, 2_500));
  near(c.usd, (1_000 * 1.1 + 3_000 * 4.4) / 1e6);
  // An adapter that reported reasoning outside completion_tokens still gets it billed.
  const d = costOf(cloud('openai', 'o4-mini'), usage(1_000, 500, 0, 2_500));
  near(d.usd, (1_000 * 1.1 + 3_000 * 4.4) / 1e6);
});

test('Anthropic: dated model id, cache reads at the cache-hit price', () => {
  // claude-sonnet-4-5: $3 in, $0.30 cache hit, $15 out.
  const c = costOf(cloud('anthropic', 'claude-sonnet-4-5-20250929'), usage(20_000, 2_000, 15_000));
  near(c.usd, (5_000 * 3 + 15_000 * 0.3 + 2_000 * 15) / 1e6);
  const opus = costOf(cloud('anthropic', 'claude-opus-4-1-20250805'), usage(1_000_000, 0));
  near(opus.usd, 15);
  const haiku = costOf(cloud('anthropic', 'claude-3-5-haiku-latest'), usage(0, 1_000_000));
  near(haiku.usd, 4);
});

test('Gemini: models/ prefix, long-context tier above 200K prompt tokens', () => {
  const short = costOf(cloud('gemini', 'models/gemini-2.5-pro'), usage(100_000, 10_000));
  near(short.usd, (100_000 * 1.25 + 10_000 * 10) / 1e6);
  const long = costOf(cloud('gemini', 'gemini-2.5-pro'), usage(300_000, 10_000));
  near(long.usd, (300_000 * 2.5 + 10_000 * 15) / 1e6);
  const flash = costOf(cloud('gemini', 'gemini-2.5-flash-preview-05-20'), usage(1_000_000, 1_000_000));
  near(flash.usd, 0.3 + 2.5);
  const v2 = costOf(cloud('gemini', 'gemini-2.0-flash-001'), usage(1_000_000, 0));
  near(v2.usd, 0.1);
});

test('lookup normalizes dates, tags and router prefixes but never jumps model versions', () => {
  const cat = getDefaultCatalog();
  assert.equal(cat.lookup('openai', 'gpt-4o-mini-2024-07-18')?.entry.model, 'gpt-4o-mini');
  assert.equal(cat.lookup('openai', 'gpt-4o-mini-2024-07-18')?.match, 'normalized');
  assert.equal(cat.lookup('anthropic', 'claude-sonnet-4-5-20250929')?.entry.model, 'claude-sonnet-4-5');
  assert.equal(cat.lookup('anthropic', 'claude-opus-4-20250514')?.entry.model, 'claude-opus-4');
  assert.equal(cat.lookup('anthropic', 'claude-opus-4-0')?.entry.model, 'claude-opus-4');
  assert.equal(cat.lookup('openai-compatible', 'openai/gpt-4.1-mini')?.entry.model, 'gpt-4.1-mini');
  assert.equal(cat.lookup('openai-compatible', 'anthropic/claude-3.5-haiku')?.entry.model, 'claude-3-5-haiku');
  assert.equal(cat.lookup('openai', 'gpt-4o-search-preview')?.match, 'prefix');
  assert.equal(cat.lookup('anthropic', 'claude-opus-4-9'), undefined, 'a newer version is not priced as an older one');
  assert.equal(cat.lookup('openai', 'claude-sonnet-4-5'), undefined, 'a provider type searches only its own table');
  assert.deepEqual(candidateNames('GPT-4o-2024-08-06').slice(0, 2), ['gpt-4o-2024-08-06', 'gpt-4o']);
});

test('config prices win over the catalog, by provider/model first, then by model', () => {
  const pricer = createPricer(
    pricingConfigSchema.parse({ prices: { 'azure/gpt-4o': { input: 5, output: 15 }, 'my-ft': { input: 1, output: 2 } } }),
  );
  near(pricer.costOf(cloud('openai', 'gpt-4o', 'azure'), usage(1e6, 1e6)).usd, 20);
  near(pricer.costOf(cloud('openai', 'gpt-4o'), usage(1e6, 1e6)).usd, 12.5);
  near(pricer.costOf(cloud('openai-compatible', 'my-ft', 'x'), usage(1e6, 1e6)).usd, 3);
  const unknown = pricer.costOf(cloud('openai-compatible', 'mystery-model', 'x'), usage(1e6, 1e6));
  assert.equal(unknown.basis, 'fallback', 'an unknown model is never silently free');
  assert.equal(unknown.priceEstimated, true);
});

test('local cost model: $1.99/h at 200 tokens/s, 50% utilized → $5.528 per 1M output tokens', () => {
  const p = localPricePerMillion({ gpuUsdPerHour: 1.99, tokensPerSecond: 200, utilization: 0.5 });
  assert.ok(Math.abs(p.output - (1.99 / (200 * 3600 * 0.5)) * 1e6) < 1e-9);
  assert.ok(Math.abs(p.output - 5.5278) < 1e-3);
  assert.equal(p.input, 0);
  const pricer = createPricer(
    pricingConfigSchema.parse({ local: { vllm: { gpuUsdPerHour: 1.99, tokensPerSecond: 200, utilization: 0.5 }, '*': { free: true } } }),
  );
  const local = (id: string): PricedTarget => ({ provider: { id, type: 'openai-compatible' }, model: 'llama-3.1-8b', location: 'local' });
  const c = pricer.costOf(local('vllm'), usage(5_000, 1_000_000), { usageEstimated: true });
  assert.equal(c.basis, 'local-cost-model');
  assert.ok(Math.abs(c.usd - 5.5278) < 1e-3);
  assert.equal(c.estimated, true);
  assert.deepEqual(pricer.costOf(local('ollama'), usage(5_000, 1_000_000)), {
    usd: 0,
    tokensEstimated: false,
    priceEstimated: false,
    estimated: false,
    basis: 'free',
  });
});

test('local cost model reads tokens/s from saved bench results when not configured', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-'));
  const level = (concurrency: number, total: number) => ({
    concurrency,
    requests: 10,
    errors: 0,
    errorSamples: [],
    ttftMs: { p50: 50, p95: 80 },
    tokensPerSecondPerStream: { p50: 100, p95: 110, mean: 100 },
    totalTokensPerSecond: total,
    outputTokens: 1000,
    tokensEstimated: false,
    wallMs: 1000,
  });
  const run: BenchRun = {
    version: 1,
    target: 'vllm/llama',
    providerType: 'openai-compatible',
    baseUrl: 'http://127.0.0.1:8000/v1',
    model: 'llama',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationSeconds: 1,
    maxTokens: 64,
    levels: [level(1, 100), level(16, 800)],
  };
  saveBenchRun(dir, run);
  const pricer = createPricer(pricingConfigSchema.parse({ local: { vllm: { gpuUsdPerHour: 2.88 } } }), { benchDir: dir });
  const target: PricedTarget = { provider: { id: 'vllm', type: 'openai-compatible' }, model: 'llama', location: 'local' };
  // Best total throughput 800 tokens/s: $2.88 / (800 × 3600) × 1e6 = $1.00 per 1M.
  assert.equal(pricer.resolve(target)?.price.output, 1);
});

// Issue #10 item 14: unknown prices are visible and configurable, never a silent $0.
const mystery = { ...cloud('openai-compatible', 'mystery-model', 'acme-cloud'), id: 'acme-cloud/mystery-model' };
const priced = { ...cloud('openai', 'gpt-4o'), id: 'openai/gpt-4o' };
const localLlama: PricedTarget & { id: string } = {
  provider: { id: 'ollama', type: 'ollama' },
  model: 'llama3.2',
  location: 'local',
  id: 'ollama/llama3.2',
};

test('unknown price, default policy: refused when a USD budget applies, naming the deployment and the fix', () => {
  const warnings: string[] = [];
  const pricer = createPricer(pricingConfigSchema.parse({}), { onUnknownPrice: (w) => warnings.push(w.deployment) });
  assert.throws(
    () => pricer.checkPrices([priced, mystery], { usdBudget: true }),
    (err: unknown) => {
      assert.ok(err instanceof PolicyDeniedError);
      assert.equal(err.status, 403);
      assert.equal(err.code, 'price_unknown');
      assert.match(err.message, /'acme-cloud\/mystery-model'/);
      assert.match(err.message, /price: \{ input, output \}/);
      assert.match(err.message, /pricing\.unknownModel/);
      assert.doesNotMatch(err.message, /gpt-4o/, 'only the unknown deployment is named');
      return true;
    },
  );
  // Without a USD budget: estimated at the fallback, warned once per deployment however often it is seen.
  assert.deepEqual(pricer.checkPrices([priced, mystery], { usdBudget: false }), {
    unknown: ['acme-cloud/mystery-model'],
    policy: 'estimate',
  });
  pricer.checkPrices([mystery], { usdBudget: false });
  const c = pricer.costOf(mystery, usage(1e6, 1e6));
  near(c.usd, DEFAULT_ESTIMATE_PRICE.input + DEFAULT_ESTIMATE_PRICE.output);
  assert.deepEqual(warnings, ['acme-cloud/mystery-model']);
  // All priced: nothing to refuse even under a USD budget.
  assert.deepEqual(pricer.checkPrices([priced, localLlama], { usdBudget: true }), { unknown: [], policy: 'estimate' });
});

test('unknown price: "estimate" charges the configured fallback even under a USD budget; "zero" charges 0 but says so', () => {
  const est = createPricer(pricingConfigSchema.parse({ unknownModel: 'estimate', estimatePrice: { input: 3, output: 9 } }));
  assert.deepEqual(est.checkPrices([mystery], { usdBudget: true }), { unknown: ['acme-cloud/mystery-model'], policy: 'estimate' });
  near(est.costOf(mystery, usage(1e6, 1e6)).usd, 12);
  const zero = createPricer(pricingConfigSchema.parse({ unknownModel: 'zero' }));
  assert.equal(zero.checkPrices([mystery], { usdBudget: true }).policy, 'zero');
  assert.deepEqual(zero.costOf(mystery, usage(1e6, 1e6)), {
    usd: 0,
    tokensEstimated: false,
    priceEstimated: true,
    estimated: true,
    basis: 'unknown',
  });
  const refuse = createPricer(pricingConfigSchema.parse({ unknownModel: 'refuse' }));
  assert.throws(() => refuse.checkPrices([mystery], { usdBudget: false }), /pricing\.unknownModel is "refuse"/);
  assert.throws(() => pricingConfigSchema.parse({ unknownModel: 'free' }), /refuse, estimate, zero/);
});

test('unknown price: a deployment `price` or a config price makes it known; local deployments are never unknown', () => {
  const pricer = createPricer(
    pricingConfigSchema.parse({ unknownModel: 'refuse', prices: { 'acme-cloud/other': { input: 1, output: 1 } } }),
  );
  const withPrice = { ...mystery, price: { input: 1, output: 2 } };
  const other = { ...cloud('openai-compatible', 'other', 'acme-cloud'), id: 'acme-cloud/other' };
  assert.deepEqual(pricer.checkPrices([withPrice, other, localLlama], { usdBudget: true }).unknown, []);
  assert.equal(pricer.costOf(localLlama, usage(1e6, 1e6)).priceEstimated, false);
});

test('tokens estimated and price estimated are separate truths', () => {
  const pricer = createPricer(pricingConfigSchema.parse({}));
  const reported = pricer.costOf(mystery, usage(100, 10));
  assert.equal(reported.tokensEstimated, false, 'the upstream reported usage');
  assert.equal(reported.priceEstimated, true);
  const counted = pricer.costOf(priced, usage(100, 10), { usageEstimated: true });
  assert.equal(counted.tokensEstimated, true);
  assert.equal(counted.priceEstimated, false);
});

test('the fallback price is at least every catalog rate (it stays conservative as the catalog grows)', () => {
  for (const e of getDefaultCatalog().entries()) {
    assert.ok(DEFAULT_ESTIMATE_PRICE.input >= e.input, e.model);
    assert.ok(DEFAULT_ESTIMATE_PRICE.output >= e.output, e.model);
  }
});

test('embeddings: OpenAI and Gemini embedding models are priced by the tokens embedded', () => {
  const pricer = createPricer(pricingConfigSchema.parse({ prices: { 'my-embedder': { input: 0.5, output: 0 } } }));
  const cases: Array<[string, string, number]> = [
    ['openai', 'text-embedding-3-small', 0.02],
    ['openai', 'text-embedding-3-large', 0.13],
    ['gemini', 'models/text-embedding-004', 0.1],
    ['gemini', 'gemini-embedding-001', 0.15],
    ['openai-compatible', 'my-embedder', 0.5],
  ];
  for (const [type, model, perMillion] of cases) {
    const c = pricer.costOfEmbedding(cloud(type, model), { prompt_tokens: 2_000_000, total_tokens: 2_000_000 });
    assert.equal(c.priceEstimated, false, model);
    near(c.usd, 2 * perMillion);
  }
  near(costOf(cloud('openai', 'text-embedding-3-small'), usage(1e6, 0)).usd, 0.02);
});

test('audio: per minute from the catalog (whisper-1 $0.006/min), the local cost model, free, or the estimate', () => {
  const pricer = createPricer({ local: { gpu: { gpuUsdPerHour: 1.2, audioSecondsPerSecond: 20 } } });
  const whisper = pricer.costOfAudio(cloud('openai', 'whisper-1'), 90);
  assert.deepEqual(
    { usd: whisper.usd, basis: whisper.basis, estimated: whisper.estimated },
    { usd: 0.009, basis: 'catalog', estimated: false },
  );
  assert.equal(pricer.costOfAudio(cloud('openai', 'gpt-4o-transcribe'), 60).usd, 0.006);
  // $1.20/h at 20x real time: one hour of GPU transcribes 20 h of audio → $0.001/min.
  const local = pricer.costOfAudio({ provider: { id: 'gpu', type: 'whisper-cpp' }, model: 'ggml-base', location: 'local' }, 120);
  assert.deepEqual({ usd: local.usd, basis: local.basis }, { usd: 0.002, basis: 'local-cost-model' });
  const free = pricer.costOfAudio({ provider: { id: 'other', type: 'whisper-cpp' }, model: 'ggml-base', location: 'local' }, 120);
  assert.deepEqual({ usd: free.usd, basis: free.basis }, { usd: 0, basis: 'free' });
  // A cloud model with token prices only has no per-minute rate: charged the estimate, marked so.
  const chat = pricer.costOfAudio(cloud('openai', 'gpt-4o'), 60);
  assert.deepEqual({ usd: chat.usd, priceEstimated: chat.priceEstimated }, { usd: 0.05, priceEstimated: true });
});
