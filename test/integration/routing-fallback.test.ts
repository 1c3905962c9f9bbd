/**
 * Issue 3, resilience through the running gateway over real HTTP: fallback to the next deployment
 * on upstream 500, 429 (Retry-After waited out on the same deployment, or fallback when it exceeds
 * router.maxRetryAfterMs), timeout and connection refused; streams fall back only before their
 * first byte, and a stream that dies mid-way ends with `event: error` and no second upstream.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import {
  closedPort,
  dieMidStream,
  dropBeforeFirstEvent,
  fail,
  hang,
  logEntry,
  ok,
  postChat,
  route,
  startFakeEngine,
  type FakeEngine,
} from '../helpers/routing.js';

const MASTER = 'routing-fallback-master-key-0123';

/** local first (priority), cloud second; breakers out of the way so each test starts clean. */
function config(local: FakeEngine, cloud: FakeEngine, router: Record<string, unknown>, localBaseUrl = local.baseUrl) {
  return {
    providers: [
      { id: 'local', type: 'openai-compatible', baseUrl: localBaseUrl, location: 'local', timeoutMs: 300 },
      { id: 'cloud', type: 'openai-compatible', baseUrl: cloud.baseUrl, location: 'cloud' },
    ],
    models: {
      smart: [
        { provider: 'local', model: 'm-local' },
        { provider: 'cloud', model: 'm-cloud' },
      ],
    },
    router: { healthIntervalMs: 0, retries: 0, backoffBaseMs: 5, backoffMaxMs: 20, breaker: { failureThreshold: 100 }, ...router },
  };
}

describe('fallback through the gateway', () => {
  let local: FakeEngine;
  let cloud: FakeEngine;
  let gw: RunningGateway | undefined;

  before(async () => {
    local = await startFakeEngine('local');
    cloud = await startFakeEngine('cloud');
  });
  beforeEach(() => {
    local.reset();
    cloud.reset();
  });
  after(async () => {
    await gw?.close();
    await Promise.all([local.close(), cloud.close()]);
  });
  const start = async (router: Record<string, unknown> = {}, localBaseUrl?: string) => {
    await gw?.close();
    gw = await startGateway(config(local, cloud, router, localBaseUrl), { env: { MERIDIAN_MASTER_KEY: MASTER } });
    return gw;
  };

  it('a healthy local engine serves the request (baseline: cloud untouched)', async () => {
    const g = await start();
    const r = await postChat(g.url, { model: 'smart' });
    assert.equal(r.status, 200);
    assert.equal(r.body.choices[0].message.content, 'hello from local');
    assert.deepEqual(route(r), { deployment: 'local/m-local', reason: 'priority', strategy: 'priority' });
    assert.equal(local.chats.length, 1);
    assert.equal(cloud.chats.length, 0);
    assert.equal(local.chats[0]!.json.model, 'm-local', 'the upstream gets the deployment model, not the alias');
  });

  it('falls back to the next deployment on upstream 500 (after the configured retry)', async () => {
    const g = await start({ retries: 1 });
    local.behave(fail(500, 'engine crashed'));
    const r = await postChat(g.url, { model: 'smart' });
    assert.equal(r.status, 200);
    assert.equal(r.body.choices[0].message.content, 'hello from cloud');
    assert.equal(route(r).deployment, 'cloud/m-cloud');
    assert.equal(local.chats.length, 2, 'one retry on the same deployment, then fallback');
    assert.equal(cloud.chats.length, 1);
    const entry = await logEntry(g.url, MASTER, r);
    assert.equal(entry.deployment, 'cloud/m-cloud');
    assert.deepEqual(
      entry.attempts.map((a) => [a.deployment, a.ok, a.retries]),
      [
        ['local/m-local', false, 0],
        ['local/m-local', false, 1],
        ['cloud/m-cloud', true, 0],
      ],
    );
    assert.match(entry.attempts[0]!.error!.message, /engine crashed/);
  });

  it('429 with Retry-After: waits it out and retries the same deployment', async () => {
    const g = await start({ retries: 1 });
    const times: number[] = [];
    let n = 0;
    local.behave((req, res, engine) => {
      times.push(performance.now());
      const next = ++n === 1 ? fail(429, 'slow down', { 'retry-after': '1' }) : ok();
      return next(req, res, engine);
    });
    const r = await postChat(g.url, { model: 'smart' });
    assert.equal(r.status, 200);
    assert.equal(r.body.choices[0].message.content, 'hello from local');
    assert.equal(route(r).deployment, 'local/m-local');
    assert.equal(local.chats.length, 2);
    assert.equal(cloud.chats.length, 0, 'a short Retry-After is waited out, not a reason to leave');
    const waited = times[1]! - times[0]!;
    assert.ok(waited >= 990, `the retry came ${waited.toFixed(0)} ms after the 429 (Retry-After: 1)`);
    assert.ok(waited < 1800, `no extra backoff on top of Retry-After (${waited.toFixed(0)} ms)`);
  });

  it('429 with a Retry-After longer than router.maxRetryAfterMs: falls back at once', async () => {
    const g = await start({ retries: 2, maxRetryAfterMs: 500 });
    local.behave(fail(429, 'quota', { 'retry-after': '30' }));
    const r = await postChat(g.url, { model: 'smart' });
    assert.equal(r.status, 200);
    assert.equal(route(r).deployment, 'cloud/m-cloud');
    assert.equal(local.chats.length, 1, 'no retry on the rate-limited deployment');
    assert.ok(r.ms < 1000, `fell back without waiting (${r.ms.toFixed(0)} ms)`);
    const entry = await logEntry(g.url, MASTER, r);
    assert.equal(entry.attempts[0]!.error!.status, 429);
  });

  it('falls back when the local engine does not answer within its provider timeoutMs', async () => {
    const g = await start();
    local.behave(hang());
    const r = await postChat(g.url, { model: 'smart' });
    assert.equal(r.status, 200);
    assert.equal(route(r).deployment, 'cloud/m-cloud');
    assert.ok(r.ms >= 290 && r.ms < 2000, `gave up after the 300 ms provider timeout (${r.ms.toFixed(0)} ms)`);
    const entry = await logEntry(g.url, MASTER, r);
    assert.equal(entry.attempts[0]!.error!.code, 'upstream_timeout');
    assert.equal(entry.attempts[0]!.error!.status, 504);
  });

  it('falls back when the local engine refuses the connection (closed port)', async () => {
    const port = await closedPort();
    const g = await start({ retries: 1 }, `http://127.0.0.1:${port}/v1`);
    const r = await postChat(g.url, { model: 'smart' });
    assert.equal(r.status, 200);
    assert.equal(route(r).deployment, 'cloud/m-cloud');
    const entry = await logEntry(g.url, MASTER, r);
    assert.deepEqual(
      entry.attempts.map((a) => [a.deployment, a.ok]),
      [
        ['local/m-local', false],
        ['local/m-local', false],
        ['cloud/m-cloud', true],
      ],
    );
    assert.match(entry.attempts[0]!.error!.message, /ECONNREFUSED/);
  });

  it('when every deployment fails, the client gets the last upstream error and the log has all attempts', async () => {
    const g = await start();
    local.behave(fail(500, 'local down'));
    cloud.behave(fail(503, 'cloud down'));
    const r = await postChat(g.url, { model: 'smart' });
    assert.equal(r.status, 502);
    assert.match(r.body.error.message, /cloud down/);
    const entry = await logEntry(g.url, MASTER, r);
    assert.equal(entry.status, 502);
    assert.deepEqual(
      entry.attempts.map((a) => [a.deployment, a.ok]),
      [
        ['local/m-local', false],
        ['cloud/m-cloud', false],
      ],
    );
  });

  it('a client error from upstream (400) is returned as-is, with no fallback', async () => {
    const g = await start();
    local.behave(fail(400, 'bad temperature'));
    const r = await postChat(g.url, { model: 'smart' });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /bad temperature/);
    assert.equal(cloud.chats.length, 0);
  });
});

describe('streams fall back only before the first byte', () => {
  let local: FakeEngine;
  let cloud: FakeEngine;
  let gw: RunningGateway;

  before(async () => {
    local = await startFakeEngine('local');
    cloud = await startFakeEngine('cloud');
    gw = await startGateway(config(local, cloud, {}), { env: { MERIDIAN_MASTER_KEY: MASTER } });
  });
  beforeEach(() => {
    local.reset();
    cloud.reset();
  });
  after(async () => {
    await gw.close();
    await Promise.all([local.close(), cloud.close()]);
  });

  const stream = () => postChat(gw.url, { model: 'smart', stream: true });

  it('an upstream that fails with 503 before streaming: the stream comes from the next deployment', async () => {
    local.behave(fail(503, 'overloaded'));
    const r = await stream();
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/event-stream/);
    assert.equal(route(r).deployment, 'cloud/m-cloud');
    assert.match(r.text, /hello from cloud/);
    assert.match(r.text, /data: \[DONE\]\n\n$/);
    assert.equal(local.chats.length, 1);
    assert.equal(cloud.chats.length, 1);
  });

  it('an upstream that drops the connection before its first event: falls back', async () => {
    local.behave(dropBeforeFirstEvent());
    const r = await stream();
    assert.equal(r.status, 200);
    assert.equal(route(r).deployment, 'cloud/m-cloud');
    assert.match(r.text, /hello from cloud/);
    assert.doesNotMatch(r.text, /event: error/);
    assert.match(r.text, /data: \[DONE\]/);
    const entry = await logEntry(gw.url, MASTER, r);
    assert.deepEqual(
      entry.attempts.map((a) => [a.deployment, a.ok]),
      [
        ['local/m-local', false],
        ['cloud/m-cloud', true],
      ],
    );
  });

  it('an upstream that dies mid-stream: the client stream ends with event: error, no [DONE], no second upstream', async () => {
    local.behave(dieMidStream());
    const r = await stream();
    assert.equal(r.status, 200, 'headers were already sent when it died');
    assert.equal(route(r).deployment, 'local/m-local');
    assert.match(r.text, /partial from local/, 'what was streamed reached the client');
    assert.match(r.text, /event: error\ndata: \{.*"error"/);
    assert.doesNotMatch(r.text, /\[DONE\]/);
    assert.doesNotMatch(r.text, /hello from cloud/);
    assert.equal(local.chats.length, 1);
    assert.equal(cloud.chats.length, 0, 'never falls back after the first byte');
    const errorEvent = r.text.slice(r.text.indexOf('event: error'));
    const payload = JSON.parse(errorEvent.split('\n')[1]!.slice('data: '.length)) as { error: { code: string } };
    assert.ok(payload.error.code, 'the error event carries a code');
    const entry = await logEntry(gw.url, MASTER, r);
    assert.equal(entry.deployment, 'local/m-local');
    assert.equal(entry.errorCode, payload.error.code);
    assert.ok(entry.status >= 500, `the log records the failure (status ${entry.status})`);
  });
});
