/**
 * /v1/responses is metered, logged and budgeted like chat (it runs the same pipeline): the cost
 * header (non-stream) and trailer (stream) match the price of the upstream's usage, the request
 * log has the tokens and the cost, and a spent hard budget is a 429 in the OpenAI envelope.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startUpstream, sendJson, sendSse, type FakeUpstream } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { MASTER, admin, closeTo, costValue, logEntry } from '../helpers/cost.js';

const PRICE = { input: 1000, output: 2000 }; // USD per 1M tokens
const USAGE = { prompt_tokens: 40, completion_tokens: 10, total_tokens: 50 };
const USD = (40 * PRICE.input + 10 * PRICE.output) / 1e6;

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-x',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

async function post(url: string, key: string, body: Record<string, unknown>) {
  const res = await request(`${url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  const header = (k: string) => String(res.headers[k] ?? '');
  return { status: res.statusCode, header, trailers: res.trailers as Record<string, string>, text };
}

describe('Responses API accounting', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  let key: string;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      if (req.json?.stream)
        return sendSse(res, [
          chunk({ role: 'assistant', content: 'ok' }),
          chunk({}, 'stop'),
          { ...chunk({}), choices: [], usage: USAGE },
          '[DONE]',
        ]);
      return sendJson(res, 200, {
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-x',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: USAGE,
      });
    });
    gw = await startGateway(
      {
        providers: [{ id: 'cloud', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'cloud' }],
        models: { chat: [{ provider: 'cloud', model: 'gpt-x', price: PRICE }] },
        // Three requests' worth of tokens (each reserves its estimate, ~8 + max_output_tokens): the fourth is refused.
        budgets: [{ scope: 'tenant', match: 'acme', period: 'day', tokens: 150, mode: 'hard' }],
        router: { healthIntervalMs: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    key = ((await admin(gw.url, '/admin/keys', { tenant: 'acme' })) as { key: string }).key;
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('prices a response in the header and the log', async () => {
    const r = await post(gw.url, key, { model: 'chat', input: 'Hi', max_output_tokens: 10 });
    assert.equal(r.status, 200, r.text);
    closeTo(costValue(r.header('x-meridian-cost-usd')), USD, 'header');
    const e = await logEntry(gw.url, r.header('x-request-id'));
    assert.equal(e.status, 200);
    assert.equal(e.promptTokens, 40);
    assert.equal(e.completionTokens, 10);
    closeTo(e.costUsd, USD, 'log');
  });

  it('prices a stream in the trailer and the log', async () => {
    const r = await post(gw.url, key, { model: 'chat', input: 'Hi', max_output_tokens: 10, stream: true });
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /event: response\.completed/);
    closeTo(costValue(r.trailers['x-meridian-cost-usd']), USD, 'trailer');
    const e = await logEntry(gw.url, r.header('x-request-id'));
    assert.equal(e.completionTokens, 10);
    closeTo(e.costUsd, USD, 'log');
  });

  it('refuses once the budget is spent: 429 budget_exceeded in the OpenAI envelope', async () => {
    assert.equal((await post(gw.url, key, { model: 'chat', input: 'Hi', max_output_tokens: 10 })).status, 200);
    const r = await post(gw.url, key, { model: 'chat', input: 'Hi', max_output_tokens: 10 });
    assert.equal(r.status, 429, r.text);
    const body = JSON.parse(r.text) as { error: { code: string; type: string } };
    assert.equal(body.error.code, 'budget_exceeded');
    assert.equal(body.error.type, 'rate_limit_error');
  });
});
