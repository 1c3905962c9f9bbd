import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Usage } from '../../src/api/types.js';
import { saveBenchRun, type BenchRun } from '../../src/meter/bench-results.js';
import { candidateNames, getDefaultCatalog } from '../../src/meter/catalog.js';
import { pricingConfigSchema } from '../../src/meter/config.js';
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
    assert.ok(e.input > 0 && e.output > e.input * 0.99, e.model);
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
  assert.deepEqual(unknown, { usd: 0, estimated: true, basis: 'unknown' });
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
  assert.deepEqual(pricer.costOf(local('ollama'), usage(5_000, 1_000_000)), { usd: 0, estimated: false, basis: 'free' });
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
