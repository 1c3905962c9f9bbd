import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimitError } from '../../src/errors.js';
import type { Deployment } from '../../src/providers/spec.js';
import { dep, facts, never, router } from './router-fixtures.js';

const ids = (plan: { attempts: Array<{ deployment: { id: string } }> }) => plan.attempts.map((a) => a.deployment.id);

describe('strategies', () => {
  const set = () => [
    dep('cloud/pricey', 'cloud', { price: { input: 5, output: 15 } }),
    dep('local/a', 'local'),
    dep('cloud/cheap', 'cloud', { price: { input: 0.1, output: 0.4 } }),
    dep('cloud/unpriced', 'cloud'),
    dep('private/b', 'private', { price: { input: 1, output: 1 } }),
  ];

  it('priority keeps alias order; the alias strategy overrides the router default', () => {
    const r = router({ router: { strategy: 'cheapest' } });
    assert.deepEqual(ids(r.plan(facts(), set(), 'priority')), ['cloud/pricey', 'local/a', 'cloud/cheap', 'cloud/unpriced', 'private/b']);
    assert.equal(r.plan(facts(), set()).strategy, 'cheapest');
  });

  it('cheapest: unpriced local first, unpriced cloud last', () => {
    const plan = router().plan(facts(), set(), 'cheapest');
    assert.deepEqual(ids(plan), ['local/a', 'cloud/cheap', 'private/b', 'cloud/pricey', 'cloud/unpriced']);
    assert.equal(plan.attempts[0]!.reason, 'cheapest');
  });

  it('local-first: local, private, then cloud in alias order', () => {
    assert.deepEqual(ids(router().plan(facts(), set(), 'local-first')), [
      'local/a',
      'private/b',
      'cloud/pricey',
      'cloud/cheap',
      'cloud/unpriced',
    ]);
  });

  it('fastest: ranks by EWMA fed through release(outcome)', async () => {
    const r = router();
    const a = dep('x/slow', 'cloud');
    const b = dep('y/fast', 'cloud');
    const feed = async (d: Deployment, ttftMs: number, tps: number) => {
      const res = await r.execute(r.plan(facts(), [d]), async () => 'ok', never);
      res.release({ ok: true, ttftMs, outputTokens: tps, durationMs: ttftMs + 1000 });
    };
    await feed(a, 900, 20);
    await feed(b, 100, 80);
    assert.deepEqual(ids(r.plan(facts(), [a, b], 'fastest')), ['y/fast', 'x/slow']);
    assert.equal(Math.round(r.stats('y/fast').tokensPerSec!), 80);
    // EWMA moves toward new samples: make y slow for a while
    for (let i = 0; i < 8; i++) await feed(b, 3000, 5);
    assert.deepEqual(ids(r.plan(facts(), [a, b], 'fastest')), ['x/slow', 'y/fast']);
  });

  it('weighted: seeded picks are reproducible and follow the weights', () => {
    const ws = [dep('a/w1', 'cloud', { weight: 1 }), dep('b/w3', 'cloud', { weight: 3 })];
    const firsts = (seed: number) => {
      const r = router({ router: { strategy: 'weighted', seed } });
      return Array.from({ length: 400 }, () => r.plan(facts(), ws).attempts[0]!.deployment.id);
    };
    const run1 = firsts(42);
    assert.deepEqual(run1, firsts(42));
    const share = run1.filter((x) => x === 'b/w3').length / run1.length;
    assert.ok(share > 0.65 && share < 0.85, `weight-3 share ${share} ≈ 0.75`);
  });

  it('least-busy: fewest in flight (relative to max concurrency) first', async () => {
    const r = router();
    const a = dep('a/one', 'local', { maxConcurrency: 4 });
    const b = dep('b/two', 'local', { maxConcurrency: 4 });
    const held = await r.execute(r.plan(facts(), [a]), async () => 1, never);
    assert.deepEqual(ids(r.plan(facts(), [a, b], 'least-busy')), ['b/two', 'a/one']);
    held.release();
    assert.deepEqual(ids(r.plan(facts(), [a, b], 'least-busy')), ['a/one', 'b/two']);
  });

  it('prefer a named deployment puts it first', () => {
    const r = router({ policies: [{ name: 'pin', when: { alias: 'smart' }, prefer: 'cloud/cheap' }] });
    const plan = r.plan(facts(), set());
    assert.equal(plan.attempts[0]!.deployment.id, 'cloud/cheap');
    assert.equal(plan.attempts[0]!.reason, 'pin');
  });
});

describe('local-first with cloud overflow', () => {
  const pool = () => [dep('ollama/llama3', 'local', { maxConcurrency: 2 }), dep('openai/gpt-4o-mini', 'cloud')];

  /** A run that holds each request until the test lets go. */
  function gate() {
    const waiting: Array<() => void> = [];
    return {
      run: (d: Deployment) => new Promise<string>((res) => waiting.push(() => res(d.id))),
      openAll: () => waiting.splice(0).forEach((f) => f()),
      pending: () => waiting.length,
    };
  }

  it('a burst of 5 with local max concurrency 2: 2 run locally, 3 overflow to cloud', async () => {
    const r = router({ router: { strategy: 'local-first' } });
    const g = gate();
    const burst = Array.from({ length: 5 }, () => r.execute(r.plan(facts(), pool()), g.run, never));
    await new Promise((res) => setImmediate(res));
    assert.equal(r.inFlight('ollama/llama3'), 2);
    assert.equal(r.inFlight('openai/gpt-4o-mini'), 3);
    g.openAll();
    const results = await Promise.all(burst);
    const where = results.map((x) => x.deployment.id);
    assert.equal(where.filter((x) => x === 'ollama/llama3').length, 2);
    assert.equal(where.filter((x) => x === 'openai/gpt-4o-mini').length, 3);
    assert.ok(results.filter((x) => x.deployment.location === 'cloud').every((x) => x.reason === 'overflow'));
    results.forEach((x) => x.release());
    // once local is free again, local wins
    const again = await r.execute(r.plan(facts(), pool()), async (d) => d.id, never);
    assert.equal(again.value, 'ollama/llama3');
    again.release();
  });

  it('no overflow when a policy forbids cloud: requests queue for a local slot, then 429 with Retry-After', async () => {
    const r = router({
      router: { strategy: 'local-first', maxQueue: 2, queueTimeoutMs: 150 },
      policies: [{ name: 'conf', when: { tags: ['confidential'] }, require: { location: ['local', 'private'] } }],
    });
    const f = facts({ tags: ['confidential'] });
    const g = gate();
    const ran: string[] = [];
    const run = (d: Deployment) => {
      ran.push(d.id);
      return g.run(d);
    };
    const first = [r.execute(r.plan(f, pool()), run, never), r.execute(r.plan(f, pool()), run, never)];
    const queued = r.execute(r.plan(f, pool()), run, never);
    // attach the rejection handlers right away (they reject while the test is still waiting)
    const timedOut = r.execute(r.plan(f, pool()), run, never).then(
      () => assert.fail('should time out in the queue'),
      (e: unknown) => e,
    );
    const queueFull = r.execute(r.plan(f, pool()), run, never).then(
      () => assert.fail('should be rejected'),
      (e: unknown) => e,
    );
    await new Promise((res) => setImmediate(res));
    assert.equal(r.queueLength(), 2);
    const full = await queueFull;
    assert.ok(full instanceof RateLimitError);
    assert.equal(full.status, 429);
    assert.ok(full.retryAfter! >= 1);

    // one local slot frees up: the oldest waiter gets it (still local)
    g.openAll();
    const done = await Promise.all(first);
    done[0]!.release();
    await new Promise((res) => setImmediate(res));
    assert.equal(r.queueLength(), 1, 'the oldest waiter left the queue');
    assert.equal(ran.length, 3);
    g.openAll();
    const q = await queued;
    assert.equal(q.deployment.id, 'ollama/llama3');
    // the last waiter never gets a slot (two still held): 429 after queueTimeoutMs
    const late = await timedOut;
    assert.ok(late instanceof RateLimitError, String(late));
    assert.equal((late as RateLimitError).code, 'deployments_saturated');
    assert.ok(
      ran.every((id) => id === 'ollama/llama3'),
      'never ran on cloud',
    );
    assert.equal(r.inFlight('openai/gpt-4o-mini'), 0);
    done[1]!.release();
    q.release();
    assert.equal(r.inFlight('ollama/llama3'), 0);
  });
});
