/**
 * Engine state in the router: a watched engine whose own queue reaches `router.queueThreshold`
 * is saturated for overflow (local-first goes to cloud; a request restricted to local still runs
 * there), cold deployments go behind warm siblings of the same location, and the health monitor
 * feeds both.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment, EngineState } from '../../src/providers/spec.js';
import { createHealthMonitor } from '../../src/router/health.js';
import type { HealthState } from '../../src/router/types.js';
import { dep, facts, never, router } from './router-fixtures.js';

const ids = (plan: { attempts: Array<{ deployment: { id: string } }> }) => plan.attempts.map((a) => a.deployment.id);
const confidential = [{ name: 'confidential', when: { tags: ['confidential'] }, require: { location: ['local', 'private'] } }];

describe('queue threshold: engine queue depth counts as saturation for overflow', () => {
  const set = () => [dep('cloud/big', 'cloud'), dep('vllm/qwen', 'local', { maxConcurrency: 8 })];

  it('local-first overflows to cloud while the engine reports waiting >= threshold, and comes back', async () => {
    const r = router({ router: { strategy: 'local-first', queueThreshold: 4 } });
    const run = async (d: Deployment) => d.id;
    const once = async () => {
      const res = await r.execute(r.plan(facts(), set()), run, never);
      res.release();
      return [res.value, res.reason];
    };
    assert.deepEqual(await once(), ['vllm/qwen', 'local-first']);
    r.setEngineState('vllm/qwen', { waiting: 3, running: 8 });
    assert.deepEqual(await once(), ['vllm/qwen', 'local-first'], 'below the threshold stays local');
    r.setEngineState('vllm/qwen', { waiting: 4, running: 8 });
    assert.deepEqual(await once(), ['cloud/big', 'overflow']);
    assert.equal(r.inFlight('vllm/qwen'), 0, 'no slot was taken on the busy engine');
    r.setEngineState('vllm/qwen', { waiting: 0 });
    assert.deepEqual(await once(), ['vllm/qwen', 'local-first']);
    r.setEngineState('vllm/qwen', { waiting: 50 });
    r.setEngineState('vllm/qwen', undefined);
    assert.deepEqual(await once(), ['vllm/qwen', 'local-first'], 'a forgotten report is not busy');
    assert.deepEqual(r.engineState('vllm/qwen'), undefined);
  });

  it('queueThreshold 0 turns it off; the default is 4', async () => {
    const off = router({ router: { strategy: 'local-first', queueThreshold: 0 } });
    off.setEngineState('vllm/qwen', { waiting: 100 });
    assert.equal((await off.execute(off.plan(facts(), set()), async (d) => d.id, never)).value, 'vllm/qwen');
    const def = router({ router: { strategy: 'local-first' } });
    def.setEngineState('vllm/qwen', { waiting: 4 });
    assert.equal((await def.execute(def.plan(facts(), set()), async (d) => d.id, never)).value, 'cloud/big');
  });

  it('a request restricted to local still runs on the busy engine (the engine queues it), never on cloud', async () => {
    const r = router({ router: { strategy: 'local-first', queueThreshold: 2, queueTimeoutMs: 200 }, policies: confidential });
    r.setEngineState('vllm/qwen', { waiting: 9 });
    const plan = r.plan(facts({ tags: ['confidential'] }), set());
    assert.deepEqual(ids(plan), ['vllm/qwen']);
    const res = await r.execute(plan, async (d) => d.id, never);
    assert.equal(res.value, 'vllm/qwen');
    assert.equal(res.reason, 'confidential');
  });

  it('a busy engine is the last resort among free ones, and a full one still queues as before', async () => {
    const a = dep('vllm/a', 'local', { maxConcurrency: 1 });
    const b = dep('llamacpp/b', 'local', { maxConcurrency: 1 });
    const r = router({ router: { strategy: 'priority', queueThreshold: 2, queueTimeoutMs: 2000 }, policies: confidential });
    r.setEngineState('vllm/a', { waiting: 5 });
    const f = facts({ tags: ['confidential'] });
    const first = await r.execute(r.plan(f, [a, b]), async (d) => d.id, never);
    assert.deepEqual([first.value, first.reason], ['llamacpp/b', 'overflow'], 'the free engine first');
    const second = await r.execute(r.plan(f, [a, b]), async (d) => d.id, never);
    assert.equal(second.value, 'vllm/a', 'then the busy engine, rather than waiting');
    // Both at maxConcurrency: the third waits in the router queue until a slot frees.
    const third = r.execute(r.plan(f, [a, b]), async (d) => d.id, never);
    await new Promise((res) => setImmediate(res));
    assert.equal(r.queueLength(), 1);
    first.release();
    assert.equal((await third).value, 'llamacpp/b');
    second.release();
  });
});

describe('warm before cold', () => {
  it('priority: a cold local deployment goes behind a warm local one; locations keep their places', () => {
    const r = router();
    const set = [dep('ollama/cold', 'local'), dep('openai/gpt', 'cloud'), dep('ollama/warm', 'local')];
    assert.deepEqual(ids(r.plan(facts(), set)), ['ollama/cold', 'openai/gpt', 'ollama/warm']);
    r.setHealth('ollama/cold', 'cold');
    assert.deepEqual(ids(r.plan(facts(), set)), ['ollama/warm', 'openai/gpt', 'ollama/cold']);
    assert.equal(r.plan(facts(), set).attempts[0]!.reason, 'priority');
  });

  it('local-first: warm local, then cold local, then the rest', () => {
    const r = router({ router: { strategy: 'local-first' } });
    r.setHealth('ollama/a', 'cold');
    const set = [dep('openai/gpt', 'cloud'), dep('ollama/a', 'local'), dep('ollama/b', 'local'), dep('azure/x', 'private')];
    assert.deepEqual(ids(r.plan(facts(), set)), ['ollama/b', 'ollama/a', 'azure/x', 'openai/gpt']);
  });

  it('a cold deployment that is the only one of its location keeps its place', () => {
    const r = router({ router: { strategy: 'local-first' } });
    r.setHealth('ollama/a', 'cold');
    assert.deepEqual(ids(r.plan(facts(), [dep('openai/gpt', 'cloud'), dep('ollama/a', 'local')])), ['ollama/a', 'openai/gpt']);
    r.setHealth('ollama/b', 'cold');
    const allCold = [dep('ollama/a', 'local'), dep('ollama/b', 'local')];
    assert.deepEqual(ids(r.plan(facts(), allCold)), ['ollama/a', 'ollama/b'], 'all cold: alias order');
  });

  it('the gateway isCold hook counts too; other strategies and prefer rules are not overridden', () => {
    const r = router(
      { router: { strategy: 'priority' }, policies: [{ name: 'pin', when: { tags: ['pin'] }, prefer: 'ollama/cold' }] },
      { isCold: (d) => d.id === 'ollama/cold' },
    );
    const set = [dep('ollama/cold', 'local'), dep('ollama/warm', 'local')];
    assert.deepEqual(ids(r.plan(facts(), set)), ['ollama/warm', 'ollama/cold']);
    assert.deepEqual(ids(r.plan(facts({ tags: ['pin'] }), set)), ['ollama/cold', 'ollama/warm'], 'a prefer rule naming it wins');
    assert.deepEqual(ids(r.plan(facts(), set, 'cheapest')), ['ollama/cold', 'ollama/warm'], 'cheapest ranks by cost only');
  });
});

describe('health monitor feeds engine state', () => {
  it('loaded models make cold/up, queue depth reaches the router, a down engine forgets its report', async () => {
    const r = router({ router: { strategy: 'local-first' } });
    const warm = dep('ollama/llama3', 'local');
    const cold: Deployment = { ...dep('ollama/qwen', 'local'), provider: warm.provider };
    const vllm = dep('vllm/qwen', 'local');
    let vllmUp = true;
    let vllmState: EngineState = { waiting: 7, running: 2, kvCacheUsage: 0.9 };
    const monitor = createHealthMonitor([warm, cold, vllm], {
      intervalMs: 60_000,
      router: r,
      probe: async (p) => {
        if (p.id === 'vllm' && !vllmUp) throw new Error('ECONNREFUSED');
      },
      engineState: async (p) => (p.id === 'ollama' ? { loadedModels: ['llama3'] } : vllmState),
    });
    assert.deepEqual(await monitor.checkNow(), { 'ollama/llama3': 'up', 'ollama/qwen': 'cold', 'vllm/qwen': 'up' });
    assert.deepEqual(r.engineState('vllm/qwen'), { waiting: 7, running: 2, kvCacheUsage: 0.9 });
    assert.deepEqual(r.engineState('ollama/qwen'), { loadedModels: ['llama3'] });
    vllmState = { waiting: 1 };
    await monitor.checkNow();
    assert.deepEqual(r.engineState('vllm/qwen'), { waiting: 1 });
    vllmUp = false;
    assert.equal((await monitor.checkNow())['vllm/qwen'], 'down');
    assert.equal(r.engineState('vllm/qwen'), undefined);
  });

  it('an engine-state error keeps the deployment up, reports the error, forgets the old state', async () => {
    const r = router();
    const d = dep('vllm/qwen', 'local');
    const errors: string[] = [];
    let fail = false;
    const monitor = createHealthMonitor([d], {
      intervalMs: 60_000,
      router: r,
      probe: async () => undefined,
      engineState: async () => {
        if (fail) throw new Error('metrics off');
        return { waiting: 9 };
      },
      onEngineError: (p, err) => errors.push(`${p.id}: ${(err as Error).message}`),
    });
    await monitor.checkNow();
    assert.equal(r.engineState('vllm/qwen')?.waiting, 9);
    fail = true;
    assert.deepEqual(await monitor.checkNow(), { 'vllm/qwen': 'up' });
    assert.equal(r.engineState('vllm/qwen'), undefined);
    assert.deepEqual(errors, ['vllm: metrics off']);
  });

  it('checkNow during a running check waits for it and returns a fresh one', async () => {
    const d = dep('vllm/qwen', 'local');
    let reads = 0;
    let waiting = 1;
    let releaseFirst!: () => void;
    const firstGate = new Promise<void>((res) => (releaseFirst = res));
    const seen: Array<EngineState | undefined> = [];
    const monitor = createHealthMonitor([d], {
      intervalMs: 60_000,
      router: { setHealth: () => undefined, setEngineState: (_id, s) => void seen.push(s) },
      probe: async () => undefined,
      engineState: async () => {
        reads++;
        const value = waiting;
        if (reads === 1) await firstGate;
        return { waiting: value };
      },
    });
    const first = monitor.checkNow();
    await new Promise((res) => setImmediate(res));
    waiting = 9; // changed while the first check is in flight
    const second = monitor.checkNow();
    const third = monitor.checkNow();
    releaseFirst();
    await Promise.all([first, second, third]);
    assert.equal(reads, 2, 'calls made during a check share one follow-up check');
    assert.deepEqual(seen, [{ waiting: 1 }, { waiting: 9 }]);
    const out: Record<string, HealthState> = await monitor.checkNow();
    assert.deepEqual(out, { 'vllm/qwen': 'up' });
  });
});
