/**
 * Issue 4 "Done when", end to end over real HTTP: the privacy guard wired into the running
 * gateway in front of a fake cloud upstream (openai-compatible, location cloud) and a fake local
 * one. Guard config uses the shape documented in docs/privacy.md (`guard.defaultAction`,
 * `guard.actions`). The fakes speak the documented wire format:
 * https://platform.openai.com/docs/api-reference/chat/object and
 * https://platform.openai.com/docs/api-reference/chat-streaming
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { startUpstream, sendJson, sendSse, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { createGuard, guardConfigSchema, pseudonymizeFailed } from '../../src/guard/index.js';
import type { Guard } from '../../src/guard/index.js';

const MASTER = 'master-key-for-privacy-tests-0123';
const EMAIL = 'jane.doe@example.com';
const PHONE = '+44 20 7946 0958';
const CARD = '4111 1111 1111 1111';
const PROMPT = `Please email ${EMAIL}, call ${PHONE} and charge card ${CARD} today.`;
/** Every form in which a value could leak into an upstream body. */
const LEAK_FORMS = [EMAIL, 'jane.doe', PHONE, '2079460958', '7946 0958', CARD, '4111111111111111', '4111-1111'];

const PLACEHOLDER = /⟦[A-Z0-9_]+⟧/g;

const completion = (message: Record<string, unknown>, finish = 'stop') => ({
  id: 'chatcmpl-priv',
  object: 'chat.completion',
  created: 1700000000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, logprobs: null, finish_reason: finish }],
  usage: { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 },
});

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-priv',
  object: 'chat.completion.chunk',
  created: 1700000000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});

/** Placeholders in the order they appear in the request's messages (unique). */
function placeholdersOf(req: RecordedRequest): { email: string; phone: string; card: string } {
  const found = [...new Set(req.body.match(PLACEHOLDER) ?? [])];
  const pick = (prefix: string) => found.find((p) => p.startsWith(`⟦${prefix}_`)) ?? `(no ${prefix} placeholder)`;
  return { email: pick('EMAIL'), phone: pick('PHONE'), card: pick('CREDIT_CARD') };
}

/**
 * Cuts `text` so that every placeholder is split: right after `⟦`, inside the name, and right
 * before `⟧`; the pieces in between carry the end of one placeholder and the start of the next.
 */
function awkwardPieces(text: string): string[] {
  const cuts = new Set<number>();
  for (const m of text.matchAll(PLACEHOLDER)) {
    const i = m.index!;
    cuts.add(i + 1);
    cuts.add(i + 4);
    cuts.add(i + m[0].length - 1);
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: string[] = [];
  let pos = 0;
  for (const c of sorted) {
    out.push(text.slice(pos, c));
    pos = c;
  }
  out.push(text.slice(pos));
  return out.filter((p) => p.length > 0);
}

/** The fake cloud: echoes back whatever placeholders it received, as text or as a tool call. */
function cloudHandler(req: RecordedRequest, res: ServerResponse): Promise<void> | void {
  const ph = placeholdersOf(req);
  const text = `Noted: ${ph.email} | ${ph.phone} | ${ph.card}.`;
  const args = `{"to":"${ph.email}","phone":"${ph.phone}","card":"${ph.card}"}`;
  const wantsTool = Array.isArray(req.json?.tools) && !req.json.messages.some((m: { role: string }) => m.role === 'tool');
  if (!req.json?.stream) {
    if (wantsTool) {
      return sendJson(
        res,
        200,
        completion(
          { content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'send_invoice', arguments: args } }] },
          'tool_calls',
        ),
      );
    }
    return sendJson(res, 200, completion({ content: text }));
  }
  if (wantsTool) {
    return sendSse(
      res,
      [
        chunk({
          role: 'assistant',
          content: null,
          tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'send_invoice', arguments: '' } }],
        }),
        ...awkwardPieces(args).map((a) => chunk({ tool_calls: [{ index: 0, function: { arguments: a } }] })),
        chunk({}, 'tool_calls'),
        '[DONE]',
      ],
      2,
    );
  }
  return sendSse(
    res,
    [chunk({ role: 'assistant', content: '' }), ...awkwardPieces(text).map((c) => chunk({ content: c })), chunk({}, 'stop'), '[DONE]'],
    2,
  );
}

/** The fake local engine: repeats the user's words (it may see the real values). */
function localHandler(req: RecordedRequest, res: ServerResponse): void {
  const last = req.json.messages.at(-1).content as string;
  sendJson(res, 200, completion({ content: `local saw: ${last}` }));
}

interface SseResult {
  status: number;
  headers: Headers;
  chunks: Array<{
    choices: Array<{
      delta: {
        content?: string | null;
        tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }>;
      };
      finish_reason: string | null;
    }>;
  }>;
  text: string;
  toolArgs: string;
}

async function postChat(url: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function streamChat(url: string, body: Record<string, unknown>): Promise<SseResult> {
  const res = await postChat(url, { ...body, stream: true });
  const raw = await res.text();
  const chunks: SseResult['chunks'] = [];
  for (const block of raw.split('\n\n')) {
    const data = block
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => l.slice(6))
      .join('\n');
    if (!data || data === '[DONE]') continue;
    chunks.push(JSON.parse(data));
  }
  let text = '';
  let toolArgs = '';
  for (const c of chunks) {
    for (const ch of c.choices) {
      text += ch.delta.content ?? '';
      for (const t of ch.delta.tool_calls ?? []) toolArgs += t.function?.arguments ?? '';
    }
  }
  return { status: res.status, headers: res.headers, chunks, text, toolArgs };
}

function assertNoLeak(upstream: FakeUpstream, from = 0): void {
  const sent = upstream.requests.slice(from);
  assert.ok(sent.length > 0, 'the cloud fake was called');
  for (const r of sent) {
    for (const v of LEAK_FORMS) assert.ok(!r.body.includes(v), `the cloud upstream received '${v}'`);
  }
}

function piiHeader(h: string | null): Record<string, number> {
  assert.ok(h, 'x-meridian-pii is set');
  return Object.fromEntries(
    h
      .split(',')
      .map((kv) => kv.split('='))
      .map(([k, v]) => [k!, Number(v)]),
  );
}

const EXPECTED_COUNTS = { email: 1, phone: 1, credit_card: 1 };

const tools = [
  {
    type: 'function',
    function: {
      name: 'send_invoice',
      description: 'Send an invoice',
      parameters: {
        type: 'object',
        properties: { to: { type: 'string' }, phone: { type: 'string' }, card: { type: 'string' } },
        required: ['to'],
      },
    },
  },
];

describe('privacy guard in the gateway: pseudonymize before a cloud deployment', () => {
  let cloud: FakeUpstream;
  let gw: RunningGateway;

  before(async () => {
    cloud = await startUpstream(cloudHandler);
    gw = await startGateway(
      {
        providers: [
          { id: 'cloudfake', type: 'openai-compatible', baseUrl: `${cloud.url}/v1`, apiKey: 'sk-fake-cloud-key-000000', location: 'cloud' },
        ],
        models: { assistant: [{ provider: 'cloudfake', model: 'gpt-4o-mini', capabilities: { tools: true } }] },
        guard: { defaultAction: 'pseudonymize' },
        router: { healthIntervalMs: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  after(async () => {
    await gw.close();
    await cloud.close();
  });

  it('non-stream: the cloud sees placeholders only, the client gets its values back', async () => {
    const from = cloud.requests.length;
    const res = await postChat(gw.url, { model: 'assistant', messages: [{ role: 'user', content: PROMPT }] });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    assert.equal(body.choices[0]!.message.content, `Noted: ${EMAIL} | ${PHONE} | ${CARD}.`);
    assertNoLeak(cloud, from);
    const sent = cloud.requests.at(-1)!;
    assert.match(sent.json.messages[0].content, /^Please email ⟦EMAIL_1⟧, call ⟦PHONE_1⟧ and charge card ⟦CREDIT_CARD_1⟧ today\.$/);
    assert.deepEqual(piiHeader(res.headers.get('x-meridian-pii')), EXPECTED_COUNTS);
    assert.match(res.headers.get('x-meridian-route') ?? '', /^cloudfake\/gpt-4o-mini;/);
  });

  it('the same value gets the same placeholder across the conversation', async () => {
    const from = cloud.requests.length;
    const res = await postChat(gw.url, {
      model: 'assistant',
      messages: [
        { role: 'system', content: `The customer is ${EMAIL}.` },
        { role: 'user', content: PROMPT },
      ],
    });
    assert.equal(res.status, 200);
    assertNoLeak(cloud, from);
    const sent = cloud.requests.at(-1)!.json;
    assert.equal(sent.messages[0].content, 'The customer is ⟦EMAIL_1⟧.');
    assert.match(sent.messages[1].content, /email ⟦EMAIL_1⟧,/);
    assert.deepEqual(piiHeader(res.headers.get('x-meridian-pii')), { ...EXPECTED_COUNTS, email: 2 });
  });

  it('stream: placeholders split across SSE chunks at awkward points are restored', async () => {
    const from = cloud.requests.length;
    const r = await streamChat(gw.url, { model: 'assistant', messages: [{ role: 'user', content: PROMPT }] });
    assert.equal(r.status, 200);
    assert.equal(r.text, `Noted: ${EMAIL} | ${PHONE} | ${CARD}.`);
    assert.doesNotMatch(r.text, /⟦|⟧/);
    assertNoLeak(cloud, from);
    assert.deepEqual(piiHeader(r.headers.get('x-meridian-pii')), EXPECTED_COUNTS);
    // Not buffered whole: the text before the first placeholder arrives in its own chunk.
    const contentChunks = r.chunks.map((c) => c.choices[0]?.delta.content ?? '').filter((t) => t.length > 0);
    assert.ok(contentChunks.length >= 4, `expected several content chunks, got ${JSON.stringify(contentChunks)}`);
    assert.equal(contentChunks[0], 'Noted: ');
    assert.equal(r.chunks.at(-1)!.choices[0]?.finish_reason, 'stop');
  });

  it('non-stream tool call: arguments built from placeholders come back with the real values', async () => {
    const from = cloud.requests.length;
    const res = await postChat(gw.url, { model: 'assistant', messages: [{ role: 'user', content: PROMPT }], tools });
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      choices: Array<{ message: { tool_calls: Array<{ function: { name: string; arguments: string } }> }; finish_reason: string }>;
    };
    const call = body.choices[0]!.message.tool_calls[0]!;
    assert.equal(call.function.name, 'send_invoice');
    assert.deepEqual(JSON.parse(call.function.arguments), { to: EMAIL, phone: PHONE, card: CARD });
    assert.equal(body.choices[0]!.finish_reason, 'tool_calls');
    assertNoLeak(cloud, from);
  });

  it('stream tool call: argument deltas split mid-placeholder are restored', async () => {
    const from = cloud.requests.length;
    const r = await streamChat(gw.url, { model: 'assistant', messages: [{ role: 'user', content: PROMPT }], tools });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.toolArgs), { to: EMAIL, phone: PHONE, card: CARD });
    const first = r.chunks.find((c) => c.choices[0]?.delta.tool_calls?.[0]?.id);
    assert.equal(first?.choices[0]?.delta.tool_calls?.[0]?.function?.name, 'send_invoice');
    assert.equal(r.chunks.at(-1)!.choices[0]?.finish_reason, 'tool_calls');
    assertNoLeak(cloud, from);
  });

  it('the next turn (values in assistant tool-call arguments and tool results) stays pseudonymized too', async () => {
    const from = cloud.requests.length;
    const res = await postChat(gw.url, {
      model: 'assistant',
      tools,
      messages: [
        { role: 'user', content: PROMPT },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'send_invoice', arguments: JSON.stringify({ to: EMAIL, phone: PHONE, card: CARD }) },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: `Invoice sent to ${EMAIL}; card ${CARD} charged.` },
      ],
    });
    assert.equal(res.status, 200);
    assertNoLeak(cloud, from);
    const sent = cloud.requests.at(-1)!.json;
    assert.deepEqual(JSON.parse(sent.messages[1].tool_calls[0].function.arguments), {
      to: '⟦EMAIL_1⟧',
      phone: '⟦PHONE_1⟧',
      card: '⟦CREDIT_CARD_1⟧',
    });
    assert.equal(sent.messages[2].content, 'Invoice sent to ⟦EMAIL_1⟧; card ⟦CREDIT_CARD_1⟧ charged.');
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    assert.equal(body.choices[0]!.message.content, `Noted: ${EMAIL} | ${PHONE} | ${CARD}.`);
  });

  it('the request log holds types and counts, never the values', async () => {
    const res = await fetch(`${gw.url}/admin/requests?limit=100`, { headers: { authorization: `Bearer ${MASTER}` } });
    assert.equal(res.status, 200);
    const text = await res.text();
    const { data } = JSON.parse(text) as { data: Array<{ pii?: Record<string, number>; status: number }> };
    assert.ok(data.length >= 5);
    assert.ok(data.some((e) => e.pii && e.pii.email === 1 && e.pii.phone === 1 && e.pii.credit_card === 1));
    for (const v of LEAK_FORMS) assert.ok(!text.includes(v), `the request log contains '${v}'`);
    assert.doesNotMatch(text, /⟦/);
  });
});

describe('privacy guard in the gateway: local-only, block, fail closed', () => {
  let cloud: FakeUpstream;
  let local: FakeUpstream;
  const gateways: RunningGateway[] = [];

  const providers = () => [
    { id: 'cloudfake', type: 'openai-compatible', baseUrl: `${cloud.url}/v1`, apiKey: 'sk-fake-cloud-key-000000', location: 'cloud' },
    { id: 'localfake', type: 'openai-compatible', baseUrl: `${local.url}/v1`, location: 'local' },
  ];
  /** Cloud first and local second: only the guard can move a request to the local one. */
  const models = () => ({
    assistant: [
      { provider: 'cloudfake', model: 'gpt-4o-mini' },
      { provider: 'localfake', model: 'llama3.2' },
    ],
    'cloud-only': [{ provider: 'cloudfake', model: 'gpt-4o-mini' }],
  });
  const start = async (extra: Record<string, unknown>, overrides?: { guard: Guard }) => {
    const g = await startGateway(
      { providers: providers(), models: models(), router: { healthIntervalMs: 0, retries: 0 }, ...extra },
      { env: { MERIDIAN_MASTER_KEY: MASTER }, ...(overrides ? { overrides } : {}) },
    );
    gateways.push(g);
    return g;
  };

  before(async () => {
    cloud = await startUpstream(cloudHandler);
    local = await startUpstream(localHandler);
  });
  after(async () => {
    for (const g of gateways) await g.close();
    await cloud.close();
    await local.close();
  });

  it('a clean prompt takes the first (cloud) deployment: the alias order is real', async () => {
    const gw = await start({ guard: { defaultAction: 'local-only' } });
    const res = await postChat(gw.url, { model: 'assistant', messages: [{ role: 'user', content: 'What is the capital of France?' }] });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-meridian-route') ?? '', /^cloudfake\//);
    assert.equal(res.headers.get('x-meridian-pii'), null);
  });

  it('local-only: the same prompt goes to the local deployment and the cloud gets nothing', async () => {
    const gw = await start({ guard: { defaultAction: 'pseudonymize', actions: { credit_card: 'local-only' } } });
    const before = cloud.requests.length;
    const res = await postChat(gw.url, { model: 'assistant', messages: [{ role: 'user', content: PROMPT }] });
    assert.equal(res.status, 200);
    assert.equal(cloud.requests.length, before, 'the cloud fake got nothing');
    const route = res.headers.get('x-meridian-route') ?? '';
    assert.match(route, /^localfake\/llama3\.2; reason=guard:local-only/);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    assert.equal(body.choices[0]!.message.content, `local saw: ${PROMPT}`, 'the local engine saw the real prompt');
    assert.equal(local.requests.at(-1)!.json.messages[0].content, PROMPT);
    assert.deepEqual(piiHeader(res.headers.get('x-meridian-pii')), EXPECTED_COUNTS);

    // An alias with no local deployment refuses rather than sending to the cloud (stream too).
    const s = await postChat(gw.url, { model: 'cloud-only', messages: [{ role: 'user', content: PROMPT }], stream: true });
    assert.ok(s.status >= 400, `an alias with only cloud deployments cannot serve a local-only request (got ${s.status})`);
    assert.deepEqual(piiHeader(s.headers.get('x-meridian-pii')), EXPECTED_COUNTS);
    const refusal = await s.text();
    assert.doesNotMatch(refusal, /jane|4111/);
    assert.match(JSON.parse(refusal).error.message, /local-only/);
    assert.equal(cloud.requests.length, before, 'still nothing reached the cloud');
  });

  it('block: a 4xx in the OpenAI error shape naming the types, never the values', async () => {
    const gw = await start({ guard: { defaultAction: 'block' } });
    const before = cloud.requests.length + local.requests.length;
    const res = await postChat(gw.url, { model: 'assistant', messages: [{ role: 'user', content: PROMPT }] });
    assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
    const text = await res.text();
    const body = JSON.parse(text) as { error: { message: string; type: string; code: string; param: unknown } };
    assert.equal(typeof body.error.message, 'string');
    assert.equal(typeof body.error.type, 'string');
    assert.equal(body.error.code, 'pii_blocked');
    assert.ok('param' in body.error);
    for (const t of ['email', 'phone', 'credit_card'])
      assert.ok(body.error.message.includes(t), `message names ${t}: ${body.error.message}`);
    for (const v of LEAK_FORMS) assert.ok(!text.includes(v), `the error contains '${v}'`);
    assert.deepEqual(piiHeader(res.headers.get('x-meridian-pii')), EXPECTED_COUNTS);
    assert.equal(cloud.requests.length + local.requests.length, before, 'no upstream was called');

    const log = await (await fetch(`${gw.url}/admin/requests?limit=10`, { headers: { authorization: `Bearer ${MASTER}` } })).text();
    const entries = JSON.parse(log).data as Array<{ status: number; errorCode?: string; pii?: Record<string, number> }>;
    const blocked = entries.find((e) => e.errorCode === 'pii_blocked');
    assert.ok(blocked, 'the blocked request is logged');
    assert.deepEqual(blocked.pii, EXPECTED_COUNTS);
    for (const v of LEAK_FORMS) assert.ok(!log.includes(v), `the request log contains '${v}'`);
  });

  it('block for one type only: the others do not matter', async () => {
    const gw = await start({ guard: { actions: { credit_card: 'block' } } });
    const ok = await postChat(gw.url, { model: 'assistant', messages: [{ role: 'user', content: `Mail ${EMAIL} please.` }] });
    assert.equal(ok.status, 200);
    const blocked = await postChat(gw.url, { model: 'assistant', messages: [{ role: 'user', content: PROMPT }] });
    assert.equal(blocked.status, 403);
  });

  it('per tenant: a router policy on the guard facts keeps one tenant local while another is pseudonymized', async () => {
    const gw = await start({
      guard: { defaultAction: 'pseudonymize' },
      policies: [{ name: 'acme-pii-stays-local', when: { tenant: 'acme', pii: true }, require: { location: ['local'] } }],
    });
    const keyFor = async (tenant: string) => {
      const r = await fetch(`${gw.url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenant }),
      });
      assert.equal(r.status, 201);
      return ((await r.json()) as { key: string }).key;
    };
    const acme = await keyFor('acme');
    const globex = await keyFor('globex');
    const ask = (key: string) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'assistant', messages: [{ role: 'user', content: PROMPT }] }),
      });
    const before = cloud.requests.length;
    const a = await ask(acme);
    assert.equal(a.status, 200);
    assert.match(a.headers.get('x-meridian-route') ?? '', /^localfake\/llama3\.2; reason=acme-pii-stays-local/);
    assert.equal(cloud.requests.length, before);
    const g = await ask(globex);
    assert.equal(g.status, 200);
    assert.match(g.headers.get('x-meridian-route') ?? '', /^cloudfake\//);
    assertNoLeak(cloud, before);
    assert.equal(
      ((await g.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content,
      `Noted: ${EMAIL} | ${PHONE} | ${CARD}.`,
    );
  });

  it('fails closed: when pseudonymizing fails the request never reaches the cloud', async () => {
    const real = createGuard(guardConfigSchema.parse({ defaultAction: 'pseudonymize' }));
    const broken: Guard = {
      ...real,
      pseudonymize: () => {
        throw pseudonymizeFailed(new Error('forced by the test'));
      },
    };
    const gw = await start({ guard: { defaultAction: 'pseudonymize' } }, { guard: broken });
    const before = cloud.requests.length;

    const res = await postChat(gw.url, { model: 'cloud-only', messages: [{ role: 'user', content: PROMPT }] });
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.equal(JSON.parse(text).error.code, 'guard_error');
    for (const v of LEAK_FORMS) assert.ok(!text.includes(v));
    assert.deepEqual(piiHeader(res.headers.get('x-meridian-pii')), EXPECTED_COUNTS);
    const s = await postChat(gw.url, { model: 'cloud-only', messages: [{ role: 'user', content: PROMPT }], stream: true });
    assert.equal(s.status, 500);
    await s.text();
    assert.equal(cloud.requests.length, before, 'the cloud fake got nothing');

    // With a local deployment behind the cloud one, the request may still run locally.
    const fallback = await postChat(gw.url, { model: 'assistant', messages: [{ role: 'user', content: PROMPT }] });
    assert.equal(fallback.status, 200);
    assert.match(fallback.headers.get('x-meridian-route') ?? '', /^localfake\//);
    assert.equal(cloud.requests.length, before, 'the cloud fake still got nothing');
  });

  it('fails closed: a scan error (guard_error) keeps the request local', async () => {
    const failingScan: Guard = {
      ...createGuard(guardConfigSchema.parse({})),
      inspect: async () => ({ findings: [], counts: { guard_error: 1 }, action: 'local-only' }),
      pseudonymize: () => {
        throw new Error('not reached');
      },
    };
    const gw = await start({}, { guard: failingScan });
    const before = cloud.requests.length;
    const res = await postChat(gw.url, { model: 'assistant', messages: [{ role: 'user', content: PROMPT }] });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-meridian-route') ?? '', /^localfake\//);
    assert.equal(res.headers.get('x-meridian-pii'), 'guard_error=1');
    assert.equal(cloud.requests.length, before);
  });
});
