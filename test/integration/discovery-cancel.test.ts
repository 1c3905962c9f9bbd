/** Config-less discovery, the empty-config 503, readiness, and client disconnects cancelling upstream work. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { discoverProviders } from '../../src/config/discover.js';
import { parseConfig } from '../../src/config/load.js';
import { withDiscovery } from '../../src/cli/serve.js';
import { startUpstream, sendJson } from '../helpers/upstream.js';
import { startGateway } from '../helpers/gateway.js';

describe('discovery', () => {
  it('finds a local engine on its port and cloud keys in the environment, and builds chat-default', async () => {
    // Ollama's /api/tags answer, from https://github.com/ollama/ollama/blob/main/docs/api.md#list-local-models
    const ollama = await startUpstream((req, res) =>
      req.url === '/api/tags'
        ? sendJson(res, 200, {
            models: [
              { name: 'nomic-embed-text:latest', model: 'nomic-embed-text:latest' },
              { name: 'qwen2.5:7b', model: 'qwen2.5:7b' },
            ],
          })
        : sendJson(res, 404, { error: 'not found' }),
    );
    try {
      const engines = [
        { provider: { id: 'ollama', type: 'ollama', baseUrl: ollama.url, location: 'local' as const }, probePath: '/api/tags' },
        {
          provider: { id: 'vllm', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1', location: 'local' as const },
          probePath: '/models',
        },
      ];
      const env = { OPENAI_API_KEY: 'sk-test-discovery' };
      const found = await discoverProviders(env, { engines, timeoutMs: 300 });
      assert.deepEqual(
        found.map((f) => [f.provider.id, f.defaultModel]),
        [
          ['ollama', 'qwen2.5:7b'],
          ['openai', 'gpt-4o-mini'],
        ],
      );
      const { config, discovered } = await withDiscovery(parseConfig({}), undefined, () =>
        discoverProviders(env, { engines, timeoutMs: 300 }),
      );
      assert.equal(discovered.length, 2);
      assert.deepEqual(config.models['chat-default'], [
        { provider: 'ollama', model: 'qwen2.5:7b' },
        { provider: 'openai', model: 'gpt-4o-mini' },
      ]);
      assert.equal(config.providers.find((p) => p.id === 'openai')?.apiKey, 'sk-test-discovery');
    } finally {
      await ollama.close();
    }
  });

  it('starts with nothing configured and answers 503 saying how to configure a provider', async () => {
    const gw = await startGateway({});
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(res.status, 503);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'no_provider_configured');
      assert.match(body.error.message, /OPENAI_API_KEY/);
      assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);
      assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
    } finally {
      await gw.close();
    }
  });
});

describe('client disconnect', () => {
  it('cancels the upstream request when the client goes away mid-stream', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = {
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { content: 'tick ' }, finish_reason: null }],
      };
      const timer = setInterval(() => res.write(`data: ${JSON.stringify(chunk)}\n\n`), 20);
      res.on('close', () => {
        clearInterval(timer);
        upstreamClosed();
      });
    });
    const gw = await startGateway({
      providers: [{ id: 'slow', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' }],
      models: { chat: [{ provider: 'slow', model: 'm' }] },
      router: { healthIntervalMs: 0 },
    });
    try {
      const controller = new AbortController();
      const res = await request(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'go on forever' }] }),
        signal: controller.signal,
      });
      const it = res.body[Symbol.asyncIterator]();
      assert.match(String((await it.next()).value), /tick/);
      controller.abort();
      const t0 = Date.now();
      await Promise.race([
        closed,
        new Promise((_, rej) => setTimeout(() => rej(new Error('upstream was not cancelled within 5 s')), 5000)),
      ]);
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
