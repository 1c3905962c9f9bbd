/**
 * Issue #13, the response cache scaled out: two gateways on one PostgreSQL + Redis store share
 * their cache (an answer one replica stored is a hit on the other), and a Redis that is down is
 * a miss that goes upstream, never an error or a stall.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { sendJson, sendSse, startUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { privateRedis, type PrivateRedis } from './private-redis.js';
import { deleteRedisKeys, makePostgresHarness, REDIS_URL } from './store-harness.js';

const MASTER = 'cache-redis-master-key-0123456789';

let served = 0;
function handler(req: RecordedRequest, res: ServerResponse): Promise<void> | void {
  served++;
  const text = `answer #${served}`;
  if (!req.json.stream) {
    return sendJson(res, 200, {
      id: `c${served}`,
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id: `c${served}`,
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  return sendSse(res, [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'ans' }),
    chunk({ content: `wer #${served}` }),
    chunk({}, 'stop'),
    '[DONE]',
  ]);
}

const body = (content: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }], ...extra });
const post = (url: string, b: string) =>
  fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b });

function config(upstream: FakeUpstream, store: Record<string, unknown>): Record<string, unknown> {
  return {
    providers: [
      { id: 'fake', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' },
      { id: 'mock', type: 'mock', location: 'local' },
    ],
    models: {
      chat: { deployments: [{ provider: 'fake', model: 'm' }], cache: { enabled: true } },
      sem: {
        deployments: [{ provider: 'fake', model: 'm' }],
        cache: { enabled: true, semantic: { embeddingModel: 'embed', threshold: 0.8 } },
      },
      embed: [{ provider: 'mock', model: 'mock-embed-ngram' }],
    },
    router: { healthIntervalMs: 0, retries: 0 },
    store: { sqlite: ':memory:', onCounterError: 'fail-open', ...store },
  };
}

describe('response cache in Redis: two gateways share it', () => {
  let harness: Awaited<ReturnType<typeof makePostgresHarness>>;
  let upstream: FakeUpstream;
  let a: RunningGateway;
  let b: RunningGateway;

  before(async () => {
    harness = await makePostgresHarness();
    upstream = await startUpstream(handler);
    const store = { postgres: harness.postgresUrl, redis: REDIS_URL, redisPrefix: harness.redisPrefix };
    a = await startGateway(config(upstream, store), { env: { MERIDIAN_MASTER_KEY: MASTER } });
    b = await startGateway(config(upstream, store), { env: { MERIDIAN_MASTER_KEY: MASTER } });
  });
  after(async () => {
    await a.close();
    await b.close();
    await upstream.close();
    await deleteRedisKeys(harness.redisPrefix);
    await harness.destroy();
  });

  it('a response stored by one replica is a hit on the other; the upstream is called once', async () => {
    assert.equal(a.gateway.services.cache?.backend.kind, 'redis');
    const calls = upstream.requests.length;
    const r1 = await post(a.url, body('Shared across replicas'));
    assert.equal(r1.headers.get('x-meridian-cache'), 'miss');
    const t1 = await r1.text();
    // The write is not awaited by the request: poll the other replica until it sees it.
    let r2 = await post(b.url, body('Shared across replicas'));
    for (let i = 0; i < 50 && r2.headers.get('x-meridian-cache') !== 'hit'; i++) {
      await r2.arrayBuffer();
      await new Promise((r) => setTimeout(r, 20));
      r2 = await post(b.url, body('Shared across replicas'));
    }
    assert.equal(r2.headers.get('x-meridian-cache'), 'hit');
    assert.equal(await r2.text(), t1);
    assert.ok(upstream.requests.length - calls >= 1);
    const afterHit = upstream.requests.length;
    const r3 = await post(a.url, body('Shared across replicas'));
    assert.equal(r3.headers.get('x-meridian-cache'), 'hit');
    await r3.arrayBuffer();
    assert.equal(upstream.requests.length, afterHit);
    // The log columns of migration 6, through PostgreSQL.
    const store = a.gateway.services.store!;
    await store.requestLog.flush();
    const rows = await store.requestLog.query({ limit: 100 });
    const hitRow = rows.find((r) => r.id === r3.headers.get('x-request-id'));
    assert.equal(hitRow?.cacheHit, true);
    assert.equal(hitRow?.costUsd, 0);
    assert.equal(typeof hitRow?.savedUsd, 'number');
    assert.equal(rows.find((r) => r.id === r1.headers.get('x-request-id'))?.cacheHit, false);
  });

  it('a streamed answer replays with the same chunks on the other replica', async () => {
    const r1 = await post(a.url, body('Stream across replicas', { stream: true }));
    const t1 = await r1.text();
    let r2 = await post(b.url, body('Stream across replicas', { stream: true }));
    for (let i = 0; i < 50 && r2.headers.get('x-meridian-cache') !== 'hit'; i++) {
      await r2.text();
      await new Promise((r) => setTimeout(r, 20));
      r2 = await post(b.url, body('Stream across replicas', { stream: true }));
    }
    assert.equal(r2.headers.get('x-meridian-cache'), 'hit');
    assert.equal(await r2.text(), t1);
  });

  it('semantic: a vector stored by one replica finds the rewording asked on the other', async () => {
    const ask = (url: string, content: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sem', messages: [{ role: 'user', content }] }),
      });
    const r1 = await ask(a.url, 'How do I reverse a list in Python?');
    assert.equal(r1.headers.get('x-meridian-cache'), 'miss');
    await r1.arrayBuffer();
    let hit: Response | undefined;
    // Each miss on b stores its own answer under its own key: ask with fresh wordings until b sees a's vector.
    for (let i = 0; i < 50 && !hit; i++) {
      const r = await ask(b.url, i % 2 ? 'how do I reverse a list in python' : 'How do I reverse a list in python');
      if (r.headers.get('x-meridian-cache') === 'hit') hit = r;
      else {
        await r.arrayBuffer();
        await new Promise((res) => setTimeout(res, 20));
      }
    }
    assert.ok(hit, 'a semantic hit across replicas');
    assert.match(hit.headers.get('x-meridian-route') ?? '', /reason=cache-semantic/);
    assert.ok(Number(hit.headers.get('x-meridian-cache-similarity')) >= 0.8);
    // b's first wording normally finds a's entry at once; a later one may find b's own (also in Redis).
    assert.match(await hit.text(), /answer #\d+/);
  });
});

describe('response cache in Redis: Redis down is a miss, not an error', () => {
  let redis: PrivateRedis;
  let harness: Awaited<ReturnType<typeof makePostgresHarness>>;
  let upstream: FakeUpstream;
  let gw: RunningGateway;

  before(async () => {
    redis = await privateRedis();
    await redis.start();
    harness = await makePostgresHarness();
    upstream = await startUpstream(handler);
    gw = await startGateway(config(upstream, { postgres: harness.postgresUrl, redis: redis.url, redisPrefix: harness.redisPrefix }), {
      env: { MERIDIAN_MASTER_KEY: MASTER },
    });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
    await redis.kill();
    await harness.destroy();
  });

  it('answers from upstream quickly while Redis is down, and caches again once it is back', async () => {
    const warm = await post(gw.url, body('Outage question'));
    assert.equal(warm.headers.get('x-meridian-cache'), 'miss');
    await warm.arrayBuffer();
    await redis.kill();

    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await post(gw.url, body('Outage question'));
      const ms = performance.now() - t0;
      assert.equal(r.status, 200, 'never an error');
      assert.equal(r.headers.get('x-meridian-cache'), 'miss');
      assert.match(await r.text(), /answer #\d+/);
      assert.ok(ms < 1000, `no stall (${Math.round(ms)} ms)`);
    }

    await redis.start();
    // The client reconnects by itself; the cache works again (a fresh, empty Redis).
    let hit = false;
    for (let i = 0; i < 100 && !hit; i++) {
      const r = await post(gw.url, body('After the outage'));
      hit = r.headers.get('x-meridian-cache') === 'hit';
      await r.arrayBuffer();
      if (!hit) await new Promise((res) => setTimeout(res, 50));
    }
    assert.ok(hit, 'a hit after Redis came back');
  });
});
