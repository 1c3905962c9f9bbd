/**
 * The pure parts of the dashboard's admin endpoints (src/gateway/dashboard-routes.ts,
 * src/store/log-series.ts): the time-series window (bucket choice, flooring, bounds), nearest-rank
 * percentiles, and the providers view of the router's live state (warm/cold, breakers, engine load).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidRequestError } from '../../src/errors.js';
import { providersView, seriesWindow } from '../../src/gateway/dashboard-routes.js';
import type { GatewayServices } from '../../src/gateway/services.js';
import { percentile } from '../../src/store/log-series.js';

const NOW = Date.UTC(2026, 5, 1, 12, 34, 56, 789);
const q = (s: string) => new URLSearchParams(s);

describe('seriesWindow', () => {
  it('chooses the smallest nice bucket giving at most 120 buckets, and floors since to it', () => {
    const w = seriesWindow(q(''), 3_600_000, NOW);
    assert.equal(w.bucketMs, 30_000);
    assert.equal(w.since, '2026-06-01T11:34:30.000Z');
    assert.equal(w.until, new Date(NOW + 1).toISOString(), 'until now, inclusive of this millisecond');
    assert.equal(seriesWindow(q(''), 7 * 86_400_000, NOW).bucketMs, 3 * 3_600_000);
    assert.equal(seriesWindow(q(''), 30 * 86_400_000, NOW).bucketMs, 6 * 3_600_000);
    const days = seriesWindow(q('bucket=1d'), 3 * 86_400_000, NOW);
    assert.equal(days.since, '2026-05-29T00:00:00.000Z', 'whole UTC days');
  });

  it('refuses bad buckets, reversed windows and more than 1,000 buckets, naming the parameter', () => {
    const param = (s: string) => {
      try {
        seriesWindow(q(s), 3_600_000, NOW);
      } catch (err) {
        assert.ok(err instanceof InvalidRequestError);
        return (err as InvalidRequestError & { param?: string | null }).param;
      }
      return 'accepted';
    };
    for (const bad of ['bucket=0s', 'bucket=500ms', 'bucket=1w', 'bucket=-1m', 'bucket=1000000m'])
      assert.notEqual(param(bad), 'accepted', bad);
    assert.notEqual(param('since=yesterday'), 'accepted');
    assert.equal(param('since=2026-06-01T00:00:00Z&bucket=1m'), 'accepted', '755 buckets');
    assert.equal(param('since=2026-05-31T00:00:00Z&bucket=1m'), 'bucket', '2,195 buckets');
    assert.equal(param('bucket=0s'), 'bucket');
    assert.equal(param('since=2026-06-01T12:00:00Z&until=2026-06-01T11:00:00Z'), 'since');
  });
});

describe('percentile', () => {
  it('nearest rank; null when empty', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual([percentile(xs, 0.5), percentile(xs, 0.95), percentile(xs, 0.99)], [50, 95, 99]);
    assert.deepEqual([percentile([7], 0.5), percentile([7], 0.99)], [7, 7]);
    assert.deepEqual([percentile([1, 2], 0.5), percentile([1, 2], 0.95)], [1, 2]);
    assert.equal(percentile([], 0.5), null);
  });
});

describe('providersView', () => {
  const deployment = (id: string, location: string, extra: Record<string, unknown> = {}) => {
    const [provider, model] = id.split('/');
    return { id, model, location, provider: { id: provider, type: 'openai-compatible' }, capabilities: {}, ...extra };
  };
  const deployments = [
    deployment('vllm/llama', 'local', { maxConcurrency: 4 }),
    deployment('vllm/qwen', 'local'),
    deployment('ollama/phi', 'local'),
    deployment('openai/gpt', 'cloud'),
  ];
  const g = {
    catalog: { allDeployments: () => deployments },
    meter: { priceOf: (d: { id: string }) => (d.id === 'openai/gpt' ? { input: 2.5, output: 10 } : undefined) },
    router: {
      breakerState: (id: string) => (id === 'openai/gpt' ? 'open' : 'closed'),
      inFlight: (id: string) => (id === 'vllm/llama' ? 3 : 0),
      stats: (id: string) => (id === 'vllm/llama' ? { ttftMs: 120, tokensPerSec: 45, samples: 9 } : { samples: 0 }),
      health: (id: string) => (id === 'ollama/phi' ? 'cold' : 'up'),
      engineState: (id: string) =>
        id.startsWith('vllm/') ? { loadedModels: ['llama'], waiting: 2, running: 3, kvCacheUsage: 0.5 } : undefined,
      queueLength: () => 5,
    },
  } as unknown as GatewayServices;

  it('reads health, breakers, warm/cold, load, moving averages and price for each deployment', () => {
    const view = providersView(g) as { queueLength: number; data: Record<string, unknown>[] };
    assert.equal(view.queueLength, 5);
    const by = Object.fromEntries(view.data.map((d) => [d.id as string, d]));
    assert.deepEqual(
      [by['vllm/llama']!.warm, by['vllm/qwen']!.warm, by['ollama/phi']!.warm, by['openai/gpt']!.warm],
      ['warm', 'cold', 'cold', 'unknown'],
    );
    assert.deepEqual([by['vllm/llama']!.inFlight, by['vllm/llama']!.maxConcurrency], [3, 4]);
    assert.deepEqual(by['vllm/llama']!.engine, { loadedModels: ['llama'], waiting: 2, running: 3, kvCacheUsage: 0.5 });
    assert.deepEqual([by['vllm/llama']!.ttftEwmaMs, by['vllm/llama']!.tokensPerSecEwma, by['vllm/llama']!.samples], [120, 45, 9]);
    assert.deepEqual([by['openai/gpt']!.breaker, by['openai/gpt']!.price], ['open', { input: 2.5, output: 10 }]);
    assert.deepEqual([by['vllm/qwen']!.price, by['vllm/qwen']!.ttftEwmaMs, by['ollama/phi']!.health], [null, null, 'cold']);
  });

  it('a router without live-state readers (an override) still answers, with defaults', () => {
    const bare = { ...g, router: {} } as unknown as GatewayServices;
    const view = providersView(bare) as { queueLength: number; data: Record<string, unknown>[] };
    assert.equal(view.queueLength, 0);
    assert.deepEqual(
      view.data.map((d) => [d.health, d.breaker, d.warm, d.inFlight]),
      deployments.map(() => ['up', 'closed', 'unknown', 0]),
    );
  });
});
