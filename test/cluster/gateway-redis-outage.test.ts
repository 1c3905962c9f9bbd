/**
 * A Redis outage as a client and a load balancer see it (issue #10, item 13): a request that needs
 * a counter gets 503 store_unavailable fast (not a generic 500 after seconds), /readyz takes the
 * replica out of rotation, and both recover by themselves when Redis is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startUpstream, type FakeUpstream } from '../helpers/upstream.js';
import { privateRedis, waitFor, type PrivateRedis } from './private-redis.js';
import { makePostgresHarness } from './store-harness.js';

const MASTER = 'redis-outage-master-key-0123456789';

describe('gateway: Redis outage', () => {
  let redis: PrivateRedis;
  let harness: Awaited<ReturnType<typeof makePostgresHarness>>;
  let upstream: FakeUpstream;
  let gw: RunningGateway;

  before(async () => {
    redis = await privateRedis();
    await redis.start();
    harness = await makePostgresHarness();
    upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'c',
          object: 'chat.completion',
          created: 1,
          model: String(req.json?.model),
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
    gw = await startGateway(
      {
        providers: [{ id: 'local', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' }],
        models: { chat: [{ provider: 'local', model: 'm' }] },
        router: { healthIntervalMs: 0, retries: 0 },
        store: { sqlite: ':memory:', postgres: harness.postgresUrl, redis: redis.url, redisPrefix: harness.redisPrefix },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  after(async () => {
    await gw.close();
    await upstream.close();
    await redis.kill();
    await harness.destroy();
  });

  it('503 store_unavailable within a second and not ready while Redis is down; recovers by itself', async () => {
    const created = await fetch(`${gw.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'acme', rpm: 1000 }),
    });
    assert.equal(created.status, 201);
    const { key } = (await created.json()) as { key: string };
    const ask = () =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
      });
    assert.equal((await ask()).status, 200);
    assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);

    await redis.kill();
    const t0 = performance.now();
    const down = await ask();
    const ms = performance.now() - t0;
    assert.equal(down.status, 503);
    const body = (await down.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'store_unavailable');
    assert.ok(down.headers.get('retry-after'), 'tells the client when to retry');
    assert.ok(ms < 1_000, `answered in ${ms.toFixed(0)} ms`);
    await waitFor(async () => (await fetch(`${gw.url}/readyz`)).status === 503, 'the replica to report not ready');
    const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as { status: string; reason?: string };
    assert.equal(ready.status, 'store_unavailable');
    assert.match(ready.reason ?? '', /redis/i);

    await redis.start();
    await waitFor(async () => (await fetch(`${gw.url}/readyz`)).status === 200, 'the replica to be ready again');
    assert.equal((await ask()).status, 200);
  });
});
