/**
 * Stored responses (issue #13, conversation state) over real sockets with the official `openai`
 * client: store by default, continue with previous_response_id (the upstream receives the earlier
 * turns, on another provider too), retrieve, delete, input items pages, streaming stored, tenant
 * isolation, retention on an injected clock, the operator switch, and PII (the stored text is the
 * restored text; a continuation to the cloud is pseudonymized again).
 * Reference: https://platform.openai.com/docs/api-reference/responses ,
 * https://platform.openai.com/docs/guides/conversation-state
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startUpstream, sendJson, sendSse, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { createGateway } from '../../src/gateway/gateway.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const MASTER = 'master-key-for-tests-0123456789';
const EMAIL = 'jane.doe@example.com';
const PLACEHOLDER = /⟦[A-Z0-9_]+⟧/g;
const DAY = 86_400_000;
/** The SDK's Response type has no `store` field; the wire object does. */
const storeOf = (r: object): unknown => (r as { store?: unknown }).store;

type Message = { role: string; content: unknown; tool_calls?: unknown };

/** Answers `reply N to <last user text>`; the cloud model echoes the placeholders it received. Streams when asked. */
function handler(req: RecordedRequest, res: Parameters<Parameters<typeof startUpstream>[0]>[1]) {
  const b = req.json as { stream?: boolean; messages: Message[]; model: string };
  const lastUser = [...b.messages].reverse().find((m) => m.role === 'user');
  const placeholders = [...new Set(req.body.match(PLACEHOLDER) ?? [])];
  const text = b.model === 'cloud-model' ? `noted ${placeholders[0] ?? 'nothing'}` : `reply to ${String(lastUser?.content)}`;
  if (b.stream) {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1700000000,
      model: b.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    return sendSse(res, [
      chunk({ role: 'assistant', content: text.slice(0, 4) }),
      chunk({ content: text.slice(4) }),
      chunk({}, 'stop'),
      '[DONE]',
    ]);
  }
  return sendJson(res, 200, {
    id: 'c',
    object: 'chat.completion',
    created: 1700000000,
    model: b.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
  });
}

describe('stored responses', () => {
  let up1: FakeUpstream;
  let up2: FakeUpstream;
  let gw: RunningGateway;
  let now = Date.now();
  let acme: OpenAI;
  let globex: OpenAI;
  let acmeKey: string;
  const admin = async (path: string, body: unknown) =>
    (await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json())) as { key: string };
  const raw = (method: string, path: string, key = acmeKey, body?: unknown) =>
    fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  before(async () => {
    up1 = await startUpstream(handler);
    up2 = await startUpstream(handler);
    gw = await startGateway(
      {
        providers: [
          { id: 'one', type: 'openai-compatible', baseUrl: `${up1.url}/v1`, location: 'local' },
          { id: 'two', type: 'openai-compatible', baseUrl: `${up2.url}/v1`, location: 'local' },
          { id: 'cloudfake', type: 'openai-compatible', baseUrl: `${up2.url}/v1`, apiKey: 'sk-fake-cloud-000000', location: 'cloud' },
        ],
        models: {
          first: [{ provider: 'one', model: 'm1' }],
          second: [{ provider: 'two', model: 'm2' }],
          cloud: [{ provider: 'cloudfake', model: 'cloud-model' }],
        },
        guard: { defaultAction: 'pseudonymize' },
        router: { healthIntervalMs: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER }, storeOptions: { now: () => now } },
    );
    acmeKey = (await admin('/admin/keys', { tenant: 'acme' })).key;
    const globexKey = (await admin('/admin/keys', { tenant: 'globex' })).key;
    acme = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: acmeKey, maxRetries: 0 });
    globex = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: globexKey, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await up1.close();
    await up2.close();
  });

  it('stores by default, retrieves the same object, and continues the conversation on another provider', async () => {
    const first = await acme.responses.create({ model: 'first', instructions: 'Old rules.', input: 'What is 2+2?' });
    assert.equal(storeOf(first), true);
    assert.equal(first.previous_response_id, null);
    assert.equal(first.output_text, 'reply to What is 2+2?');
    assert.deepEqual(await acme.responses.retrieve(first.id), first);

    const second = await acme.responses.create({
      model: 'second',
      instructions: 'New rules.',
      input: [{ role: 'user', content: 'And times 3?' }],
      previous_response_id: first.id,
    });
    assert.equal(second.previous_response_id, first.id);
    assert.equal(second.output_text, 'reply to And times 3?');
    // The earlier turns reached the other provider; the earlier instructions did not (OpenAI documents this).
    assert.deepEqual(up2.requests.at(-1)!.json.messages, [
      { role: 'system', content: 'New rules.' },
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: 'reply to What is 2+2?' },
      { role: 'user', content: 'And times 3?' },
    ]);

    // A third turn carries both earlier ones.
    await acme.responses.create({ model: 'first', input: 'Thanks', previous_response_id: second.id });
    assert.deepEqual(
      (up1.requests.at(-1)!.json.messages as Message[]).map((m) => `${m.role}:${String(m.content)}`),
      ['user:What is 2+2?', 'assistant:reply to What is 2+2?', 'user:And times 3?', 'assistant:reply to And times 3?', 'user:Thanks'],
    );
  });

  it('lists input items with ids, newest first by default, in pages (limit, order, after)', async () => {
    const input = [
      { role: 'developer' as const, content: 'Answer in French.' },
      { role: 'user' as const, content: [{ type: 'input_text' as const, text: 'Bonjour' }] },
      { role: 'assistant' as const, content: 'Salut' },
      { role: 'user' as const, content: 'Ça va ?' },
    ];
    const r = await acme.responses.create({ model: 'first', input });
    const page = await acme.responses.inputItems.list(r.id);
    assert.equal(page.data.length, 4);
    const texts = page.data.map((i) => (i.type === 'message' ? (i.content[0] as { text: string }).text : '?'));
    assert.deepEqual(texts, ['Ça va ?', 'Salut', 'Bonjour', 'Answer in French.']);
    assert.ok(page.data.every((i) => typeof i.id === 'string' && i.id.length > 0));

    // The SDK's cursor pagination follows has_more/after through pages of one.
    const all: string[] = [];
    for await (const item of acme.responses.inputItems.list(r.id, { limit: 1, order: 'asc' })) all.push(item.id!);
    assert.deepEqual(
      all,
      [...page.data].reverse().map((i) => i.id),
    );

    const json = (await (await raw('GET', `/v1/responses/${r.id}/input_items?limit=2&order=asc&after=${all[0]}`)).json()) as {
      object: string;
      data: { id: string }[];
      first_id: string;
      last_id: string;
      has_more: boolean;
    };
    assert.equal(json.object, 'list');
    assert.deepEqual(
      json.data.map((d) => d.id),
      all.slice(1, 3),
    );
    assert.equal(json.first_id, all[1]);
    assert.equal(json.last_id, all[2]);
    assert.equal(json.has_more, true);

    for (const [query, param] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['order=up', 'order'],
      ['after=msg_nope', 'after'],
    ]) {
      const res = await raw('GET', `/v1/responses/${r.id}/input_items?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(((await res.json()) as { error: { param: string } }).error.param, param);
    }
  });

  it('deletes a response: then retrieve, delete and previous_response_id are 404s in the OpenAI shape', async () => {
    const r = await acme.responses.create({ model: 'first', input: 'Forget me' });
    const res = await raw('DELETE', `/v1/responses/${r.id}`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { id: r.id, object: 'response', deleted: true });
    await assert.rejects(acme.responses.retrieve(r.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(acme.responses.delete(r.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    const cont = await raw('POST', '/v1/responses', acmeKey, { model: 'first', input: 'Again', previous_response_id: r.id });
    assert.equal(cont.status, 404);
    assert.deepEqual(await cont.json(), {
      error: {
        message: `Previous response with id '${r.id}' not found.`,
        type: 'invalid_request_error',
        code: 'previous_response_not_found',
        param: 'previous_response_id',
      },
    });
    // The SDK's own delete (no body expected) works on a live response.
    const other = await acme.responses.create({ model: 'first', input: 'Bye' });
    await acme.responses.delete(other.id);
    await assert.rejects(acme.responses.retrieve(other.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
  });

  it('store: false answers store false and keeps nothing', async () => {
    const r = await acme.responses.create({ model: 'first', input: 'Ephemeral', store: false });
    assert.equal(storeOf(r), false);
    await assert.rejects(acme.responses.retrieve(r.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
  });

  it('stores a streamed response before its final event, so it can be continued at once', async () => {
    const stream = acme.responses.stream({ model: 'first', input: 'Stream me' });
    let text = '';
    for await (const ev of stream) if (ev.type === 'response.output_text.delta') text += ev.delta;
    const final = await stream.finalResponse();
    assert.equal(text, 'reply to Stream me');
    assert.equal(storeOf(final), true);
    const stored = await acme.responses.retrieve(final.id);
    assert.equal(stored.output_text, 'reply to Stream me');
    assert.equal(stored.status, 'completed');
    const next = acme.responses.stream({ model: 'second', input: 'More', previous_response_id: final.id });
    const nextFinal = await next.finalResponse();
    assert.equal(nextFinal.previous_response_id, final.id);
    assert.deepEqual(
      (up2.requests.at(-1)!.json.messages as Message[]).map((m) => m.content),
      ['Stream me', 'reply to Stream me', 'More'],
    );
  });

  it("keeps tenants apart: another tenant's id is a 404 everywhere and deleting it there changes nothing", async () => {
    const r = await acme.responses.create({ model: 'first', input: 'Acme secret' });
    await assert.rejects(globex.responses.retrieve(r.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(globex.responses.inputItems.list(r.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(globex.responses.delete(r.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(
      globex.responses.create({ model: 'first', input: 'Hi', previous_response_id: r.id }),
      (e: unknown) => e instanceof OpenAI.NotFoundError && (e.error as { code?: string }).code === 'previous_response_not_found',
    );
    assert.equal((await acme.responses.retrieve(r.id)).id, r.id);
  });

  it('expires responses after responses.retentionDays on the store clock, and prunes them', async () => {
    const r = await acme.responses.create({ model: 'first', input: 'Short-lived' });
    now += 29 * DAY;
    assert.equal((await acme.responses.retrieve(r.id)).id, r.id, 'still there before 30 days');
    now += 2 * DAY;
    try {
      await assert.rejects(acme.responses.retrieve(r.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
      await assert.rejects(
        acme.responses.create({ model: 'first', input: 'Hi', previous_response_id: r.id }),
        (e: unknown) => e instanceof OpenAI.NotFoundError,
      );
      const pruned = await gw.gateway.services.store!.responses.prune();
      assert.ok(pruned >= 1, `pruned ${pruned}`);
    } finally {
      now = Date.now();
    }
    // Everything stored above had expired too, so nothing is left to prune.
    assert.equal(await gw.gateway.services.store!.responses.prune(), 0);
  });

  it('stores the restored text the client saw, never the placeholders, and pseudonymizes the continuation again', async () => {
    const r = await acme.responses.create({ model: 'cloud', input: `Mail ${EMAIL} please` });
    assert.equal(r.output_text, `noted ${EMAIL}`, 'restored for the client');
    const sentFirst = up2.requests.at(-1)!.body;
    assert.ok(!sentFirst.includes(EMAIL), 'the cloud never saw the address');
    const stored = await acme.responses.retrieve(r.id);
    assert.equal(stored.output_text, `noted ${EMAIL}`);
    assert.doesNotMatch(JSON.stringify(stored), PLACEHOLDER);
    const items = await acme.responses.inputItems.list(r.id);
    assert.match(JSON.stringify(items.data), new RegExp(EMAIL.replace('.', '\\.')));
    // The conversation kept for continuations holds the real values too, and no guard mapping.
    const rec = await gw.gateway.services.store!.responses.get('acme', r.id);
    assert.deepEqual(rec?.messages, [
      { role: 'user', content: `Mail ${EMAIL} please` },
      { role: 'assistant', content: `noted ${EMAIL}` },
    ]);
    assert.doesNotMatch(JSON.stringify(rec), PLACEHOLDER);

    const next = await acme.responses.create({ model: 'cloud', input: 'Again', previous_response_id: r.id });
    const sent = up2.requests.at(-1)!.body;
    assert.ok(!sent.includes(EMAIL), 'the earlier turns are pseudonymized before the cloud too');
    assert.match(sent, PLACEHOLDER);
    assert.equal(next.output_text, `noted ${EMAIL}`);
  });

  it('prompt {id, version, variables} runs a registered prompt: its messages first, its model and parameters as defaults, not stored', async () => {
    const pushed = await admin('/admin/prompts', {
      name: 'support',
      prompt: {
        type: 'chat',
        messages: [{ role: 'system', content: 'You help {{customer}}.' }, { placeholder: 'conversation' }],
        model: 'first',
        params: { temperature: 0.3, max_tokens: 50 },
      },
    });
    assert.ok(pushed);
    const prompt = { id: 'support', version: '1', variables: { customer: { type: 'input_text' as const, text: 'Acme' } } };
    const { data: r, response } = await acme.responses.create({ prompt, input: 'Hi', max_output_tokens: 20 }).withResponse();
    assert.equal(response.headers.get('x-meridian-prompt'), 'support@1');
    const sent = up1.requests.at(-1)!.json as { messages: Message[]; temperature: number; max_tokens: number };
    assert.deepEqual(sent.messages, [
      { role: 'system', content: 'You help Acme.' },
      { role: 'user', content: 'Hi' },
    ]);
    assert.equal(sent.temperature, 0.3, "the prompt's parameter as a default");
    assert.equal(sent.max_tokens, 20, "the request's own value wins");

    // Continued with the prompt named again: its messages are not repeated from the stored conversation.
    await acme.responses.create({
      prompt: { id: 'support', variables: { customer: 'Globex' } },
      input: 'More',
      previous_response_id: r.id,
    });
    assert.deepEqual(
      (up1.requests.at(-1)!.json.messages as Message[]).map((m) => `${m.role}:${String(m.content)}`),
      ['system:You help Globex.', 'user:Hi', 'assistant:reply to Hi', 'user:More'],
    );

    for (const [bad, param, status] of [
      [{ id: 'Bad Name' }, 'prompt.id', 400],
      [{ id: 'support', version: 'Prod!' }, 'prompt.version', 400],
      [{ id: 'support', variables: { customer: { type: 'input_image', image_url: 'https://x/y.png' } } }, 'prompt.variables.customer', 400],
      [{ id: 'support', extra: 1 }, 'prompt', 400],
      [{ id: 'support' }, 'prompt.variables.customer', 400],
      [{ id: 'nope' }, null, 404],
      [{ id: 'support', version: '9' }, null, 404],
    ] as const) {
      const res = await raw('POST', '/v1/responses', acmeKey, { prompt: bad, input: 'Hi' });
      assert.equal(res.status, status, JSON.stringify(bad));
      const err = ((await res.json()) as { error: { param: string | null; code: string } }).error;
      if (param) assert.equal(err.param, param, JSON.stringify(bad));
      else assert.equal(err.code, 'prompt_not_found');
    }
    const noModel = await raw('POST', '/v1/responses', acmeKey, { input: 'Hi' });
    assert.equal(noModel.status, 400);
    assert.equal(((await noModel.json()) as { error: { param: string } }).error.param, 'model');
  });

  it('treats hostile ids as unknown: bounded 404s, never a 500', async () => {
    for (const id of ['x', 'resp_', `resp_${'a'.repeat(5000)}`, '%00', 'resp_%2e%2e', "resp_1'--", 'resp_%2Fx']) {
      for (const [method, path] of [
        ['GET', `/v1/responses/${id}`],
        ['DELETE', `/v1/responses/${id}`],
        ['GET', `/v1/responses/${id}/input_items`],
      ] as const) {
        const res = await raw(method, path);
        assert.equal(res.status, 404, `${method} ${path.slice(0, 60)}`);
        const body = (await res.json()) as { error: { message: string; type: string } };
        assert.equal(body.error.type, 'invalid_request_error');
        assert.ok(body.error.message.length < 200);
      }
    }
    const res = await raw('POST', '/v1/responses', acmeKey, { model: 'first', input: 'Hi', previous_response_id: 'z'.repeat(10_000) });
    assert.equal(res.status, 404);
    assert.doesNotMatch(await res.text(), /zzzz/);
  });
});

describe('stored responses: operator switch', () => {
  it('responses.store: false answers store false even when the request asks, and retrieve is a 404', async () => {
    const up = await startUpstream(handler);
    const gw = await startGateway({
      providers: [{ id: 'one', type: 'openai-compatible', baseUrl: `${up.url}/v1`, location: 'local' }],
      models: { first: [{ provider: 'one', model: 'm1' }] },
      router: { healthIntervalMs: 0 },
      responses: { store: false },
    });
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const r = await client.responses.create({ model: 'first', input: 'Hi', store: true });
      assert.equal(storeOf(r), false);
      await assert.rejects(client.responses.retrieve(r.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('stored responses: the store refuses the write', () => {
  it('answers (stream and not) with store false instead of failing the request', async () => {
    const up = await startUpstream(handler);
    const gw = await startGateway({
      providers: [{ id: 'one', type: 'openai-compatible', baseUrl: `${up.url}/v1`, location: 'local' }],
      models: { first: [{ provider: 'one', model: 'm1' }] },
      router: { healthIntervalMs: 0 },
    });
    try {
      // A store that cannot write responses (here: the table is gone).
      (gw.gateway.services.store as SqliteStore).db.exec('DROP TABLE responses');
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const r = await client.responses.create({ model: 'first', input: 'Hi' });
      assert.equal(r.output_text, 'reply to Hi');
      assert.equal(storeOf(r), false);
      const final = await client.responses.stream({ model: 'first', input: 'Hi' }).finalResponse();
      assert.equal(final.output_text, 'reply to Hi');
      assert.equal(storeOf(final), false);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('stored responses: size bound', () => {
  it('stores a conversation up to twice server.bodyLimitBytes, then answers store false (the request still succeeds)', async () => {
    const up = await startUpstream(handler);
    const gw = await startGateway({
      providers: [{ id: 'one', type: 'openai-compatible', baseUrl: `${up.url}/v1`, location: 'local' }],
      models: { first: [{ provider: 'one', model: 'm1' }] },
      router: { healthIntervalMs: 0 },
      server: { bodyLimitBytes: 8192 },
    });
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const first = await client.responses.create({ model: 'first', input: 'a'.repeat(3000) });
      assert.equal(storeOf(first), true);
      const second = await client.responses.create({ model: 'first', input: 'b'.repeat(3000), previous_response_id: first.id });
      assert.equal(storeOf(second), true);
      // The conversation (three inputs, three answers) and this input's items now pass 16 KiB.
      const third = await client.responses.create({ model: 'first', input: 'c'.repeat(3000), previous_response_id: second.id });
      assert.equal(storeOf(third), false);
      assert.ok(third.output_text.startsWith('reply to ccc'));
      await assert.rejects(client.responses.retrieve(third.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('stored responses: a gateway without a store', () => {
  it('answers store false, refuses previous_response_id with a clear 400, and reads back nothing', async () => {
    const up = await startUpstream(handler);
    const config = parseConfig(
      {
        providers: [{ id: 'one', type: 'openai-compatible', baseUrl: `${up.url}/v1`, location: 'local' }],
        models: { first: [{ provider: 'one', model: 'm1' }] },
        router: { healthIntervalMs: 0 },
      },
      {},
    );
    // Embedded in another program with no store (no overrides.store): nothing to keep responses in.
    const gateway = createGateway(config, { logger: pino({ level: 'silent' }) });
    const url = await gateway.listen(0, '127.0.0.1');
    try {
      assert.equal(gateway.services.store, undefined);
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const r = await client.responses.create({ model: 'first', input: 'Hi' });
      assert.equal(storeOf(r), false);
      await assert.rejects(client.responses.retrieve(r.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
      const res = await fetch(`${url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'first', input: 'Again', previous_response_id: r.id }),
      });
      assert.equal(res.status, 400);
      const err = ((await res.json()) as { error: { code: string; param: string; message: string } }).error;
      assert.equal(err.code, 'previous_response_not_found');
      assert.equal(err.param, 'previous_response_id');
      assert.match(err.message, /without a store/);
    } finally {
      await gateway.close(1000);
      await up.close();
    }
  });
});
