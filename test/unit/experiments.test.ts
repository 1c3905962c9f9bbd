/** Experiments, the pure parts: weighted sticky assignment, config checks, the statistics and the report. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { assignVariant, compileExperiment, stickyKey, type CompiledExperiment } from '../../src/experiments/assign.js';
import { experimentConfigSchema } from '../../src/experiments/config.js';
import { buildReport, experimentsOf, formatReport } from '../../src/experiments/index.js';
import { meanWithCi, median, t975, wilson } from '../../src/experiments/stats.js';
import { Catalog } from '../../src/gateway/catalog.js';
import type { RequestContext } from '../../src/gateway/context.js';
import { preferVariant } from '../../src/gateway/experiment.js';
import type { GatewayServices } from '../../src/gateway/services.js';
import type { Deployment } from '../../src/providers/spec.js';
import type { RoutePlan } from '../../src/router/types.js';

const compile = (variants: Array<{ name: string; weight: number }>, name = 'exp', sticky: 'user' | 'episode' | 'none' = 'user') =>
  compileExperiment('chat', experimentConfigSchema.parse({ name, sticky, variants }), (r) => r);

function shares(exp: CompiledExperiment, keys: string[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const k of keys) {
    const v = assignVariant(exp, k).name;
    n.set(v, (n.get(v) ?? 0) + 1);
  }
  return n;
}

describe('experiment assignment', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `request:req_${i.toString(36)}-${(i * 7919) % 10007}`);

  for (const weights of [
    [70, 30],
    [50, 30, 20],
    [1, 1, 1, 1],
    [0.9, 0.1],
  ]) {
    it(`splits 2,000 requests within ±5 points of weights ${weights.join('/')}`, () => {
      const exp = compile(weights.map((weight, i) => ({ name: `v${i}`, weight })));
      const total = weights.reduce((a, b) => a + b, 0);
      const got = shares(exp, ids);
      weights.forEach((w, i) => {
        const share = (got.get(`v${i}`) ?? 0) / ids.length;
        assert.ok(Math.abs(share - w / total) <= 0.05, `v${i}: ${share} vs ${w / total}`);
      });
    });
  }

  it('is sticky: the same key always gets the same variant; experiments split the same users independently', () => {
    const a = compile([
      { name: 'x', weight: 1 },
      { name: 'y', weight: 1 },
    ]);
    const b = compile(
      [
        { name: 'x', weight: 1 },
        { name: 'y', weight: 1 },
      ],
      'other',
    );
    for (let i = 0; i < 200; i++) assert.equal(assignVariant(a, `user:u${i}`).name, assignVariant(a, `user:u${i}`).name);
    let same = 0;
    for (let i = 0; i < 1000; i++) if (assignVariant(a, `user:u${i}`).name === assignVariant(b, `user:u${i}`).name) same++;
    // Independent 50/50 splits agree about half of the time; the same hash would agree always.
    assert.ok(same > 400 && same < 600, `agreement ${same}/1000`);
  });

  it('sticky keys: user, then the API key, episode, else the request id', () => {
    const user = compile([{ name: 'x', weight: 1 }]);
    const episode = compile([{ name: 'x', weight: 1 }], 'e2', 'episode');
    const none = compile([{ name: 'x', weight: 1 }], 'e3', 'none');
    const src = { requestId: 'r1', user: 'alice', keyId: 'k1', episode: 'ep1' };
    assert.deepEqual(stickyKey(user, src), { key: 'user:alice', by: 'user' });
    assert.deepEqual(stickyKey(user, { requestId: 'r1', keyId: 'k1' }), { key: 'key:k1', by: 'key' });
    assert.deepEqual(stickyKey(user, { requestId: 'r1' }), { key: 'request:r1', by: 'request' });
    assert.deepEqual(stickyKey(episode, src), { key: 'episode:ep1', by: 'episode' });
    assert.deepEqual(stickyKey(episode, { requestId: 'r1', user: 'alice' }), { key: 'request:r1', by: 'request' });
    assert.deepEqual(stickyKey(none, src), { key: 'request:r1', by: 'request' });
  });
});

describe('experiment config', () => {
  const base = {
    providers: [
      { id: 'local', type: 'mock', location: 'local' },
      { id: 'cloud', type: 'mock', location: 'cloud' },
    ],
  };
  const withExperiment = (experiment: unknown) => ({
    ...base,
    models: {
      chat: {
        deployments: [
          { provider: 'local', model: 'a' },
          { provider: 'cloud', model: 'b' },
        ],
        experiment,
      },
    },
  });

  it('refuses weights that are not > 0, duplicate variant names, bad prompt selectors', () => {
    for (const variants of [
      [{ name: 'a', weight: 0 }],
      [{ name: 'a', weight: -1 }],
      [
        { name: 'a', weight: 1 },
        { name: 'a', weight: 2 },
      ],
      [{ name: 'a', weight: 1, prompt: 'support-reply' }],
      [],
    ]) {
      assert.throws(() => parseConfig(withExperiment({ name: 'e', variants }), {}), ConfigError, JSON.stringify(variants));
    }
  });

  it('resolves a variant deployment by id or provider; an unknown one and a duplicate name are config errors', () => {
    const cfg = parseConfig(
      withExperiment({
        name: 'e',
        sticky: 'episode',
        variants: [
          { name: 'a', weight: 3, deployment: 'local', prompt: 'sr@7' },
          { name: 'b', weight: 1, deployment: 'cloud/b', prompt: 'sr@production' },
        ],
      }),
      {},
    );
    const exp = new Catalog(cfg).experimentFor('chat')!;
    assert.deepEqual(
      exp.variants.map((v) => [v.label, v.deployment, v.prompt]),
      [
        ['e/a', 'local/a', { name: 'sr', version: 7 }],
        ['e/b', 'cloud/b', { name: 'sr', label: 'production' }],
      ],
    );
    assert.deepEqual(experimentsOf(cfg).get('e')?.variants, exp.variants, 'the CLI compiles the same experiment');
    const bad = parseConfig(withExperiment({ name: 'e', variants: [{ name: 'a', weight: 1, deployment: 'nope' }] }), {});
    assert.throws(() => new Catalog(bad), /not a deployment of 'chat'; write one of: local\/a, cloud\/b/);
    const twice = parseConfig(
      {
        ...withExperiment({ name: 'e', variants: [{ name: 'a', weight: 1 }] }),
        models: {
          one: { deployments: [{ provider: 'local', model: 'a' }], experiment: { name: 'e', variants: [{ name: 'a', weight: 1 }] } },
          two: { deployments: [{ provider: 'local', model: 'a' }], experiment: { name: 'e', variants: [{ name: 'a', weight: 1 }] } },
        },
      },
      {},
    );
    assert.throws(() => new Catalog(twice), /already the experiment of 'one'/);
  });
});

describe('experiment statistics', () => {
  it('Wilson interval matches published values', () => {
    // Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605.
    const a = wilson(81, 263)!;
    assert.ok(Math.abs(a.low - 0.2553) < 5e-4 && Math.abs(a.high - 0.3662) < 5e-4, JSON.stringify(a));
    const b = wilson(15, 148)!;
    assert.ok(Math.abs(b.low - 0.0624) < 5e-4 && Math.abs(b.high - 0.1605) < 5e-4, JSON.stringify(b));
    const zero = wilson(0, 10)!;
    assert.equal(zero.low, 0);
    assert.ok(zero.high > 0.25 && zero.high < 0.35);
    assert.equal(wilson(0, 0), undefined);
  });

  it('t interval for a mean, t quantiles, median', () => {
    const m = meanWithCi([1, 2, 3, 4, 5])!;
    assert.equal(m.mean, 3);
    // t(0.975, 4) = 2.776; sd = 1.5811; half-width = 2.776 × 1.5811 / √5 = 1.9629.
    assert.ok(Math.abs(m.ci!.low - 1.0371) < 1e-3 && Math.abs(m.ci!.high - 4.9629) < 1e-3, JSON.stringify(m));
    assert.equal(meanWithCi([4])!.ci, undefined);
    assert.equal(meanWithCi([]), undefined);
    assert.equal(t975(10), 2.228);
    assert.ok(Math.abs(t975(60) - 2.0003) < 1e-3, String(t975(60)));
    assert.ok(Math.abs(t975(1000) - 1.9623) < 1e-3, String(t975(1000)));
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2);
    assert.equal(median([]), undefined);
  });

  it('report: per-variant requests, share vs weight, errors, feedback with intervals, cost, p50', () => {
    const exp = compileExperiment(
      'chat',
      experimentConfigSchema.parse({
        name: 'e',
        variants: [
          { name: 'a', weight: 3, prompt: 'sr@1' },
          { name: 'b', weight: 1, deployment: 'cloud/b' },
        ],
      }),
      (r) => r,
    );
    const report = buildReport(
      'e',
      exp,
      {
        requests: [
          { variant: 'e/a', status: 200, latencyMs: 10, costUsd: 0.001 },
          { variant: 'e/a', status: 200, latencyMs: 30, costUsd: 0.003 },
          { variant: 'e/a', status: 500, latencyMs: 1, costUsd: null },
          { variant: 'e/b', status: 200, latencyMs: 20, costUsd: 0.01 },
        ],
        feedback: [
          { variant: 'e/a', score: 1, label: 'pass' },
          { variant: 'e/a', score: 0, label: 'fail' },
          { variant: 'e/a', score: null, label: 'good' },
          { variant: 'e/b', score: 0.5, label: null },
        ],
        truncated: false,
      },
      '2026-01-01T00:00:00.000Z',
    );
    const [a, b] = report.variants;
    assert.equal(report.requests, 4);
    assert.equal(a!.variant, 'a');
    assert.equal(a!.prompt, 'sr@1');
    assert.equal(a!.expectedShare, 0.75);
    assert.equal(a!.requests, 3);
    assert.equal(a!.share, 0.75);
    assert.equal(a!.errors, 1);
    assert.equal(a!.latencyP50Ms, 10);
    assert.ok(Math.abs(a!.cost.totalUsd - 0.004) < 1e-12);
    assert.ok(Math.abs(a!.cost.meanUsd! - 0.002) < 1e-12);
    assert.equal(a!.feedback.count, 3);
    assert.equal(a!.feedback.score!.mean, 0.5);
    assert.ok(a!.feedback.score!.ci95!.low < 0 && a!.feedback.score!.ci95!.high > 1, 'two scores: a wide t interval');
    assert.deepEqual(
      { n: a!.feedback.passRate!.n, passes: a!.feedback.passRate!.passes },
      { n: 3, passes: 2 },
      'pass and good are pass labels; fail is not',
    );
    assert.deepEqual(a!.feedback.passRate!.ci95, wilson(2, 3));
    assert.equal(b!.deployment, 'cloud/b');
    assert.equal(b!.feedback.score!.ci95, null, 'one score: no interval');
    assert.equal(b!.feedback.passRate, null);
    const text = formatReport(report);
    assert.match(text, /requests 3 {2}share 75\.0% \(weight 75\.0%\) {2}errors 1/);
    assert.match(text, /pass 66\.7% \[/);
  });
});

describe('preferVariant', () => {
  const d = (id: string) => ({ id }) as Deployment;
  const plan: RoutePlan = {
    alias: 'chat',
    strategy: 'priority',
    rules: [],
    allowedLocations: ['local', 'private'],
    attempts: [
      { deployment: d('local/a'), reason: 'priority' },
      { deployment: d('local/b'), reason: 'priority' },
    ],
    excluded: [{ deployment: 'cloud/c', rule: 'data-policy:local-only', reason: "location 'cloud' not in [local, private]" }],
  };
  const logged: Array<Record<string, unknown>> = [];
  const g = { logger: { info: (o: Record<string, unknown>) => logged.push(o) } } as unknown as GatewayServices;
  const ctx = { requestId: 'r1' } as RequestContext;
  const assignment = (deployment: string, fallback = true) => {
    const experiment = compileExperiment(
      'chat',
      experimentConfigSchema.parse({ name: 'e', fallback, variants: [{ name: 'v', weight: 1, deployment }] }),
      (r) => r,
    );
    return { experiment, variant: experiment.variants[0]! };
  };

  it("puts the variant's deployment first, the others after (or none with fallback: false)", () => {
    const p = preferVariant(g, ctx, plan, assignment('local/b'));
    assert.deepEqual(
      p.attempts.map((a) => [a.deployment.id, a.reason]),
      [
        ['local/b', 'experiment:e/v'],
        ['local/a', 'priority'],
      ],
    );
    const only = preferVariant(g, ctx, plan, assignment('local/b', false));
    assert.deepEqual(
      only.attempts.map((a) => a.deployment.id),
      ['local/b'],
    );
  });

  it('leaves the plan alone when the policies excluded the deployment, and logs the rule', () => {
    assert.equal(preferVariant(g, ctx, plan, assignment('cloud/c', false)), plan);
    assert.deepEqual(logged.at(-1), {
      requestId: 'r1',
      variant: 'e/v',
      deployment: 'cloud/c',
      rule: 'data-policy:local-only',
      reason: "location 'cloud' not in [local, private]",
    });
  });
});
