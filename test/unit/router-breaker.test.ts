import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UpstreamTimeoutError } from '../../src/errors.js';
import type { Deployment } from '../../src/providers/spec.js';
import { createHealthMonitor } from '../../src/router/health.js';
import type { HealthState } from '../../src/router/types.js';
import { dep, facts, never, router, upstream } from './router-fixtures.js';

const cfg = { backoffBaseMs: 1, backoffMaxMs: 1, retries: 0, breaker: { failureThreshold: 3, cooldownMs: 10_000 } };

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const failOn = (bad: string) => async (d: Deployment) => {
  if (d.id === bad) throw upstream(500);
  return d.id;
};

describe('circuit breaker', () => {
  it('opens after N consecutive failures, excludes with breaker-open, half-opens after cool-down, closes on success', async () => {
    const c = clock();
    const r = router({ router: cfg }, { now: c.now });
    const set = [dep('a/flaky', 'local'), dep('b/steady', 'cloud')];
    for (let i = 0; i < 3; i++) {
      const res = await r.execute(r.plan(facts(), set), failOn('a/flaky'), never);
      assert.equal(res.value, 'b/steady');
      res.release();
    }
    assert.equal(r.breakerState('a/flaky'), 'open');
    const plan = r.plan(facts(), set);
    assert.deepEqual(
      plan.attempts.map((a) => a.deployment.id),
      ['b/steady'],
    );
    assert.deepEqual(plan.excluded, [
      { deployment: 'a/flaky', rule: 'breaker-open', reason: 'circuit breaker open after repeated failures' },
    ]);

    c.advance(9_999);
    assert.equal(r.breakerState('a/flaky'), 'open');
    c.advance(1);
    assert.equal(r.breakerState('a/flaky'), 'half-open');
    // half-open: one probe goes through; while it is in flight the breaker reads open
    const probePlan = r.plan(facts(), set);
    assert.equal(probePlan.attempts[0]!.deployment.id, 'a/flaky');
    let release!: () => void;
    const probe = r.execute(probePlan, (d) => new Promise<string>((res) => (release = () => res(d.id))), never);
    await new Promise((res) => setImmediate(res));
    assert.equal(r.breakerState('a/flaky'), 'open');
    assert.equal(r.plan(facts(), set).attempts[0]!.deployment.id, 'b/steady');
    release();
    (await probe).release();
    assert.equal(r.breakerState('a/flaky'), 'closed');
    assert.equal(r.plan(facts(), set).attempts[0]!.deployment.id, 'a/flaky');
  });

  it('a failed half-open probe re-opens the breaker for another cool-down', async () => {
    const c = clock();
    const r = router({ router: cfg }, { now: c.now });
    const set = [dep('a/flaky', 'local'), dep('b/steady', 'cloud')];
    for (let i = 0; i < 3; i++) (await r.execute(r.plan(facts(), set), failOn('a/flaky'), never)).release();
    c.advance(10_000);
    (await r.execute(r.plan(facts(), set), failOn('a/flaky'), never)).release();
    assert.equal(r.breakerState('a/flaky'), 'open');
    c.advance(5_000);
    assert.equal(r.breakerState('a/flaky'), 'open');
  });

  it('429s, client errors and cold-model timeouts do not trip the breaker', async () => {
    const c = clock();
    const cold = new Set(['ollama/big']);
    const r = router({ router: cfg }, { now: c.now, isCold: (d) => cold.has(d.id) });
    const set = [dep('ollama/big', 'local'), dep('b/steady', 'cloud')];
    const timeout = async (d: Deployment) => {
      if (d.id === 'ollama/big') throw new UpstreamTimeoutError('loading');
      return d.id;
    };
    for (let i = 0; i < 5; i++) (await r.execute(r.plan(facts(), set), timeout, never)).release();
    assert.equal(r.breakerState('ollama/big'), 'closed', 'cold timeouts ignored');
    cold.clear();
    for (let i = 0; i < 3; i++) (await r.execute(r.plan(facts(), set), timeout, never)).release();
    assert.equal(r.breakerState('ollama/big'), 'open', 'warm timeouts count');

    const r2 = router({ router: { ...cfg, maxRetryAfterMs: 0 } }, { now: c.now });
    for (let i = 0; i < 5; i++) {
      (
        await r2.execute(r2.plan(facts(), set), async (d) => (d.id === 'ollama/big' ? Promise.reject(upstream(429, 5)) : d.id), never)
      ).release();
    }
    assert.equal(r2.breakerState('ollama/big'), 'closed');
  });

  it('health-monitor cold state also shields the breaker', async () => {
    const r = router({ router: cfg });
    const set = [dep('ollama/big', 'local'), dep('b/steady', 'cloud')];
    r.setHealth('ollama/big', 'cold');
    const run = async (d: Deployment) => (d.id === 'ollama/big' ? Promise.reject(new UpstreamTimeoutError('loading')) : d.id);
    for (let i = 0; i < 4; i++) (await r.execute(r.plan(facts(), set), run, never)).release();
    assert.equal(r.breakerState('ollama/big'), 'closed');
  });

  it('when every candidate is open, the least-recently-failed one is tried instead of failing instantly', async () => {
    const c = clock();
    const r = router({ router: cfg }, { now: c.now });
    const a = dep('a/one', 'cloud');
    const b = dep('b/two', 'cloud');
    for (let i = 0; i < 3; i++) await r.execute(r.plan(facts(), [a]), failOn('a/one'), never).catch(() => {});
    c.advance(100);
    for (let i = 0; i < 3; i++) await r.execute(r.plan(facts(), [b]), failOn('b/two'), never).catch(() => {});
    assert.equal(r.breakerState('a/one'), 'open');
    assert.equal(r.breakerState('b/two'), 'open');
    const plan = r.plan(facts(), [a, b]);
    assert.deepEqual(
      plan.attempts.map((x) => [x.deployment.id, x.reason]),
      [['a/one', 'breaker-open-last-resort']],
    );
    assert.deepEqual(
      plan.excluded.map((x) => x.deployment),
      ['b/two'],
    );
    const res = await r.execute(plan, async (d) => d.id, never);
    assert.equal(res.value, 'a/one');
    assert.equal(r.breakerState('a/one'), 'closed');
  });
});

describe('health', () => {
  it('a down deployment is skipped with a reason; cold stays eligible', () => {
    const r = router();
    const set = [dep('ollama/a', 'local'), dep('ollama/b', 'local'), dep('openai/c', 'cloud')];
    r.setHealth('ollama/a', 'down');
    r.setHealth('ollama/b', 'cold');
    const plan = r.plan(facts(), set);
    assert.deepEqual(
      plan.attempts.map((x) => x.deployment.id),
      ['ollama/b', 'openai/c'],
    );
    assert.deepEqual(plan.excluded, [{ deployment: 'ollama/a', rule: 'health', reason: 'down: the health probe failed' }]);
    r.setHealth('ollama/a', 'up');
    assert.equal(r.plan(facts(), set).attempts.length, 3);
  });

  it('the monitor probes each local provider once and reports up / cold / down', async () => {
    const live = dep('ollama/llama3', 'local');
    const coldOne: Deployment = { ...dep('ollama/qwen', 'local'), provider: live.provider };
    const dead = dep('llamacpp/phi', 'local');
    const cloud = dep('openai/gpt', 'cloud');
    const probed: string[] = [];
    const reported: Record<string, HealthState> = {};
    const monitor = createHealthMonitor([live, coldOne, dead, cloud], {
      intervalMs: 60_000,
      router: { setHealth: (id, s) => void (reported[id] = s) },
      probe: async (p) => {
        probed.push(p.id);
        if (p.id === 'llamacpp') throw new Error('ECONNREFUSED');
      },
      loadedModels: async (p) => (p.id === 'ollama' ? ['llama3'] : undefined),
    });
    const out = await monitor.checkNow();
    assert.deepEqual(out, { 'ollama/llama3': 'up', 'ollama/qwen': 'cold', 'llamacpp/phi': 'down' });
    assert.deepEqual(reported, out);
    assert.deepEqual(probed.sort(), ['llamacpp', 'ollama'], 'one probe per provider, cloud not probed');
  });

  it('the default probe is adapter.listModels (a real adapter against a closed port is down)', async () => {
    const { createProviderHandle } = await import('../../src/providers/registry.js');
    const { createServer } = await import('node:net');
    const srv = createServer();
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((res) => srv.close(() => res()));
    const provider = createProviderHandle({
      id: 'vllm',
      type: 'openai-compatible',
      baseUrl: `http://127.0.0.1:${port}/v1`,
      location: 'local',
    });
    const d: Deployment = { ...dep('vllm/qwen', 'local'), provider };
    const r = router();
    const out = await createHealthMonitor([d], { intervalMs: 1000, router: r }).checkNow();
    assert.deepEqual(out, { 'vllm/qwen': 'down' });
    assert.equal(r.health('vllm/qwen'), 'down');
    await provider.http.close();
  });
});
