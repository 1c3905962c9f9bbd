/**
 * Issue 3, local-first with cloud overflow and fail closed, through the running gateway: a burst
 * of concurrent requests against a slow local engine (maxConcurrency 2) overflows to cloud; with
 * `confidential` (a policy requiring local/private) nothing overflows: requests queue and then
 * succeed, or get 429 with Retry-After; and errors or timeouts never move such a request to cloud.
 * The request log (GET /admin/requests) shows the attempts.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import {
  fail,
  hang,
  logEntry,
  ok,
  postChat,
  requestLog,
  route,
  startFakeEngine,
  type ChatReply,
  type FakeEngine,
} from '../helpers/routing.js';

const MASTER = 'routing-overflow-master-key-0123';
const CONFIDENTIAL = { 'x-meridian-tags': 'confidential' };

const confidentialPolicy = {
  name: 'confidential-stays-inside',
  when: { tags: ['confidential'] },
  require: { location: ['local', 'private'] },
};

/** Cloud is listed first on purpose: `local-first` must still put local in front. */
function burstConfig(local: FakeEngine, cloud: FakeEngine, router: Record<string, unknown>) {
  return {
    providers: [
      { id: 'local', type: 'openai-compatible', baseUrl: local.baseUrl, location: 'local' },
      { id: 'cloud', type: 'openai-compatible', baseUrl: cloud.baseUrl, location: 'cloud' },
    ],
    models: {
      burst: {
        strategy: 'local-first',
        deployments: [
          { provider: 'cloud', model: 'm-cloud' },
          { provider: 'local', model: 'm-local', maxConcurrency: 2 },
        ],
      },
    },
    policies: [confidentialPolicy],
    router: { healthIntervalMs: 0, retries: 0, ...router },
  };
}

const burst = (url: string, n: number, headers: Record<string, string> = {}): Promise<ChatReply[]> =>
  Promise.all(Array.from({ length: n }, () => postChat(url, { model: 'burst' }, headers)));

describe('local-first with cloud overflow', () => {
  let local: FakeEngine;
  let cloud: FakeEngine;
  let gw: RunningGateway;

  before(async () => {
    local = await startFakeEngine('local');
    cloud = await startFakeEngine('cloud');
    gw = await startGateway(burstConfig(local, cloud, { maxQueue: 10, queueTimeoutMs: 5000 }), { env: { MERIDIAN_MASTER_KEY: MASTER } });
  });
  beforeEach(() => {
    local.reset();
    cloud.reset();
  });
  after(async () => {
    await gw.close();
    await Promise.all([local.close(), cloud.close()]);
  });

  it('steady volume stays local even though cloud is listed first', async () => {
    const r = await postChat(gw.url, { model: 'burst' });
    assert.equal(r.status, 200);
    assert.deepEqual(route(r), { deployment: 'local/m-local', reason: 'local-first', strategy: 'local-first' });
    assert.equal(cloud.chats.length, 0);
  });

  it('a burst of 6 concurrent requests against a slow local engine overflows to cloud', async () => {
    local.behave(ok(400));
    const replies = await burst(gw.url, 6);
    assert.deepEqual(
      replies.map((r) => r.status),
      [200, 200, 200, 200, 200, 200],
    );
    const byDeployment = (id: string) => replies.filter((r) => route(r).deployment === id);
    const onLocal = byDeployment('local/m-local');
    const onCloud = byDeployment('cloud/m-cloud');
    assert.equal(onLocal.length + onCloud.length, 6);
    assert.ok(local.maxInFlight <= 2, `local never had more than maxConcurrency in flight (saw ${local.maxInFlight})`);
    assert.equal(local.maxInFlight, 2, 'both local slots were used');
    assert.ok(onCloud.length >= 1, 'the burst overflowed to cloud');
    // Counted at both fakes, not just in headers.
    assert.equal(local.chats.length, onLocal.length);
    assert.equal(cloud.chats.length, onCloud.length);
    for (const r of onCloud) assert.equal(route(r).reason, 'overflow');
    for (const r of onLocal) assert.equal(route(r).reason, 'local-first');
    for (const r of onCloud) assert.equal(r.body.choices[0].message.content, 'hello from cloud');

    const entry = await logEntry(gw.url, MASTER, onCloud[0]!);
    assert.deepEqual(
      entry.attempts.map((a) => [a.deployment, a.location, a.ok, a.reason]),
      [['cloud/m-cloud', 'cloud', true, 'overflow']],
    );
    assert.equal(entry.routeReason, 'overflow');
  });

  it('confidential requests never overflow: they queue for a local slot and then succeed', async () => {
    local.behave(ok(200));
    const t0 = performance.now();
    const replies = await burst(gw.url, 6, CONFIDENTIAL);
    const ms = performance.now() - t0;
    assert.deepEqual(
      replies.map((r) => r.status),
      [200, 200, 200, 200, 200, 200],
    );
    assert.equal(cloud.chats.length, 0, 'the cloud fake received nothing');
    assert.equal(local.chats.length, 6);
    assert.equal(local.maxInFlight, 2);
    assert.ok(ms >= 550, `three waves of two on the 200 ms local engine (${ms.toFixed(0)} ms)`);
    for (const r of replies)
      assert.deepEqual(route(r), { deployment: 'local/m-local', reason: 'confidential-stays-inside', strategy: 'local-first' });
  });
});

describe('no overflow when a policy forbids cloud: the queue is bounded', () => {
  let local: FakeEngine;
  let cloud: FakeEngine;
  let gw: RunningGateway;

  before(async () => {
    local = await startFakeEngine('local', ok(700));
    cloud = await startFakeEngine('cloud');
    gw = await startGateway(burstConfig(local, cloud, { maxQueue: 2, queueTimeoutMs: 250 }), { env: { MERIDIAN_MASTER_KEY: MASTER } });
  });
  after(async () => {
    await gw.close();
    await Promise.all([local.close(), cloud.close()]);
  });

  it('beyond the queue (full, or waited too long) the client gets 429 with Retry-After; cloud gets nothing', async () => {
    const replies = await burst(gw.url, 5, CONFIDENTIAL);
    const served = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 429);
    assert.equal(served.length, 2, 'the two local slots');
    assert.equal(refused.length, 3, 'one over the queue bound at once, two after the queue timeout');
    for (const r of refused) {
      assert.equal(r.body.error.code, 'deployments_saturated');
      assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After tells the client when to come back');
    }
    assert.equal(refused.filter((r) => /queue is full/.test(r.body.error.message)).length, 1);
    assert.equal(refused.filter((r) => /stayed busy for 250 ms/.test(r.body.error.message)).length, 2);
    assert.equal(cloud.chats.length, 0, 'never overflowed to cloud');
    assert.equal(local.chats.length, 2);

    const log = await requestLog(gw.url, MASTER, 'status=429');
    const ids = new Set(refused.map((r) => r.headers.get('x-request-id')));
    const entries = log.filter((e) => ids.has(e.id));
    assert.equal(entries.length, 3);
    for (const e of entries) {
      assert.equal(e.errorCode, 'deployments_saturated');
      assert.ok(e.attempts.every((a) => a.location !== 'cloud'));
    }
  });

  it('without the confidential tag the same burst overflows instead of queueing', async () => {
    local.reset();
    local.behave(ok(300));
    cloud.reset();
    const replies = await burst(gw.url, 5);
    assert.ok(replies.every((r) => r.status === 200));
    assert.equal(local.chats.length, 2);
    assert.equal(cloud.chats.length, 3);
  });
});

describe('fail closed: restricted to local/private, never cloud', () => {
  let local: FakeEngine;
  let priv: FakeEngine;
  let cloud: FakeEngine;
  let gw: RunningGateway;

  before(async () => {
    local = await startFakeEngine('local');
    priv = await startFakeEngine('private');
    cloud = await startFakeEngine('cloud');
    gw = await startGateway(
      {
        providers: [
          { id: 'local', type: 'openai-compatible', baseUrl: local.baseUrl, location: 'local', timeoutMs: 250 },
          { id: 'priv', type: 'openai-compatible', baseUrl: priv.baseUrl, location: 'private', timeoutMs: 250 },
          { id: 'cloud', type: 'openai-compatible', baseUrl: cloud.baseUrl, location: 'cloud' },
        ],
        models: {
          smart: [
            { provider: 'local', model: 'm-local' },
            { provider: 'priv', model: 'm-private' },
            { provider: 'cloud', model: 'm-cloud' },
          ],
        },
        policies: [confidentialPolicy],
        router: { healthIntervalMs: 0, retries: 1, backoffBaseMs: 5, backoffMaxMs: 10, breaker: { failureThreshold: 100 } },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  beforeEach(() => {
    for (const e of [local, priv, cloud]) e.reset();
  });
  after(async () => {
    await gw.close();
    await Promise.all([local.close(), priv.close(), cloud.close()]);
  });

  const locationsTried = (attempts: Array<{ location: string }>) => [...new Set(attempts.map((a) => a.location))];

  it('control: an untagged request whose local and private engines fail falls back to cloud', async () => {
    local.behave(fail(500));
    priv.behave(fail(500));
    const r = await postChat(gw.url, { model: 'smart' });
    assert.equal(r.status, 200);
    assert.equal(route(r).deployment, 'cloud/m-cloud');
    assert.equal(cloud.chats.length, 1);
  });

  it('a confidential request falls back from local to private (inside the allowed locations)', async () => {
    local.behave(fail(500));
    const r = await postChat(gw.url, { model: 'smart' }, CONFIDENTIAL);
    assert.equal(r.status, 200);
    assert.deepEqual(route(r), { deployment: 'priv/m-private', reason: 'confidential-stays-inside', strategy: 'priority' });
    assert.equal(cloud.chats.length, 0);
  });

  it('on errors: fails with the upstream error, the cloud fake sees nothing, the log shows local/private attempts', async () => {
    local.behave(fail(500, 'local broke'));
    priv.behave(fail(503, 'private broke'));
    const r = await postChat(gw.url, { model: 'smart' }, CONFIDENTIAL);
    assert.equal(r.status, 502);
    assert.match(r.body.error.message, /private broke/);
    assert.equal(cloud.chats.length, 0);
    const entry = await logEntry(gw.url, MASTER, r);
    assert.equal(entry.status, 502);
    assert.deepEqual(
      entry.attempts.map((a) => [a.deployment, a.location, a.ok]),
      [
        ['local/m-local', 'local', false],
        ['local/m-local', 'local', false],
        ['priv/m-private', 'private', false],
        ['priv/m-private', 'private', false],
      ],
    );
  });

  it('on timeouts: 504 after the allowed deployments time out, never cloud', async () => {
    local.behave(hang());
    priv.behave(hang());
    const r = await postChat(gw.url, { model: 'smart', stream: true }, CONFIDENTIAL);
    assert.equal(r.status, 504);
    assert.equal(r.body.error.code, 'upstream_timeout');
    assert.equal(cloud.chats.length, 0);
    const entry = await logEntry(gw.url, MASTER, r);
    assert.deepEqual(locationsTried(entry.attempts), ['local', 'private']);
    assert.ok(entry.attempts.every((a) => a.error?.code === 'upstream_timeout'));
  });

  it('tagged through body metadata instead of the header: the same fail-closed behaviour', async () => {
    local.behave(fail(500));
    priv.behave(fail(500));
    const r = await postChat(gw.url, { model: 'smart', metadata: { tags: 'confidential' } });
    assert.equal(r.status, 502);
    assert.equal(cloud.chats.length, 0, 'tags from body metadata restrict just the same');
    const entry = await logEntry(gw.url, MASTER, r);
    assert.deepEqual(locationsTried(entry.attempts), ['local', 'private']);
  });
});
