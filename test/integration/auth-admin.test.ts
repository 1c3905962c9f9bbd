/** Virtual keys, rate limits, the admin API, the request log and /metrics over real HTTP. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, sendJson, type FakeUpstream } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const MASTER = 'master-key-for-tests-0123456789';

describe('keys, admin API, request log, metrics', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  const admin = (path: string, body?: unknown) =>
    fetch(`${gw.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const chat = (key?: string, model = 'chat') =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi, my email is jane@example.com' }] }),
    });

  before(async () => {
    upstream = await startUpstream((_req, res) =>
      sendJson(res, 200, {
        id: 'x',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
      }),
    );
    gw = await startGateway(
      {
        providers: [{ id: 'local', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' }],
        models: { chat: [{ provider: 'local', model: 'm' }], other: [{ provider: 'local', model: 'm2' }] },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('is open while no key exists, then requires one', async () => {
    assert.equal((await chat()).status, 200);
    const created = await admin('/admin/keys', { tenant: 'acme', models: ['chat'], rpm: 3 });
    assert.equal(created.status, 201);
    const { key, id, hash } = (await created.json()) as { key: string; id: string; hash?: string };
    assert.match(key, /^mk-/);
    assert.equal(hash, undefined, 'the hash is never returned');
    const anon = await chat();
    assert.equal(anon.status, 401);
    assert.equal(((await anon.json()) as { error: { code: string } }).error.code, 'missing_api_key');
    assert.equal((await chat('mk-wrong')).status, 401);
    assert.equal((await chat(key)).status, 200);
    const denied = await chat(key, 'other');
    assert.equal(denied.status, 403);

    // rpm 3: two more are admitted (the 403 above was rejected before the limit), then 429
    assert.equal((await chat(key)).status, 200);
    assert.equal((await chat(key)).status, 200);
    const third = await chat(key);
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get('retry-after')) > 0);

    const revoked = await admin('/admin/keys/revoke', { id });
    assert.equal(revoked.status, 200);
    assert.equal((await chat(key)).status, 401);
  });

  it('protects the admin API with the master key', async () => {
    const res = await fetch(`${gw.url}/admin/keys`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(res.status, 401);
    const list = (await (await admin('/admin/keys')).json()) as { data: Array<{ tenant: string }> };
    assert.ok(list.data.some((k) => k.tenant === 'acme'));
    const audit = (await (await admin('/admin/audit')).json()) as { data: Array<{ action: string }> };
    assert.ok(audit.data.some((a) => a.action === 'key.created'));
    assert.ok(audit.data.some((a) => a.action === 'key.revoked'));
  });

  it('/admin/requests?since= takes a duration ago (10m) or an ISO time; anything else is a 400 naming the parameter', async () => {
    const recent = (await (await admin('/admin/requests?tenant=acme&since=10m&limit=50')).json()) as { data: unknown[] };
    assert.ok(recent.data.length >= 3, 'since=10m finds the requests just made');
    const iso = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());
    assert.deepEqual(((await (await admin(`/admin/requests?tenant=acme&since=${iso}`)).json()) as { data: unknown[] }).data, []);
    const bad = await admin('/admin/requests?since=yesterday');
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: { param: string; message: string } };
    assert.equal(body.error.param, 'since');
    assert.match(body.error.message, /10m/);
    assert.equal((await admin('/admin/requests?until=soon')).status, 400);
  });

  it('logs every accepted request, without secrets or PII values', async () => {
    const res = await admin('/admin/requests?tenant=acme&limit=50');
    const { data } = (await res.json()) as { data: Array<Record<string, unknown>> };
    assert.ok(data.length >= 3);
    const ok = data.find((e) => e.status === 200)!;
    assert.equal(ok.deployment, 'local/m');
    assert.equal(ok.location, 'local');
    assert.equal(ok.promptTokens, 10);
    const limited = data.find((e) => e.status === 429);
    assert.ok(limited, 'a rate-limited request is logged too');
    const text = JSON.stringify(data);
    assert.doesNotMatch(text, /jane@example\.com/);
    assert.doesNotMatch(text, /mk-[A-Za-z0-9]{20}/);
  });

  it('exposes Prometheus metrics', async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(text, /meridian_requests_total\{kind="chat",alias="chat",deployment="local\/m",location="local",status="200"\} \d+/);
    assert.match(text, /meridian_request_duration_seconds_bucket/);
  });
});
