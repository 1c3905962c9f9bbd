/**
 * Issue #13, the response cache end to end over real sockets: a fake OpenAI-compatible upstream
 * (https://platform.openai.com/docs/api-reference/chat/object ,
 * https://platform.openai.com/docs/api-reference/chat-streaming) behind a running gateway.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { cacheConfigSchema } from '../../src/cache/config.js';
import { createResponseCache } from '../../src/cache/index.js';
import { startUpstream, sendJson, sendSse, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import type { RequestLogEntry } from '../../src/store/types.js';

const MASTER = 'master-key-for-cache-tests-012345';
const PLACEHOLDER = /⟦[A-Z0-9_]+⟧/g;

let served = 0;
/** Answers with a counter in the text, so a cached answer is told apart from a fresh one; echoes placeholders. */
function handler(req: RecordedRequest, res: ServerResponse): Promise<void> | void {
  served++;
  const seen = [...new Set(req.body.match(PLACEHOLDER) ?? [])].join(' ');
  const text = `answer #${served}${seen ? ` for ${seen}` : ''}`;
  if (req.json.messages.at(-1).content === 'fail please') return sendJson(res, 500, { error: { message: 'boom', type: 'server_error' } });
  if (!req.json.stream) {
    return sendJson(res, 200, {
      id: `chatcmpl-${served}`,
      object: 'chat.completion',
      created: 1700000000,
      model: 'gpt-x',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
    });
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id: `chatcmpl-${served}`,
    object: 'chat.completion.chunk',
    created: 1700000000,
    model: 'gpt-x',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  // Uneven pieces, so a replay that re-chunked would show.
  const pieces = [text.slice(0, 3), text.slice(3, 4), text.slice(4, 11), text.slice(11)].filter(Boolean);
  if (req.json.messages.at(-1).content === 'cut me off') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // The first chunk reaches the gateway (it commits to the stream), then the connection drops.
    res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: 'partial' }))}\n\n`, () => setTimeout(() => res.destroy(), 30));
    return;
  }
  return sendSse(res, [
    chunk({ role: 'assistant', content: '' }),
    ...pieces.map((p) => chunk({ content: p })),
    chunk({}, 'stop'),
    '[DONE]',
  ]);
}

function post(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function text(res: Response): Promise<string> {
  const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
  return body.choices[0]!.message.content;
}

/** The SSE data lines of a response, as sent (the chunking is the thing under test). */
async function sseData(res: Response): Promise<string[]> {
  const raw = await res.text();
  return raw
    .split('\n\n')
    .filter((b) => b.startsWith('data: '))
    .map((b) => b.slice(6));
}

const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'cached',
  messages: [{ role: 'user', content }],
  ...extra,
});

async function logOf(gw: RunningGateway, id: string): Promise<RequestLogEntry> {
  const store = gw.gateway.services.store!;
  await store.requestLog.flush();
  const rows = await store.requestLog.query({ limit: 500 });
  const e = rows.find((r) => r.id === id);
  assert.ok(e, `log entry ${id}`);
  return e;
}

const providers = (upstream: FakeUpstream) => [
  { id: 'cloudfake', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-fake-000000000000', location: 'cloud' },
];
const deployment = { provider: 'cloudfake', model: 'gpt-x', price: { input: 2, output: 8 } };

describe('response cache in the gateway', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  let clock = 1_000_000;

  before(async () => {
    upstream = await startUpstream(handler);
    const raw = {
      providers: providers(upstream),
      models: {
        cached: { deployments: [deployment], cache: { enabled: true, ttlSeconds: 60 } },
        uncached: [deployment],
      },
      guard: { defaultAction: 'pseudonymize' },
      // Failures are part of the test: no retries, and no breaker opening on them.
      router: { healthIntervalMs: 0, retries: 0, breaker: { failureThreshold: 1000 } },
    };
    gw = await startGateway(raw, {
      env: { MERIDIAN_MASTER_KEY: MASTER },
      overrides: { cache: createResponseCache(cacheConfigSchema.parse({}), { now: () => clock }) },
    });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('miss, then hit: the upstream is called once; the hit costs $0 and logs the saved spend', async () => {
    const calls = upstream.requests.length;
    const first = await post(gw.url, chat('What is the capital of France?'));
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-meridian-cache'), 'miss');
    const firstText = await text(first);
    const firstCost = Number(first.headers.get('x-meridian-cost-usd'));
    assert.ok(firstCost > 0, 'the miss is priced');

    const second = await post(gw.url, chat('What is the capital of France?', { user: 'someone-else', metadata: { team: 'x' } }));
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-meridian-cache'), 'hit');
    assert.equal(await text(second), firstText);
    assert.equal(Number(second.headers.get('x-meridian-cost-usd')), 0);
    assert.equal(upstream.requests.length, calls + 1, 'the upstream was called once');

    const hitLog = await logOf(gw, second.headers.get('x-request-id')!);
    assert.equal(hitLog.cacheHit, true);
    assert.equal(hitLog.costUsd, 0);
    assert.ok(Math.abs(hitLog.savedUsd! - firstCost) < 1e-9, `saved ${hitLog.savedUsd} = first cost ${firstCost}`);
    assert.equal(hitLog.routeReason, 'cache');
    const missLog = await logOf(gw, first.headers.get('x-request-id')!);
    assert.equal(missLog.cacheHit, false);
    assert.equal(missLog.savedUsd, undefined);

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /meridian_cache_requests_total\{alias="cached",result="hit"\} [1-9]/);
    assert.match(metrics, /meridian_cache_saved_usd_total\{alias="cached"\} 0\.0\d+/);
  });

  it('a different parameter (temperature, max_tokens) is a different entry', async () => {
    await (await post(gw.url, chat('Params', { temperature: 0 }))).arrayBuffer();
    const other = await post(gw.url, chat('Params', { temperature: 0.7 }));
    assert.equal(other.headers.get('x-meridian-cache'), 'miss');
    await other.arrayBuffer();
    const same = await post(gw.url, chat('Params', { temperature: 0 }));
    assert.equal(same.headers.get('x-meridian-cache'), 'hit');
    await same.arrayBuffer();
  });

  it('a streamed hit replays the original chunking byte for byte', async () => {
    const calls = upstream.requests.length;
    const first = await post(gw.url, chat('Stream me a story', { stream: true }));
    assert.equal(first.headers.get('x-meridian-cache'), 'miss');
    const a = await sseData(first);
    const second = await post(gw.url, chat('Stream me a story', { stream: true }));
    assert.equal(second.headers.get('x-meridian-cache'), 'hit');
    const b = await sseData(second);
    assert.ok(a.length >= 6, `several chunks (${a.length})`);
    assert.deepEqual(b, a);
    assert.equal(upstream.requests.length, calls + 1);
    // A complete answer is a separate entry from the streamed one.
    const whole = await post(gw.url, chat('Stream me a story'));
    assert.equal(whole.headers.get('x-meridian-cache'), 'miss');
    await whole.arrayBuffer();
  });

  it('no-cache skips the lookup but stores; no-store neither reads nor writes', async () => {
    await (await post(gw.url, chat('Control A'))).arrayBuffer();
    const fresh = await post(gw.url, chat('Control A'), { 'cache-control': 'no-cache' });
    assert.equal(fresh.headers.get('x-meridian-cache'), 'bypass');
    const freshText = await text(fresh);
    const after = await post(gw.url, chat('Control A'));
    assert.equal(after.headers.get('x-meridian-cache'), 'hit');
    assert.equal(await text(after), freshText, 'no-cache stored its fresh answer');

    const calls = upstream.requests.length;
    const ns = await post(gw.url, chat('Control B'), { 'cache-control': 'no-store' });
    assert.equal(ns.headers.get('x-meridian-cache'), 'bypass');
    await ns.arrayBuffer();
    const next = await post(gw.url, chat('Control B'));
    assert.equal(next.headers.get('x-meridian-cache'), 'miss', 'no-store stored nothing');
    await next.arrayBuffer();
    assert.equal(upstream.requests.length, calls + 2);
  });

  it('an alias with the cache off gets no header and always goes upstream', async () => {
    const calls = upstream.requests.length;
    for (let i = 0; i < 2; i++) {
      const r = await post(gw.url, { ...chat('Off'), model: 'uncached' });
      assert.equal(r.headers.get('x-meridian-cache'), null);
      await r.arrayBuffer();
    }
    assert.equal(upstream.requests.length, calls + 2);
  });

  it('failures and truncated streams are never cached', async () => {
    const f1 = await post(gw.url, chat('fail please'));
    assert.ok(f1.status >= 500, `an upstream failure (${f1.status})`);
    await f1.arrayBuffer();
    const f2 = await post(gw.url, chat('fail please'));
    assert.equal(f2.headers.get('x-meridian-cache'), null, 'a refusal carries no cache header');
    assert.ok(f2.status >= 500);
    await f2.arrayBuffer();

    const calls = upstream.requests.length;
    const cut = await post(gw.url, chat('cut me off', { stream: true }));
    assert.equal(cut.status, 200);
    assert.equal(cut.headers.get('x-meridian-cache'), 'miss');
    const cutBody = await cut.text();
    assert.ok(cutBody.includes('partial') && !cutBody.includes('[DONE]'), 'the client saw a truncated stream');
    const again = await post(gw.url, chat('cut me off', { stream: true }));
    assert.equal(again.headers.get('x-meridian-cache'), 'miss');
    await again.text();
    assert.equal(upstream.requests.length, calls + 2);
  });

  it('guard on: the entry holds placeholders; a request with other values that pseudonymizes the same is a hit with its own values', async () => {
    const calls = upstream.requests.length;
    const first = await post(gw.url, chat('Write to jane.doe@example.com about the invoice.'));
    assert.equal(first.headers.get('x-meridian-cache'), 'miss');
    assert.equal(await text(first), `answer #${served} for jane.doe@example.com`);
    const backend = gw.gateway.services.cache!.backend as unknown as { slots: Map<string, { value: string }> };
    const stored = [...backend.slots.values()].map((s) => String(s.value)).join('\n');
    assert.ok(stored.includes('⟦EMAIL_1⟧'), 'the entry holds the placeholder');
    assert.ok(!stored.includes('jane.doe'), 'the entry never holds the raw value');

    const second = await post(gw.url, chat('Write to bob.smith@example.org about the invoice.'));
    assert.equal(second.headers.get('x-meridian-cache'), 'hit');
    const t = await text(second);
    assert.match(t, /for bob\.smith@example\.org$/, 'restored from this request’s own findings');
    assert.ok(!t.includes('jane.doe'));
    assert.equal(upstream.requests.length, calls + 1);

    // Streamed, too: the replay is restored per request.
    await (await post(gw.url, chat('Mail ann@example.com now', { stream: true }))).text();
    const s = await post(gw.url, chat('Mail zed@example.net now', { stream: true }));
    assert.equal(s.headers.get('x-meridian-cache'), 'hit');
    const body = await s.text();
    assert.ok(body.includes('zed@example.net'), 'restored value in the replay');
    assert.ok(!body.includes('ann@example.com'));
  });

  it('TTL: an entry expires after ttlSeconds (injected clock)', async () => {
    await (await post(gw.url, chat('Short lived'))).arrayBuffer();
    clock += 59_000;
    const hit = await post(gw.url, chat('Short lived'));
    assert.equal(hit.headers.get('x-meridian-cache'), 'hit');
    await hit.arrayBuffer();
    clock += 2_000;
    const expired = await post(gw.url, chat('Short lived'));
    assert.equal(expired.headers.get('x-meridian-cache'), 'miss');
    await expired.arrayBuffer();
  });

  it('tenants never share entries (unless cache.shareAcrossTenants)', async () => {
    const admin = (body: Record<string, unknown>) =>
      fetch(`${gw.url}/admin/keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER}` },
        body: JSON.stringify(body),
      });
    const a = ((await (await admin({ tenant: 'acme' })).json()) as { key: string }).key;
    const b = ((await (await admin({ tenant: 'globex' })).json()) as { key: string }).key;
    const r1 = await post(gw.url, chat('Tenant question'), { authorization: `Bearer ${a}` });
    assert.equal(r1.headers.get('x-meridian-cache'), 'miss');
    await r1.arrayBuffer();
    const r2 = await post(gw.url, chat('Tenant question'), { authorization: `Bearer ${b}` });
    assert.equal(r2.headers.get('x-meridian-cache'), 'miss', 'another tenant does not see acme’s entry');
    await r2.arrayBuffer();
    const r3 = await post(gw.url, chat('Tenant question'), { authorization: `Bearer ${a}` });
    assert.equal(r3.headers.get('x-meridian-cache'), 'hit');
    await r3.arrayBuffer();
  });
});

describe('response cache: the global block, shared across tenants, the Anthropic wire', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  const keys: string[] = [];

  before(async () => {
    upstream = await startUpstream(handler);
    gw = await startGateway(
      {
        providers: providers(upstream),
        models: { cached: [deployment], off: { deployments: [deployment], cache: { enabled: false } } },
        cache: { enabled: true, shareAcrossTenants: true },
        router: { healthIntervalMs: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    for (const tenant of ['acme', 'globex']) {
      const res = await fetch(`${gw.url}/admin/keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER}` },
        body: JSON.stringify({ tenant }),
      });
      keys.push(((await res.json()) as { key: string }).key);
    }
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('shareAcrossTenants: one tenant’s answer serves another; an alias can opt out', async () => {
    const r1 = await post(gw.url, chat('Shared question'), { authorization: `Bearer ${keys[0]}` });
    assert.equal(r1.headers.get('x-meridian-cache'), 'miss');
    const t1 = await text(r1);
    const r2 = await post(gw.url, chat('Shared question'), { authorization: `Bearer ${keys[1]}` });
    assert.equal(r2.headers.get('x-meridian-cache'), 'hit');
    assert.equal(await text(r2), t1);
    const off = await post(gw.url, { ...chat('Shared question'), model: 'off' }, { authorization: `Bearer ${keys[1]}` });
    assert.equal(off.headers.get('x-meridian-cache'), null);
    await off.arrayBuffer();
  });

  it('/v1/messages goes through the same cache (streamed replay identical)', async () => {
    const send = () =>
      fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[0]}`, 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'cached', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Anthropic wire' }] }),
      });
    const a = await send();
    assert.equal(a.headers.get('x-meridian-cache'), 'miss');
    const aText = await a.text();
    const b = await send();
    assert.equal(b.headers.get('x-meridian-cache'), 'hit');
    assert.equal(await b.text(), aText);
  });
});

describe('response cache: semantic layer (mock n-gram embeddings)', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;

  before(async () => {
    upstream = await startUpstream(handler);
    gw = await startGateway(
      {
        providers: [...providers(upstream), { id: 'mock', type: 'mock', location: 'local' }],
        models: {
          cached: {
            deployments: [deployment],
            cache: { enabled: true, semantic: { embeddingModel: 'embed', threshold: 0.8 } },
          },
          embed: [{ provider: 'mock', model: 'mock-embed-ngram' }],
        },
        router: { healthIntervalMs: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('a close rewording of the last user message is a hit; another question, or another system prompt, is not', async () => {
    const calls = upstream.requests.length;
    const first = await post(gw.url, chat('How do I reverse a list in Python?'));
    assert.equal(first.headers.get('x-meridian-cache'), 'miss');
    const t1 = await text(first);
    const near = await post(gw.url, chat('how do I reverse a list in python'));
    assert.equal(near.headers.get('x-meridian-cache'), 'hit');
    assert.ok(Number(near.headers.get('x-meridian-cache-similarity')) >= 0.8);
    assert.match(near.headers.get('x-meridian-route') ?? '', /reason=cache-semantic/);
    assert.equal(await text(near), t1);
    assert.equal(upstream.requests.length, calls + 1);

    const other = await post(gw.url, chat('What is the boiling point of water at sea level?'));
    assert.equal(other.headers.get('x-meridian-cache'), 'miss');
    await other.arrayBuffer();
    const withSystem = await post(gw.url, {
      ...chat(''),
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'How do I reverse a list in Python?' },
      ],
    });
    assert.equal(withSystem.headers.get('x-meridian-cache'), 'miss', 'the rest of the request must be equal');
    await withSystem.arrayBuffer();
  });
});

describe('response cache and budgets', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;

  before(async () => {
    upstream = await startUpstream(handler);
    gw = await startGateway(
      {
        providers: providers(upstream),
        models: { cached: { deployments: [deployment], cache: { enabled: true } } },
        // One upstream answer is 1500 tokens (see `handler`): a hit that consumed them would be refused.
        budgets: [{ scope: 'alias', match: 'cached', period: 'month', tokens: 2000, mode: 'hard' }],
        router: { healthIntervalMs: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('a hit consumes no budget: the reservation is released whole', async () => {
    const calls = upstream.requests.length;
    const first = await post(gw.url, chat('Budgeted question', { max_tokens: 100 }));
    assert.equal(first.headers.get('x-meridian-cache'), 'miss');
    await first.arrayBuffer();
    for (let i = 0; i < 4; i++) {
      const r = await post(gw.url, chat('Budgeted question', { max_tokens: 100 }));
      assert.equal(r.status, 200, `hit ${i} admitted`);
      assert.equal(r.headers.get('x-meridian-cache'), 'hit');
      await r.arrayBuffer();
    }
    assert.equal(upstream.requests.length, calls + 1);
    // A new question still goes upstream (budget left: 500 tokens), and then the budget is spent.
    const fresh = await post(gw.url, chat('Another budgeted question', { max_tokens: 100 }));
    assert.equal(fresh.status, 200);
    await fresh.arrayBuffer();
    const refused = await post(gw.url, chat('A third budgeted question', { max_tokens: 100 }));
    assert.equal(refused.status, 429);
    await refused.arrayBuffer();
  });
});

describe('response cache: the semantic embedding obeys the request’s routing policy', () => {
  let local: FakeUpstream;
  let cloudEmbed: FakeUpstream;
  let gw: RunningGateway;

  before(async () => {
    local = await startUpstream(handler);
    cloudEmbed = await startUpstream((_req, res) =>
      sendJson(res, 200, {
        object: 'list',
        model: 'e',
        data: [{ object: 'embedding', index: 0, embedding: [1, 0, 0] }],
        usage: { prompt_tokens: 1, total_tokens: 1 },
      }),
    );
    gw = await startGateway(
      {
        providers: [
          { id: 'localfake', type: 'openai-compatible', baseUrl: `${local.url}/v1`, location: 'local' },
          {
            id: 'cloudembed',
            type: 'openai-compatible',
            baseUrl: `${cloudEmbed.url}/v1`,
            apiKey: 'sk-fake-000000000000',
            location: 'cloud',
          },
        ],
        models: {
          cached: {
            deployments: [{ provider: 'localfake', model: 'm' }],
            cache: { enabled: true, semantic: { embeddingModel: 'embed', threshold: 0.5 } },
          },
          embed: [{ provider: 'cloudembed', model: 'text-embedding-x', price: { input: 0.02, output: 0 } }],
        },
        router: { healthIntervalMs: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  after(async () => {
    await gw.close();
    await local.close();
    await cloudEmbed.close();
  });

  it('a local-only key never sends its text to a cloud embedding deployment (exact caching still works)', async () => {
    const res = await fetch(`${gw.url}/admin/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER}` },
      body: JSON.stringify({ tenant: 'private', dataPolicy: 'local-only' }),
    });
    const { key } = (await res.json()) as { key: string };
    const auth = { authorization: `Bearer ${key}` };
    const a = await post(gw.url, chat('Our secret roadmap'), auth);
    assert.equal(a.headers.get('x-meridian-cache'), 'miss');
    await a.arrayBuffer();
    const b = await post(gw.url, chat('Our secret roadmap, again'), auth);
    assert.equal(b.headers.get('x-meridian-cache'), 'miss', 'no semantic lookup without an allowed embedding deployment');
    await b.arrayBuffer();
    const c = await post(gw.url, chat('Our secret roadmap'), auth);
    assert.equal(c.headers.get('x-meridian-cache'), 'hit');
    await c.arrayBuffer();
    assert.equal(cloudEmbed.requests.length, 0, 'the cloud embedding API was never called');

    // A key without that policy may use it (so the test above is not vacuous).
    const open = await fetch(`${gw.url}/admin/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER}` },
      body: JSON.stringify({ tenant: 'open' }),
    });
    const other = { authorization: `Bearer ${((await open.json()) as { key: string }).key}` };
    await (await post(gw.url, chat('Public question'), other)).arrayBuffer();
    const d = await post(gw.url, chat('Public question, reworded'), other);
    assert.equal(d.headers.get('x-meridian-cache'), 'hit', 'every vector is [1,0,0]: a semantic hit');
    await d.arrayBuffer();
    assert.ok(cloudEmbed.requests.length >= 2);
  });
});
