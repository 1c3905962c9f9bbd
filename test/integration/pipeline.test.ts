/**
 * One admission and finish path for every endpoint (issue #10, "two pipelines that drifted"):
 * embeddings get key policies and budgets like chat; refusals explain themselves; the log is keyed
 * by our id; /v1/messages reports a failed stream as a failure; a reload never mixes generations.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { parseConfig } from '../../src/config/load.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { requestLog } from '../helpers/routing.js';

const MASTER = 'master-key-for-pipeline-tests-0123456789';
const PRICE = { input: 1000, output: 1000 }; // USD per million tokens: any request costs something

function completion(res: ServerResponse, model: string, content: string): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: 'c1',
      object: 'chat.completion',
      created: 1,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    }),
  );
}

function embeddings(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 3, total_tokens: 3 },
    }),
  );
}

function defaultHandler(req: RecordedRequest, res: ServerResponse): void {
  if (req.url.endsWith('/embeddings')) return embeddings(res);
  completion(res, String(req.json?.model), 'hello');
}

async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text.startsWith('{') ? JSON.parse(text) : undefined };
}

async function createKey(url: string, body: Record<string, unknown>): Promise<string> {
  const res = await post(url, '/admin/keys', body, { authorization: `Bearer ${MASTER}` });
  assert.equal(res.status, 201, res.text);
  return res.json.key as string;
}

describe('one pipeline for every endpoint', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;

  before(async () => {
    upstream = await startUpstream(defaultHandler);
    gw = await startGateway(
      {
        providers: [
          { id: 'cloud', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-test-0000000000', location: 'cloud' },
        ],
        models: {
          chat: [{ provider: 'cloud', model: 'gpt-x', price: PRICE }],
          other: [{ provider: 'cloud', model: 'gpt-y', price: PRICE }],
          embed: [{ provider: 'cloud', model: 'text-embedding-3-small', price: PRICE }],
          'text-only': [{ provider: 'cloud', model: 'gpt-t', price: PRICE, capabilities: { vision: false } }],
        },
        router: { healthIntervalMs: 0, retries: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('embeddings are held to a key budget like chat (reserved before, refused when spent)', async () => {
    const key = await createKey(gw.url, { tenant: 'acme', budget: { usd: 0.000001, period: 'day', mode: 'hard' } });
    const res = await post(
      gw.url,
      '/v1/embeddings',
      { model: 'embed', input: 'a fairly long text to embed '.repeat(20) },
      { authorization: `Bearer ${key}` },
    );
    assert.equal(res.status, 429, res.text);
    assert.equal(res.json.error.code, 'budget_exceeded');
    assert.match(res.headers.get('x-meridian-route') ?? '', /^none; reason=budget_exceeded/);
  });

  it('a refusal still says where it ran (nowhere) and why, in x-meridian-route', async () => {
    const key = await createKey(gw.url, { tenant: 'acme', models: ['chat'] });
    const res = await post(
      gw.url,
      '/v1/chat/completions',
      { model: 'other', messages: [{ role: 'user', content: 'hi' }] },
      { authorization: `Bearer ${key}` },
    );
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-meridian-route'), 'none; reason=model_not_allowed');
  });

  it('/v1/route/explain does not reveal the plans of aliases the key may not use', async () => {
    const key = await createKey(gw.url, { tenant: 'acme', models: ['chat'] });
    const allowed = await post(
      gw.url,
      '/v1/route/explain',
      { model: 'chat', messages: [{ role: 'user', content: 'hi' }] },
      { authorization: `Bearer ${key}` },
    );
    assert.equal(allowed.status, 200, allowed.text);
    const other = await post(
      gw.url,
      '/v1/route/explain',
      { model: 'other', messages: [{ role: 'user', content: 'hi' }] },
      { authorization: `Bearer ${key}` },
    );
    assert.equal(other.status, 403);
    assert.ok(!other.text.includes('cloud/gpt-y'), 'no deployment of the other alias is named');
  });

  it('a request no deployment can serve for a capability reason is a 4xx naming the capability', async () => {
    const key = await createKey(gw.url, { tenant: 'acme' });
    const res = await post(
      gw.url,
      '/v1/chat/completions',
      {
        model: 'text-only',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }],
      },
      { authorization: `Bearer ${key}` },
    );
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.error.code, 'capability_unsupported');
    assert.match(res.json.error.message, /vision/);
  });

  it('the log is keyed by our id: 16 requests reusing one client x-request-id are 16 entries', async () => {
    const key = await createKey(gw.url, { tenant: 'dupes' });
    const ids = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const res = await post(
        gw.url,
        '/v1/chat/completions',
        { model: 'chat', messages: [{ role: 'user', content: `n${i}` }] },
        { authorization: `Bearer ${key}`, 'x-request-id': 'same-id' },
      );
      assert.equal(res.status, 200, res.text);
      const id = res.headers.get('x-request-id')!;
      assert.notEqual(id, 'same-id', 'the response carries our id');
      ids.add(id);
    }
    assert.equal(ids.size, 16);
    const logged = (await requestLog(gw.url, MASTER, 'limit=1000')).filter((e) => e.tenant === 'dupes');
    assert.equal(logged.length, 16, 'none of them dropped');
    assert.deepEqual(new Set(logged.map((e) => e.id)), ids);
  });
});

describe('/v1/messages: a stream that fails mid-way', () => {
  it('ends with an Anthropic error event and is logged as failed, never as a clean message_stop', async () => {
    const upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = {
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: String(req.json?.model),
        choices: [{ index: 0, delta: { role: 'assistant', content: 'partial' }, finish_reason: null }],
      };
      res.write(`data: ${JSON.stringify(chunk)}\n\n`, () => res.socket?.destroy());
    });
    const gw = await startGateway(
      {
        providers: [{ id: 'local', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' }],
        models: { chat: [{ provider: 'local', model: 'm' }] },
        router: { healthIntervalMs: 0, retries: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    try {
      const res = await post(gw.url, '/v1/messages', {
        model: 'chat',
        max_tokens: 20,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(res.status, 200);
      assert.match(res.text, /event: error/);
      assert.ok(!res.text.includes('message_stop'), res.text);
      const logged = await requestLog(gw.url, MASTER, 'limit=10');
      assert.equal(logged.length, 1);
      assert.ok(logged[0]!.status >= 500, `logged as failed: ${logged[0]!.status}`);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

describe('reload: a request keeps the services it started with', () => {
  it('a stream running across a reload finishes on the old deployment; new requests use the new config', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const startedP = new Promise<void>((r) => (started = r));
    const old = await startUpstream(async (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: 'old ' }, null));
      started();
      await released;
      res.write(chunk({ content: 'done' }, null));
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    });
    const fresh = await startUpstream(defaultHandler);
    const config = (url: string) => ({
      providers: [{ id: 'p', type: 'openai-compatible', baseUrl: `${url}/v1`, location: 'local' }],
      models: { chat: [{ provider: 'p', model: 'm' }] },
      router: { healthIntervalMs: 0, retries: 0 },
      store: { sqlite: ':memory:' },
    });
    let source = config(old.url);
    const gw = await startGateway(source, { env: { MERIDIAN_MASTER_KEY: MASTER }, configSource: () => parseConfig(source) });
    try {
      const streaming = post(gw.url, '/v1/chat/completions', { model: 'chat', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      await startedP;
      source = config(fresh.url);
      const reloaded = await post(gw.url, '/admin/reload', {}, { authorization: `Bearer ${MASTER}` });
      assert.equal(reloaded.status, 200, reloaded.text);
      const after = await post(gw.url, '/v1/chat/completions', { model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(after.status, 200, after.text);
      assert.equal(fresh.requests.filter((r) => r.url.endsWith('/chat/completions')).length, 1, 'the new request went to the new upstream');
      release();
      const res = await streaming;
      assert.equal(res.status, 200);
      assert.match(res.text, /old /);
      assert.match(res.text, /done/);
      assert.match(res.text, /\[DONE\]/, 'the old stream ended cleanly on its own (still open) pool');
    } finally {
      await gw.close();
      await old.close();
      await fresh.close();
    }
  });
});

describe('nothing personal reaches the request log', () => {
  it('an upstream error echoing the prompt is stored scrubbed in the attempts', async () => {
    const upstream = await startUpstream((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      const prompt = String(req.json?.messages?.[0]?.content);
      res.end(JSON.stringify({ error: { message: `Invalid prompt: ${prompt}`, type: 'invalid_request_error', code: 'bad' } }));
    });
    const gw = await startGateway(
      {
        providers: [{ id: 'local', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' }],
        models: { chat: [{ provider: 'local', model: 'm' }] },
        router: { healthIntervalMs: 0, retries: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    try {
      const email = 'jane.doe@example.org';
      const res = await post(gw.url, '/v1/chat/completions', { model: 'chat', messages: [{ role: 'user', content: `Mail ${email} now` }] });
      assert.equal(res.status, 400, res.text);
      const logged = await requestLog(gw.url, MASTER, 'limit=10');
      const stored = JSON.stringify(logged);
      assert.ok(!stored.includes(email), stored);
      assert.match(stored, /\[EMAIL\]/);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
