/**
 * `adapter.engineState` over real sockets: which URL each engine is asked (the engine root, not
 * baseUrl's `/v1`), with which credentials, and the fallbacks (llama-server without `--metrics`
 * → `/slots`; LM Studio before 0.4 → `/api/v0/models`). Ollama reads `/api/ps`.
 * Fixtures: test/fixtures/engines/ (sources cited in test/unit/engine-state.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { createProviderHandle } from '../../src/providers/registry.js';
import type { ProviderHandle } from '../../src/providers/spec.js';
import { sendJson, startUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/engines/${name}`, import.meta.url), 'utf8');
const signal = () => AbortSignal.timeout(2000);

describe('engineState over HTTP', () => {
  const servers: FakeUpstream[] = [];
  const handles: ProviderHandle[] = [];
  after(async () => {
    await Promise.all(handles.map((h) => h.http.close()));
    await Promise.all(servers.map((s) => s.close()));
  });
  async function engine(routes: Record<string, (req: RecordedRequest, res: Parameters<Parameters<typeof startUpstream>[0]>[1]) => void>) {
    const up = await startUpstream((req, res) => {
      const route = routes[req.url];
      if (route) return route(req, res);
      sendJson(res, 404, { error: 'not found' });
    });
    servers.push(up);
    return up;
  }
  function handle(config: Parameters<typeof createProviderHandle>[0]): ProviderHandle {
    const h = createProviderHandle(config);
    handles.push(h);
    return h;
  }
  const text = (body: string) => (_req: RecordedRequest, res: Parameters<Parameters<typeof startUpstream>[0]>[1]) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(body);
  };

  it('vLLM: GET <root>/metrics with the provider key and headers', async () => {
    const up = await engine({ '/metrics': text(fixture('vllm-metrics.txt')) });
    const h = handle({
      id: 'vllm',
      type: 'openai-compatible',
      baseUrl: `${up.url}/v1`,
      location: 'local',
      apiKey: 'vllm-key-123',
      headers: { 'x-team': 'a' },
      options: { engine: 'vllm' },
    });
    assert.deepEqual(await h.adapter.engineState!(h, signal()), { waiting: 5, running: 5, kvCacheUsage: 0.61 });
    assert.equal(up.requests[0]!.url, '/metrics');
    assert.equal(up.requests[0]!.headers.authorization, 'Bearer vllm-key-123');
    assert.equal(up.requests[0]!.headers['x-team'], 'a');
  });

  it('llama-server: /metrics when enabled; without --metrics falls back to /slots and stops asking /metrics', async () => {
    const withMetrics = await engine({ '/metrics': text(fixture('llama-server-metrics.txt')) });
    const a = handle({
      id: 'llamacpp',
      type: 'openai-compatible',
      baseUrl: `${withMetrics.url}/v1`,
      location: 'local',
      options: { engine: 'llama-server' },
    });
    assert.deepEqual(await a.adapter.engineState!(a, signal()), { waiting: 6, running: 4 });

    const noMetrics = await engine({
      // What llama-server answers when started without --metrics.
      '/metrics': (_req, res) =>
        sendJson(res, 501, {
          error: {
            code: 501,
            message: 'This server does not support metrics endpoint. Start it with `--metrics`',
            type: 'not_supported_error',
          },
        }),
      '/slots': (_req, res) => sendJson(res, 200, JSON.parse(fixture('llama-server-slots.json'))),
    });
    const b = handle({
      id: 'llamacpp2',
      type: 'openai-compatible',
      baseUrl: `${noMetrics.url}/v1`,
      location: 'local',
      options: { engine: 'llama-server' },
    });
    assert.deepEqual(await b.adapter.engineState!(b, signal()), { running: 1, waiting: 0 });
    assert.deepEqual(await b.adapter.engineState!(b, signal()), { running: 1, waiting: 0 });
    assert.deepEqual(
      noMetrics.requests.map((r) => r.url),
      ['/metrics', '/slots', '/slots'],
    );
  });

  it('LM Studio: /api/v1/models, or /api/v0/models on older servers', async () => {
    const v1 = await engine({ '/api/v1/models': (_req, res) => sendJson(res, 200, JSON.parse(fixture('lmstudio-models-v1.json'))) });
    const a = handle({
      id: 'lmstudio',
      type: 'openai-compatible',
      baseUrl: `${v1.url}/v1`,
      location: 'local',
      options: { engine: 'lmstudio' },
    });
    assert.ok((await a.adapter.engineState!(a, signal())).loadedModels!.includes('qwen/qwen3-4b-2507'));

    const v0 = await engine({ '/api/v0/models': (_req, res) => sendJson(res, 200, JSON.parse(fixture('lmstudio-models-v0.json'))) });
    const b = handle({
      id: 'lmstudio0',
      type: 'openai-compatible',
      baseUrl: `${v0.url}/v1`,
      location: 'local',
      options: { engine: 'lmstudio' },
    });
    assert.deepEqual(await b.adapter.engineState!(b, signal()), { loadedModels: ['meta-llama-3.1-8b-instruct'] });
  });

  it('a plain OpenAI-compatible provider says nothing and sends nothing; an unknown engine is a config error', async () => {
    const up = await engine({});
    const h = handle({ id: 'plain', type: 'openai-compatible', baseUrl: `${up.url}/v1`, location: 'local' });
    assert.deepEqual(await h.adapter.engineState!(h, signal()), {});
    assert.equal(up.requests.length, 0);
    // caught when the provider is created (at start), not at the first health probe
    assert.throws(
      () => handle({ id: 'bad', type: 'openai-compatible', baseUrl: `${up.url}/v1`, location: 'local', options: { engine: 'tgi' } }),
      /options\.engine 'tgi' is unknown/,
    );
  });

  it('an engine that is down rejects (the monitor then keeps the liveness verdict)', async () => {
    const up = await engine({});
    const url = up.url;
    await up.close();
    const h = handle({ id: 'gone', type: 'openai-compatible', baseUrl: `${url}/v1`, location: 'local', options: { engine: 'vllm' } });
    await assert.rejects(h.adapter.engineState!(h, signal()), /Could not reach 'gone'/);
  });

  it('Ollama: loaded models from /api/ps (name and model spellings)', async () => {
    // Shape from https://docs.ollama.com/api/ps
    const up = await engine({
      '/api/ps': (_req, res) =>
        sendJson(res, 200, {
          models: [
            {
              name: 'gemma3:latest',
              model: 'gemma3:latest',
              size: 6591830464,
              digest: 'a2af6cc3',
              details: { family: 'gemma3' },
              expires_at: '2025-10-17T16:47:07.93355-07:00',
              size_vram: 5333539264,
              context_length: 4096,
            },
          ],
        }),
    });
    const h = handle({ id: 'ollama', type: 'ollama', baseUrl: up.url, location: 'local' });
    assert.deepEqual(await h.adapter.engineState!(h, signal()), { loadedModels: ['gemma3:latest', 'gemma3:latest'] });
  });
});
