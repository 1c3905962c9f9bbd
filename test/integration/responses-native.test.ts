/**
 * The Responses API passed through to OpenAI deployments (issue #13, docs/responses.md "Native
 * pass-through to OpenAI"), end to end with the official `openai` client against a fake OpenAI
 * upstream that serves `POST /v1/responses` in the documented shapes (test/fixtures/openai-responses/,
 * https://platform.openai.com/docs/api-reference/responses/object ,
 * https://platform.openai.com/docs/api-reference/responses-streaming): the upstream gets the
 * client's body (model, store: false), the guard pseudonymizes it and restores the answer (a
 * placeholder split across two deltas included), usage is metered into the header and the log, a
 * failing native deployment falls back to a translated one, `responsesApi: translate` opts out, a
 * native answer is stored and continued with previous_response_id on either path, and text the
 * inspection never saw sends the attempt through translation.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { request } from 'undici';
import { startUpstream, sendJson, sendSse, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { MASTER, admin, closeTo, costValue, logEntry, usdFor } from '../helpers/cost.js';

const EMAIL = 'jane.doe@example.com';
const PLACEHOLDER = /⟦[A-Z0-9_]+⟧/g;
const PRICE = { input: 2, cachedInput: 0.5, output: 8 }; // USD per 1M tokens
const FIXTURE_TEXT = 'Hi there!';

type Json = Record<string, any>;
const fixture = (name: string): any => JSON.parse(readFileSync(new URL(`../fixtures/openai-responses/${name}`, import.meta.url), 'utf8'));

/** The fixture with its answer text replaced by `pieces` joined; each delta event repeated once per piece. */
function render(template: unknown, pieces: string[]): any {
  const whole = JSON.stringify(pieces.join('')).slice(1, -1);
  const filled = JSON.parse(JSON.stringify(template).replaceAll(FIXTURE_TEXT, whole));
  if (!Array.isArray(template)) return filled;
  const out: Json[] = [];
  for (const ev of filled as Json[]) {
    if (typeof ev.data.delta === 'string') for (const p of pieces) out.push({ event: ev.event, data: { ...ev.data, delta: p } });
    else out.push(ev);
  }
  return out;
}

/** A fake OpenAI: `/v1/responses` echoes the placeholder it received (split inside it when streaming); chat completions for translated attempts. */
function fakeOpenAI(req: RecordedRequest, res: Parameters<Parameters<typeof startUpstream>[0]>[1]) {
  const b = req.json as Json;
  const seen = req.body.match(PLACEHOLDER)?.[0] ?? 'nobody';
  if (req.url === '/v1/responses') {
    if (b.model === 'gpt-broken') return sendJson(res, 500, { error: { message: 'overloaded', type: 'server_error' } });
    if (b.model === 'gpt-midfail') {
      const started = fixture('text-stream.json').slice(0, 5);
      const failed = {
        type: 'response.failed',
        sequence_number: 5,
        response: { status: 'failed', error: { code: 'server_error', message: 'died' } },
      };
      return sendSse(res, [...started, { event: 'response.failed', data: failed }]);
    }
    if (b.model === 'gpt-nousage') return sendJson(res, 200, { ...render(fixture('response.json'), ['Some words here.']), usage: null });
    const calling = Array.isArray(b.tools) && b.tools.length > 0;
    const text = calling ? JSON.stringify({ to: seen }) : `Writing to ${seen}.`;
    // A placeholder split across two deltas: `…⟦EM` | `AIL_1⟧.`
    const cut = text.includes('⟦') ? text.indexOf('⟦') + 3 : 4;
    const pieces = [text.slice(0, cut), text.slice(cut)];
    if (b.stream) return sendSse(res, render(fixture(calling ? 'call-stream.json' : 'text-stream.json'), pieces));
    const body = render(fixture('response.json'), [text]);
    if (calling)
      body.output = [{ type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'send_mail', arguments: text, status: 'completed' }];
    body.instructions = b.instructions ?? null;
    return sendJson(res, 200, body);
  }
  const answer = `Translated for ${seen}.`;
  if (b.stream)
    return sendSse(res, [
      {
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: b.model,
        choices: [{ index: 0, delta: { content: answer }, finish_reason: null }],
      },
      { id: 'c', object: 'chat.completion.chunk', created: 1, model: b.model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      '[DONE]',
    ]);
  return sendJson(res, 200, {
    id: 'c',
    object: 'chat.completion',
    created: 1,
    model: b.model,
    choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  });
}

const mail = {
  type: 'function' as const,
  name: 'send_mail',
  description: 'Sends a mail',
  parameters: { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] },
  strict: true,
};

describe('Responses API pass-through to OpenAI deployments', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  let client: OpenAI;
  let key: string;
  const sinceMark = () => {
    const n = upstream.requests.length;
    return () => upstream.requests.slice(n);
  };

  before(async () => {
    upstream = await startUpstream(fakeOpenAI);
    const base = `${upstream.url}/v1`;
    gw = await startGateway(
      {
        providers: [
          { id: 'oai', type: 'openai', baseUrl: base, apiKey: 'sk-fake-openai-000000', location: 'cloud' },
          {
            id: 'oaitr',
            type: 'openai',
            baseUrl: base,
            apiKey: 'sk-fake-openai-000000',
            location: 'cloud',
            options: { responsesApi: 'translate' },
          },
          { id: 'compat', type: 'openai-compatible', baseUrl: base, location: 'cloud' },
          { id: 'vllm', type: 'openai-compatible', baseUrl: base, location: 'cloud', options: { responsesApi: 'native' } },
        ],
        models: {
          gpt: [{ provider: 'oai', model: 'gpt-native', price: PRICE, capabilities: { tools: true } }],
          fallback: [
            { provider: 'oai', model: 'gpt-broken', price: PRICE },
            { provider: 'compat', model: 'compat-model', price: PRICE },
          ],
          optout: [{ provider: 'oaitr', model: 'gpt-translated', price: PRICE }],
          optin: [{ provider: 'vllm', model: 'vllm-native', price: PRICE }],
          midfail: [{ provider: 'oai', model: 'gpt-midfail', price: PRICE }],
          nousage: [{ provider: 'oai', model: 'gpt-nousage', price: PRICE }],
        },
        guard: { defaultAction: 'pseudonymize' },
        // No same-deployment retry: a failed native attempt goes straight to the next deployment.
        router: { healthIntervalMs: 0, retries: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    key = ((await admin(gw.url, '/admin/keys', { tenant: 'acme' })) as { key: string }).key;
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('sends the client body to /responses, pseudonymized, and restores the answer; usage priced in the header and the log', async () => {
    const sent = sinceMark();
    const { data, response } = await client.responses
      .create({ model: 'gpt', instructions: `Reply to ${EMAIL}.`, input: `Write to ${EMAIL} today`, metadata: { app: 't' } })
      .withResponse();
    const [up] = sent();
    assert.equal(up?.url, '/v1/responses');
    assert.equal(up.json.model, 'gpt-native');
    assert.equal(up.json.store, false);
    assert.deepEqual(up.json.metadata, { app: 't' });
    assert.ok(!up.body.includes(EMAIL), 'no real value upstream');
    assert.match(up.json.input, /^Write to ⟦EMAIL_1⟧ today$/);
    assert.equal(up.json.instructions, 'Reply to ⟦EMAIL_1⟧.');
    assert.equal('previous_response_id' in up.json, false);

    assert.equal(data.output_text, `Writing to ${EMAIL}.`);
    assert.equal(data.instructions, `Reply to ${EMAIL}.`, 'the echo is restored too');
    assert.match(data.id, /^resp_[0-9a-f]{32}$/, "Meridian's own id, not the upstream's");
    assert.equal((data as unknown as Json).store, true);
    assert.equal(data.model, 'gpt-4.1-2025-04-14');
    assert.equal(data.usage?.input_tokens, 36);
    assert.match(response.headers.get('x-meridian-route') ?? '', /^oai\/gpt-native/);
    assert.match(response.headers.get('x-meridian-pii') ?? '', /email/);

    const usd = usdFor(PRICE, { prompt: 36, cached: 4, completion: 87 });
    closeTo(costValue(response.headers.get('x-meridian-cost-usd') ?? undefined), usd, 'header');
    const e = await logEntry(gw.url, response.headers.get('x-request-id')!);
    assert.equal(e.status, 200);
    assert.equal(e.deployment, 'oai/gpt-native');
    assert.equal(e.promptTokens, 36);
    assert.equal(e.completionTokens, 87);
    assert.equal(e.cachedTokens, 4);
    closeTo(e.costUsd, usd, 'log');
  });

  it('restores function-call arguments in a non-stream answer', async () => {
    const sent = sinceMark();
    const data = await client.responses.create({ model: 'gpt', input: `Mail ${EMAIL}`, tools: [mail] });
    const up = sent()[0]!;
    assert.deepEqual(up.json.tools, [mail], 'tools pass through in the Responses shape');
    const call = data.output.find((o) => o.type === 'function_call');
    assert.ok(call?.type === 'function_call');
    assert.deepEqual(JSON.parse(call.arguments), { to: EMAIL });
  });

  it('streams the documented events, restoring a placeholder split across two deltas', async () => {
    const sent = sinceMark();
    const { data: stream, response } = await client.responses
      .create({ model: 'gpt', input: `Write to ${EMAIL}`, stream: true, store: false })
      .withResponse();
    const events: Json[] = [];
    for await (const ev of stream) events.push(ev as Json);
    const up = sent()[0]!;
    assert.equal(up.url, '/v1/responses');
    assert.equal(up.json.stream, true);
    assert.ok(!up.body.includes(EMAIL));

    assert.deepEqual(
      [...new Set(events.map((e) => e.type))],
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    assert.deepEqual(
      events.map((e) => e.sequence_number),
      events.map((_, i) => i),
    );
    const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta as string);
    assert.equal(deltas.join(''), `Writing to ${EMAIL}.`);
    assert.ok(!JSON.stringify(events).match(PLACEHOLDER), 'no placeholder reaches the client');
    const done = events.find((e) => e.type === 'response.output_text.done')!;
    assert.equal(done.text, `Writing to ${EMAIL}.`);
    const completed = events.at(-1)!.response as Json;
    assert.equal(completed.store, false);
    assert.equal(completed.id, events[0]!.response.id, 'one id across the stream');
    assert.equal(completed.output[0].content[0].text, `Writing to ${EMAIL}.`);

    const e = await logEntry(gw.url, response.headers.get('x-request-id')!);
    assert.equal(e.stream, true);
    assert.equal(e.promptTokens, 36);
    assert.equal(e.completionTokens, 87);
    closeTo(e.costUsd, usdFor(PRICE, { prompt: 36, cached: 4, completion: 87 }), 'log');
    assert.equal(typeof e.ttftMs, 'number');
  });

  it('streams function-call argument deltas restored (JSON text) and prices the stream in the trailer', async () => {
    const res = await request(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'gpt', input: `Mail ${EMAIL}`, tools: [mail], stream: true }),
    });
    const text = await res.body.text();
    assert.equal(res.statusCode, 200, text);
    const events = text
      .split('\n\n')
      .filter((b) => b.includes('data: '))
      .map((b) => JSON.parse(b.slice(b.indexOf('data: ') + 6)) as Json);
    const args = events
      .filter((e) => e.type === 'response.function_call_arguments.delta')
      .map((e) => e.delta)
      .join('');
    assert.deepEqual(JSON.parse(args), { to: EMAIL });
    assert.deepEqual(JSON.parse(events.find((e) => e.type === 'response.function_call_arguments.done')!.arguments), { to: EMAIL });
    assert.ok(!PLACEHOLDER.test(text));
    closeTo(
      costValue((res.trailers as Record<string, string>)['x-meridian-cost-usd']),
      usdFor(PRICE, { prompt: 36, cached: 4, completion: 87 }),
      'trailer',
    );
  });

  it('falls back from a failing native deployment to a translated one', async () => {
    const sent = sinceMark();
    const { data, response } = await client.responses.create({ model: 'fallback', input: `Hi ${EMAIL}` }).withResponse();
    const urls = sent().map((r) => r.url);
    assert.deepEqual(urls, ['/v1/responses', '/v1/chat/completions']);
    assert.ok(!sent().some((r) => r.body.includes(EMAIL)), 'both attempts pseudonymized');
    assert.equal(data.output_text, `Translated for ${EMAIL}.`);
    assert.match(response.headers.get('x-meridian-route') ?? '', /^compat\/compat-model/);
    const e = await logEntry(gw.url, response.headers.get('x-request-id')!);
    assert.deepEqual(
      (e.attempts as Json[]).map((a) => [a.deployment, a.ok]),
      [
        ['oai/gpt-broken', false],
        ['compat/compat-model', true],
      ],
    );
  });

  it('ends the stream with an error event when the upstream fails mid-stream, logged as failed', async () => {
    // The SDK hands the documented error event to the caller, and there is no final response.
    const stream = client.responses.stream({ model: 'midfail', input: 'Hi' });
    const events: Json[] = [];
    for await (const ev of stream) events.push(ev as Json);
    assert.ok(events.some((e) => e.type === 'response.output_text.delta'));
    assert.equal(events.at(-1)!.type, 'error');
    assert.match(events.at(-1)!.message, /failed mid-stream: died/);
    assert.ok(!events.some((e) => e.type === 'response.completed'));
    await assert.rejects(stream.finalResponse());
    const { data } = await admin(gw.url, '/admin/requests?limit=1000');
    const e = (data as Json[]).find((x) => x.alias === 'midfail')!;
    assert.equal(e.status, 502);
    assert.equal(e.tokensEstimated, true, 'the streamed text is counted');
  });

  it('counts tokens when the native answer has no usage, and says so in the answer and the log', async () => {
    const { data, response } = await client.responses.create({ model: 'nousage', input: 'Hi' }).withResponse();
    assert.equal(data.output_text, 'Some words here.');
    assert.ok((data.usage?.output_tokens ?? 0) > 0);
    const e = await logEntry(gw.url, response.headers.get('x-request-id')!);
    assert.equal(e.tokensEstimated, true);
    assert.equal(e.completionTokens, data.usage?.output_tokens);
  });

  it('translates for an OpenAI provider with responsesApi: translate, passes through for an opted-in compatible one', async () => {
    const sent = sinceMark();
    const out = await client.responses.create({ model: 'optout', input: 'Hi' });
    assert.equal(out.output_text, 'Translated for nobody.');
    const inn = await client.responses.create({ model: 'optin', input: 'Hi' });
    assert.equal(inn.output_text, 'Writing to nobody.');
    assert.deepEqual(
      sent().map((r) => [r.url, r.json.model]),
      [
        ['/v1/chat/completions', 'gpt-translated'],
        ['/v1/responses', 'vllm-native'],
      ],
    );
  });

  it('stores a native answer; previous_response_id continues natively (expanded into items) and translated', async () => {
    const first = await client.responses.create({ model: 'gpt', instructions: 'Be brief.', input: `Remember ${EMAIL}` });
    assert.equal((first as unknown as Json).store, true);
    const got = await client.responses.retrieve(first.id);
    assert.equal(got.output_text, `Writing to ${EMAIL}.`, 'the stored object is the restored one');

    const sent = sinceMark();
    const native = await client.responses.create({ model: 'gpt', previous_response_id: first.id, input: 'And again?' });
    const up = sent()[0]!;
    assert.equal(up.url, '/v1/responses');
    assert.equal('previous_response_id' in up.json, false, 'Meridian expands it');
    assert.equal('instructions' in up.json, false, 'earlier instructions are not carried over');
    assert.deepEqual(up.json.input, [
      { role: 'user', content: 'Remember ⟦EMAIL_1⟧' },
      { role: 'assistant', content: 'Writing to ⟦EMAIL_1⟧.' },
      { role: 'user', content: 'And again?' },
    ]);
    assert.equal(native.previous_response_id, first.id);
    assert.equal(native.output_text, `Writing to ${EMAIL}.`);

    const sent2 = sinceMark();
    const translated = await client.responses.create({ model: 'optout', previous_response_id: native.id, input: 'Last one' });
    const up2 = sent2()[0]!;
    assert.equal(up2.url, '/v1/chat/completions');
    assert.deepEqual(
      (up2.json.messages as Json[]).map((m) => m.content),
      ['Remember ⟦EMAIL_1⟧', 'Writing to ⟦EMAIL_1⟧.', 'And again?', 'Writing to ⟦EMAIL_1⟧.', 'Last one'],
    );
    assert.equal(translated.output_text, `Translated for ${EMAIL}.`);
  });

  it('translates when the body carries text the inspection did not see and it has findings (a reasoning summary)', async () => {
    const sent = sinceMark();
    const data = await client.responses.create({
      model: 'gpt',
      input: [
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: `The user is ${EMAIL}` }] },
        { role: 'user', content: 'Hello' },
      ],
    } as never);
    const up = sent()[0]!;
    assert.equal(up.url, '/v1/chat/completions');
    assert.ok(!up.body.includes(EMAIL));
    assert.equal(data.output_text, 'Translated for nobody.');
  });
});
