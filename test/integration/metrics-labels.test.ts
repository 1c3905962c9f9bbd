/**
 * GET /metrics over a real gateway (issue #10, item 3): made-up model names never become series,
 * requests in flight are counted, and breaker states are read at each scrape.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../../src/gateway/context.js';
import { parseConfig } from '../../src/config/load.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

describe('GET /metrics label bounds', () => {
  let gw: RunningGateway;
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let entered: () => void = () => undefined;
  const inHandler = new Promise<void>((resolve) => (entered = resolve));

  before(async () => {
    gw = await startGateway(
      {
        providers: [{ id: 'mock', type: 'mock', location: 'local' }],
        models: { chat: [{ provider: 'mock', model: 'mock-small' }] },
        router: { healthIntervalMs: 0 },
        log: { level: 'silent' },
      },
      {
        routes: () =>
          new Map([
            [
              'GET /test/wait',
              {
                access: 'key' as const,
                handler: async (_g: unknown, ctx: RequestContext) => {
                  entered();
                  await released;
                  ctx.res.end('done');
                },
              },
            ],
          ]),
      },
    );
  });
  after(() => gw.close());

  const chat = (model: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: "Say 'ok'" }] }),
    });

  it('keeps client-chosen model names out of the labels', async () => {
    for (let i = 0; i < 200; i++) {
      const res = await chat(`openai/m-${i}-${'x'.repeat(240)}`); // longest accepted name: reaches the pipeline
      assert.ok(res.status >= 400);
      await res.arrayBuffer();
    }
    const ok = await chat('chat');
    assert.equal(ok.status, 200, await ok.text());
    const res = await fetch(`${gw.url}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.doesNotMatch(text, /m-17/);
    assert.ok(text.length < 100_000, `${text.length} bytes`);
    assert.match(text, /meridian_requests_total\{kind="chat",alias="_other",deployment="none",location="none",status="\d+"\} 200/);
    assert.match(text, /meridian_requests_total\{kind="chat",alias="chat",deployment="mock\/mock-small",location="local",status="200"\} 1/);
    assert.match(text, /^meridian_breaker_state\{deployment="mock\/mock-small"\} 0$/m);
  });

  it('labels an alias added by a reload with its name', async () => {
    await gw.gateway.reload(
      parseConfig({
        store: { sqlite: ':memory:' },
        providers: [{ id: 'mock', type: 'mock', location: 'local' }],
        models: { chat: [{ provider: 'mock', model: 'mock-small' }], fast: [{ provider: 'mock', model: 'mock-fast' }] },
        router: { healthIntervalMs: 0 },
      }),
      'test',
    );
    assert.equal((await chat('fast')).status, 200);
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(text, /meridian_requests_total\{kind="chat",alias="fast",deployment="mock\/mock-fast",location="local",status="200"\} 1/);
  });

  it('counts requests in flight', async () => {
    const pending = fetch(`${gw.url}/test/wait`);
    await inHandler;
    assert.match(await (await fetch(`${gw.url}/metrics`)).text(), /^meridian_inflight_requests 1$/m);
    release();
    assert.equal(await (await pending).text(), 'done');
    assert.match(await (await fetch(`${gw.url}/metrics`)).text(), /^meridian_inflight_requests 0$/m);
  });
});
