/**
 * Issue 3, "local engines are watched, not assumed", through the running gateway: a fake vLLM on
 * 127.0.0.1 serves /v1/chat/completions and /metrics with a `vllm:num_requests_waiting` the test
 * sets. With the engine's queue at `router.queueThreshold`, local-first sends new requests to the
 * cloud fake; below it, to local; a request restricted to local stays local either way. A fake
 * Ollama whose /api/ps lacks one model makes that deployment cold, and its warm sibling is
 * preferred until the model is loaded.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { completion, postChat, route, startFakeEngine, type FakeEngine } from '../helpers/routing.js';
import { sendJson, sendNdjson, startUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';

/** vLLM-like: OpenAI chat under /v1, Prometheus metrics at the root (as `vllm serve` exposes them). */
interface FakeVllm {
  upstream: FakeUpstream;
  waiting: number;
  chats: RecordedRequest[];
  scrapes: number;
}

async function startFakeVllm(): Promise<FakeVllm> {
  const engine: FakeVllm = { upstream: undefined as unknown as FakeUpstream, waiting: 0, chats: [], scrapes: 0 };
  engine.upstream = await startUpstream((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/models')
      return sendJson(res, 200, { object: 'list', data: [{ id: 'qwen', object: 'model' }] });
    if (req.method === 'GET' && req.url === '/metrics') {
      engine.scrapes++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(
        [
          '# HELP vllm:num_requests_running Number of requests in model execution batches.',
          '# TYPE vllm:num_requests_running gauge',
          'vllm:num_requests_running{engine="0",model_name="qwen"} 2.0',
          '# HELP vllm:num_requests_waiting Number of requests waiting to be processed.',
          '# TYPE vllm:num_requests_waiting gauge',
          `vllm:num_requests_waiting{engine="0",model_name="qwen"} ${engine.waiting}.0`,
          '# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.',
          '# TYPE vllm:kv_cache_usage_perc gauge',
          'vllm:kv_cache_usage_perc{engine="0",model_name="qwen"} 0.35',
          '',
        ].join('\n'),
      );
      return;
    }
    if (req.method === 'POST' && req.url === '/v1/chat/completions') {
      engine.chats.push(req);
      return sendJson(res, 200, completion(String(req.json?.model), 'hello from vllm'));
    }
    sendJson(res, 404, { error: { message: 'not found' } });
  });
  return engine;
}

/** Ollama-like: two models installed, only `loaded` listed by /api/ps (shape: https://docs.ollama.com/api/ps). */
interface FakeOllama {
  upstream: FakeUpstream;
  loaded: string[];
  chats: RecordedRequest[];
}

async function startFakeOllama(installed: string[]): Promise<FakeOllama> {
  const engine: FakeOllama = { upstream: undefined as unknown as FakeUpstream, loaded: [], chats: [] };
  const model = (name: string) => ({ name, model: name, size: 4_000_000_000, details: { family: 'llama' } });
  engine.upstream = await startUpstream((req, res: ServerResponse) => {
    if (req.url === '/api/tags') return sendJson(res, 200, { models: installed.map(model) });
    if (req.url === '/api/ps')
      return sendJson(res, 200, {
        models: engine.loaded.map((n) => ({ ...model(n), expires_at: '2030-01-01T00:00:00Z', size_vram: 4_000_000_000 })),
      });
    if (req.url === '/api/chat') {
      engine.chats.push(req);
      const base = { model: req.json.model, created_at: '2025-01-01T00:00:00Z' };
      const final = {
        ...base,
        message: { role: 'assistant', content: `hello from ${req.json.model}` },
        done: true,
        done_reason: 'stop',
        prompt_eval_count: 5,
        eval_count: 3,
      };
      return req.json.stream === false ? sendJson(res, 200, final) : sendNdjson(res, [final]);
    }
    sendJson(res, 404, { error: 'not found' });
  });
  return engine;
}

describe('local-first overflow on engine queue depth (fake vLLM /metrics)', () => {
  let vllm: FakeVllm;
  let cloud: FakeEngine;
  let gw: RunningGateway;

  before(async () => {
    vllm = await startFakeVllm();
    cloud = await startFakeEngine('cloud');
    gw = await startGateway({
      providers: [
        // Cloud first on purpose: local-first must still put local in front.
        { id: 'cloud', type: 'openai-compatible', baseUrl: cloud.baseUrl, location: 'cloud' },
        { id: 'vllm', type: 'openai-compatible', baseUrl: `${vllm.upstream.url}/v1`, location: 'local', options: { engine: 'vllm' } },
      ],
      models: {
        chat: {
          strategy: 'local-first',
          deployments: [
            { provider: 'cloud', model: 'm-cloud' },
            { provider: 'vllm', model: 'qwen', maxConcurrency: 16 },
          ],
        },
      },
      policies: [{ name: 'confidential-stays-inside', when: { tags: ['confidential'] }, require: { location: ['local', 'private'] } }],
      router: { healthIntervalMs: 200, queueThreshold: 4, retries: 0 },
    });
  });
  after(async () => {
    await gw.close();
    await Promise.all([vllm.upstream.close(), cloud.close()]);
  });

  /** Sets the engine's queue, then makes the gateway read it now (no sleeping for the interval). */
  async function engineQueue(waiting: number): Promise<void> {
    vllm.waiting = waiting;
    const health = await gw.gateway.checkHealth();
    assert.equal(health['vllm/qwen'], 'up');
  }

  it('with the engine queue low, requests stay local', async () => {
    await engineQueue(0);
    const before = vllm.chats.length;
    const r = await postChat(gw.url, { model: 'chat' });
    assert.equal(r.status, 200);
    assert.deepEqual(route(r), { deployment: 'vllm/qwen', reason: 'local-first', strategy: 'local-first' });
    assert.equal(vllm.chats.length, before + 1);
    assert.ok(vllm.scrapes >= 1, 'the gateway scraped /metrics at the engine root');
  });

  it('with the engine queue at the threshold, new requests overflow to cloud', async () => {
    await engineQueue(12);
    const cloudBefore = cloud.chats.length;
    const localBefore = vllm.chats.length;
    const replies = await Promise.all([1, 2, 3].map(() => postChat(gw.url, { model: 'chat' })));
    for (const r of replies) {
      assert.equal(r.status, 200);
      assert.deepEqual(route(r), { deployment: 'cloud/m-cloud', reason: 'overflow', strategy: 'local-first' });
    }
    assert.equal(cloud.chats.length, cloudBefore + 3);
    assert.equal(vllm.chats.length, localBefore, 'the busy engine got nothing new');
  });

  it('a request restricted to local still goes to the busy engine, never to cloud', async () => {
    await engineQueue(12);
    const cloudBefore = cloud.chats.length;
    const r = await postChat(gw.url, { model: 'chat' }, { 'x-meridian-tags': 'confidential' });
    assert.equal(r.status, 200);
    assert.equal(route(r).deployment, 'vllm/qwen');
    assert.equal(cloud.chats.length, cloudBefore);
  });

  it('once the queue drains below the threshold, requests return to local', async () => {
    await engineQueue(3);
    const r = await postChat(gw.url, { model: 'chat' });
    assert.deepEqual(route(r), { deployment: 'vllm/qwen', reason: 'local-first', strategy: 'local-first' });
  });

  it('the router holds what the engine reported', async () => {
    await engineQueue(2);
    const router = gw.gateway.services.router as { engineState?: (id: string) => unknown };
    assert.deepEqual(router.engineState?.('vllm/qwen'), { waiting: 2, running: 2, kvCacheUsage: 0.35 });
  });
});

describe('warm before cold (fake Ollama /api/ps)', () => {
  let ollama: FakeOllama;
  let cloud: FakeEngine;
  let gw: RunningGateway;

  before(async () => {
    ollama = await startFakeOllama(['llama3.1:8b', 'qwen2.5:7b']);
    cloud = await startFakeEngine('cloud');
    gw = await startGateway({
      providers: [
        { id: 'ollama', type: 'ollama', baseUrl: ollama.upstream.url, location: 'local' },
        { id: 'cloud', type: 'openai-compatible', baseUrl: cloud.baseUrl, location: 'cloud' },
      ],
      models: {
        smart: {
          strategy: 'priority',
          deployments: [
            { provider: 'ollama', model: 'llama3.1:8b' },
            { provider: 'cloud', model: 'm-cloud' },
            { provider: 'ollama', model: 'qwen2.5:7b' },
          ],
        },
      },
      router: { healthIntervalMs: 200, retries: 0 },
    });
  });
  after(async () => {
    await gw.close();
    await Promise.all([ollama.upstream.close(), cloud.close()]);
  });

  it('the model /api/ps does not list is cold, and its warm sibling is preferred', async () => {
    ollama.loaded = ['qwen2.5:7b'];
    assert.deepEqual(await gw.gateway.checkHealth(), { 'ollama/llama3.1:8b': 'cold', 'ollama/qwen2.5:7b': 'up' });
    const r = await postChat(gw.url, { model: 'smart' });
    assert.equal(r.status, 200);
    assert.deepEqual(route(r), { deployment: 'ollama/qwen2.5:7b', reason: 'priority', strategy: 'priority' });
    assert.equal(ollama.chats.at(-1)!.json.model, 'qwen2.5:7b');
    assert.equal(cloud.chats.length, 0, 'cold is not down: the cloud deployment between them is not used');
  });

  it('explain shows the warm one first and the cold one behind the cloud deployment', async () => {
    ollama.loaded = ['qwen2.5:7b'];
    await gw.gateway.checkHealth();
    const res = await fetch(`${gw.url}/v1/route/explain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { eligible: Array<{ deployment: string }> };
    assert.deepEqual(
      body.eligible.map((e) => e.deployment),
      ['ollama/qwen2.5:7b', 'cloud/m-cloud', 'ollama/llama3.1:8b'],
    );
  });

  it('once the first model is loaded, alias order is back', async () => {
    ollama.loaded = ['qwen2.5:7b', 'llama3.1:8b'];
    assert.deepEqual(await gw.gateway.checkHealth(), { 'ollama/llama3.1:8b': 'up', 'ollama/qwen2.5:7b': 'up' });
    const r = await postChat(gw.url, { model: 'smart' });
    assert.equal(route(r).deployment, 'ollama/llama3.1:8b');
  });

  it('with nothing loaded, the cold first deployment is still tried first (cold is not down)', async () => {
    ollama.loaded = [];
    assert.deepEqual(await gw.gateway.checkHealth(), { 'ollama/llama3.1:8b': 'cold', 'ollama/qwen2.5:7b': 'cold' });
    const r = await postChat(gw.url, { model: 'smart' });
    assert.equal(r.status, 200);
    assert.equal(route(r).deployment, 'ollama/llama3.1:8b');
  });
});
