/**
 * Issue #10 item 14, through the running gateway: a cloud model missing from the price catalog is
 * no longer free. With `pricing.unknownModel: estimate` it is charged the fallback price, so a
 * USD budget holds (before: 20 of 20 requests passed a $0.01 budget at $0.00 each); the request
 * log keeps "tokens estimated" false when the upstream reported usage. Embeddings deployments are
 * priced from the catalog (before: $0).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { startUpstream, sendJson, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { MASTER, catalogPrice, chat, closeTo, costValue, logEntry } from '../helpers/cost.js';
import { DEFAULT_ESTIMATE_PRICE } from '../../src/meter/config.js';

const PROMPT = 8;
const COMPLETION = 10;
const EMBEDDED = 1_000;

function upstream(req: RecordedRequest, res: ServerResponse): void {
  if (req.method === 'GET') return sendJson(res, 200, { object: 'list', data: [] });
  if (req.url.endsWith('/embeddings')) {
    // https://platform.openai.com/docs/api-reference/embeddings/object
    return sendJson(res, 200, {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
      model: req.json.model,
      usage: { prompt_tokens: EMBEDDED, total_tokens: EMBEDDED },
    });
  }
  sendJson(res, 200, {
    id: 'chatcmpl-unknown',
    object: 'chat.completion',
    created: 1,
    model: req.json.model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'length' }],
    usage: { prompt_tokens: PROMPT, completion_tokens: COMPLETION, total_tokens: PROMPT + COMPLETION },
  });
}

describe('models with no known price', () => {
  let up: FakeUpstream;
  let gw: RunningGateway;
  const LIMIT = 0.01;

  before(async () => {
    up = await startUpstream(upstream);
    gw = await startGateway(
      {
        providers: [
          { id: 'acme', type: 'openai-compatible', baseUrl: `${up.url}/v1`, location: 'cloud' },
          { id: 'openai', type: 'openai', baseUrl: `${up.url}/v1`, apiKey: 'sk-test-abcdef', location: 'cloud' },
        ],
        models: {
          mystery: [{ provider: 'acme', model: 'mystery-model-9000' }],
          embed: [{ provider: 'openai', model: 'text-embedding-3-small' }],
        },
        pricing: { unknownModel: 'estimate' },
        budgets: [{ scope: 'alias', match: 'mystery', period: 'day', usd: LIMIT, mode: 'hard' }],
        router: { healthIntervalMs: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  it('are charged the fallback price, so a $0.01 budget stops them, and the log says the tokens were reported', async () => {
    const perRequest = (PROMPT * DEFAULT_ESTIMATE_PRICE.input + COMPLETION * DEFAULT_ESTIMATE_PRICE.output) / 1e6;
    const statuses: number[] = [];
    let firstId: string | undefined;
    let spent = 0;
    for (let i = 0; i < 20; i++) {
      const r = await chat(gw.url, { model: 'mystery', messages: [{ role: 'user', content: 'Hi' }], max_tokens: COMPLETION }, MASTER);
      statuses.push(r.status);
      if (r.status !== 200) continue;
      firstId ??= r.headers['x-request-id'];
      const cost = costValue(r.headers['x-meridian-cost-usd']);
      closeTo(cost, perRequest, 'cost at the fallback price');
      spent += cost;
    }
    const served = statuses.filter((s) => s === 200).length;
    assert.ok(served > 0 && served < 20, `served ${served} of 20`);
    assert.equal(served, Math.floor(LIMIT / perRequest));
    assert.ok(
      statuses.slice(served).every((s) => s === 429),
      'the rest are refused by the budget',
    );
    assert.ok(spent <= LIMIT, `spent $${spent} of $${LIMIT}`);
    const entry = await logEntry(gw.url, firstId!);
    assert.equal(entry.tokensEstimated ?? false, false, 'the upstream reported usage: tokens are not estimated');
  });

  it('embeddings are priced from the catalog', async () => {
    const res = await fetch(`${gw.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER}` },
      body: JSON.stringify({ model: 'embed', input: 'hello' }),
    });
    assert.equal(res.status, 200);
    const expected = (EMBEDDED * catalogPrice('openai', 'text-embedding-3-small').input) / 1e6;
    assert.ok(expected > 0);
    closeTo(costValue(res.headers.get('x-meridian-cost-usd') ?? undefined), expected, 'embeddings cost');
  });
});

describe('models with no known price, default policy', () => {
  it('are refused (403 price_unknown naming the deployment) under a USD budget, and served (estimated) without one', async () => {
    const up = await startUpstream(upstream);
    const gw = await startGateway(
      {
        providers: [{ id: 'acme', type: 'openai-compatible', baseUrl: `${up.url}/v1`, location: 'cloud' }],
        models: {
          mystery: [{ provider: 'acme', model: 'mystery-model-9000' }],
          free: [{ provider: 'acme', model: 'mystery-model-9000' }],
        },
        budgets: [{ scope: 'alias', match: 'mystery', period: 'day', usd: 5, mode: 'hard' }],
        router: { healthIntervalMs: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    try {
      const refused = await chat(gw.url, { model: 'mystery', messages: [{ role: 'user', content: 'Hi' }] }, MASTER);
      assert.equal(refused.status, 403, refused.text);
      assert.equal(refused.json.error.code, 'price_unknown');
      assert.match(refused.json.error.message, /acme\/mystery-model-9000/);
      assert.equal(up.requests.filter((r) => r.method === 'POST').length, 0, 'nothing was sent upstream');

      const served = await chat(gw.url, { model: 'free', messages: [{ role: 'user', content: 'Hi' }] }, MASTER);
      assert.equal(served.status, 200, served.text);
      assert.ok(costValue(served.headers['x-meridian-cost-usd']) > 0, 'charged the fallback price, not $0');
      const entry = await logEntry(gw.url, served.headers['x-request-id']!);
      assert.equal(entry.costEstimated, true);
      assert.equal(entry.tokensEstimated ?? false, false);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
