/**
 * A web page in the user's browser cannot use a loopback gateway (issue #10, item 12): the Host
 * must name the gateway (DNS rebinding), a foreign Origin is refused unless listed in
 * `server.cors.origins` (then preflights are answered), and bodies must be declared JSON. Errors
 * raised before the handler on /v1/messages use Anthropic's envelope.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { send } from '../helpers/raw-http.js';

const mock = {
  providers: [{ id: 'mock', type: 'mock', location: 'local' }],
  models: { chat: [{ provider: 'mock', model: 'mock-small' }] },
  router: { healthIntervalMs: 0 },
  log: { level: 'silent' },
};
const chatBody = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: "Say 'hello' and nothing else" }] });
const json = { 'content-type': 'application/json' };

describe('Host, Origin and content-type checks (auth off, loopback)', () => {
  let gw: RunningGateway;
  let port: string;
  before(async () => {
    gw = await startGateway({ ...mock, server: { allowedHosts: ['gateway.internal'], cors: { origins: ['http://app.example:3000'] } } });
    port = new URL(gw.url).port;
  });
  after(() => gw.close());

  it('refuses a Host that does not name the gateway (DNS rebinding), before running anything', async () => {
    const res = await send(gw.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { ...json, host: `attacker.example:${port}` },
      body: chatBody,
    });
    assert.equal(res.status, 403);
    assert.equal(res.json().error.code, 'host_not_allowed');
    assert.equal(res.headers['x-meridian-route'], undefined, 'nothing was routed');
    for (const path of ['/healthz', '/metrics', '/v1/models']) {
      const r = await send(gw.url, { path, headers: { host: 'attacker.example' } });
      assert.equal(r.status, 403, path);
    }
  });

  it('accepts localhost, 127.0.0.1, [::1] and server.allowedHosts', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'gateway.internal', `GATEWAY.internal:${port}`]) {
      const r = await send(gw.url, { path: '/healthz', headers: { host } });
      assert.equal(r.status, 200, host);
    }
  });

  it('refuses a foreign Origin on every route, including /healthz and /metrics', async () => {
    const post = await send(gw.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { ...json, origin: 'https://evil.example' },
      body: chatBody,
    });
    assert.equal(post.status, 403);
    assert.equal(post.json().error.code, 'origin_not_allowed');
    assert.equal(post.headers['access-control-allow-origin'], undefined);
    for (const path of ['/healthz', '/metrics']) {
      const r = await send(gw.url, { path, headers: { origin: 'https://evil.example' } });
      assert.equal(r.status, 403, path);
      assert.equal(r.headers['access-control-allow-origin'], undefined, path);
    }
    const nullOrigin = await send(gw.url, { path: '/v1/models', headers: { origin: 'null' } });
    assert.equal(nullOrigin.status, 403, 'sandboxed pages and files send Origin: null');
  });

  it("accepts the gateway's own origin (the dashboard's POSTs)", async () => {
    const r = await send(gw.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { ...json, origin: `http://127.0.0.1:${port}` },
      body: chatBody,
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], undefined, 'no CORS headers needed same-origin');
  });

  it('answers a preflight from a configured origin and sets CORS headers on its requests', async () => {
    const pre = await send(gw.url, {
      method: 'OPTIONS',
      path: '/v1/chat/completions',
      headers: {
        origin: 'http://app.example:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'http://app.example:3000');
    assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
    assert.match(String(pre.headers['access-control-allow-headers']), /content-type/);
    assert.match(String(pre.headers['access-control-allow-headers']), /authorization/);
    assert.match(String(pre.headers['access-control-allow-headers']), /x-meridian-episode/);

    const res = await send(gw.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { ...json, origin: 'http://app.example:3000' },
      body: chatBody,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], 'http://app.example:3000');
    assert.match(String(res.headers['access-control-expose-headers']), /x-meridian-route/);
    assert.match(String(res.headers['access-control-expose-headers']), /x-meridian-prompt/);
    assert.match(String(res.headers['access-control-expose-headers']), /x-meridian-variant/);

    const foreign = await send(gw.url, {
      method: 'OPTIONS',
      path: '/v1/chat/completions',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers['access-control-allow-origin'], undefined);
    const noOrigin = await send(gw.url, { method: 'OPTIONS', path: '/v1/chat/completions' });
    assert.equal(noOrigin.status, 404, 'not a preflight');
  });

  it('refuses a body that is not declared JSON with 415 in the OpenAI envelope', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const r = await send(gw.url, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: type ? { 'content-type': type } : {},
        body: chatBody,
      });
      assert.equal(r.status, 415, String(type));
      const e = r.json().error;
      assert.equal(e.code, 'unsupported_media_type');
      assert.equal(e.type, 'invalid_request_error');
      assert.ok('param' in e);
    }
    const ok = await send(gw.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'Application/JSON; charset=utf-8' },
      body: chatBody,
    });
    assert.equal(ok.status, 200);
  });

  it('renders failures before the handler on /v1/messages in Anthropic’s envelope', async () => {
    const r = await send(gw.url, {
      method: 'POST',
      path: '/v1/messages',
      headers: { 'content-type': 'text/plain' },
      body: '{"model":"chat","max_tokens":5,"messages":[]}',
    });
    assert.equal(r.status, 415);
    const body = r.json();
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /application\/json/);
    const host = await send(gw.url, { method: 'POST', path: '/v1/messages', headers: { ...json, host: 'evil.example' }, body: '{}' });
    assert.equal(host.status, 403);
    assert.equal(host.json().type, 'error');
    assert.equal(host.json().error.type, 'permission_error');
  });
});

describe('route access levels (auth required)', () => {
  let gw: RunningGateway;
  before(async () => (gw = await startGateway({ ...mock, auth: { mode: 'required' } })));
  after(() => gw.close());

  it('public routes need no key; key routes do, and /v1/messages answers in Anthropic’s envelope', async () => {
    assert.equal((await send(gw.url, { path: '/healthz' })).status, 200);
    assert.equal((await send(gw.url, { path: '/metrics' })).status, 200);
    const models = await send(gw.url, { path: '/v1/models' });
    assert.equal(models.status, 401);
    assert.equal(models.json().error.type, 'authentication_error');
    const messages = await send(gw.url, {
      method: 'POST',
      path: '/v1/messages',
      headers: json,
      body: JSON.stringify({ model: 'chat', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(messages.status, 401);
    assert.deepEqual(Object.keys(messages.json()).sort(), ['error', 'type']);
    assert.equal(messages.json().error.type, 'authentication_error');
    const admin = await send(gw.url, { path: '/admin/keys' });
    assert.equal(admin.status, 403, 'no master key configured: the admin API is disabled, not open');
  });
});
