/**
 * Issue #10 item 14, "downgrade and soft budgets reserve nothing": 40 requests fired at once
 * against a small `downgrade` budget all ran on the cloud (spending $0.72 of $0.10). Every mode
 * now reserves at check time, so only the requests whose reservations fit run on the cloud and the
 * rest go to the local deployment. Both fake upstreams hold every request until all 40 have
 * arrived at one of them (an event, not a timer), so every budget check happens before any
 * request settles and the split is exact: floor(limit / estimate) on the cloud.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { startUpstream, sendJson, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { MASTER, admin, chat } from '../helpers/cost.js';

const PRICE = { input: 1000, output: 1000 };
const PROMPT = 8; // "Hi": the gateway's quick estimate (see cost-budget-concurrency.test.ts)
const MAX_TOKENS = 100;
const FIRED = 40;
const ESTIMATE_MICRO = PROMPT * PRICE.input + MAX_TOKENS * PRICE.output; // micro-dollars: $0.108 a request
const LIMIT = (ESTIMATE_MICRO * 7.5) / 1e6; // fits 7.5 reservations

describe('a small downgrade budget under 40 concurrent requests', () => {
  let cloud: FakeUpstream;
  let local: FakeUpstream;
  let gw: RunningGateway;
  let arrived = 0;
  let allArrived: () => void = () => {};
  let everyoneHere: Promise<void> = Promise.resolve();

  const engine = async (req: RecordedRequest, res: ServerResponse): Promise<void> => {
    if (req.method === 'GET') return sendJson(res, 200, { object: 'list', data: [] });
    if (++arrived === FIRED) allArrived();
    await everyoneHere;
    sendJson(res, 200, {
      id: 'chatcmpl-d',
      object: 'chat.completion',
      created: 1,
      model: req.json.model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'length' }],
      usage: { prompt_tokens: PROMPT, completion_tokens: req.json.max_tokens, total_tokens: PROMPT + req.json.max_tokens },
    });
  };

  before(async () => {
    everyoneHere = new Promise<void>((r) => (allArrived = r));
    cloud = await startUpstream(engine);
    local = await startUpstream(engine);
    gw = await startGateway(
      {
        providers: [
          { id: 'cloud', type: 'openai-compatible', baseUrl: `${cloud.url}/v1`, location: 'cloud' },
          { id: 'local', type: 'openai-compatible', baseUrl: `${local.url}/v1`, location: 'local' },
        ],
        models: {
          chat: [
            { provider: 'cloud', model: 'gpt-x', price: PRICE },
            { provider: 'local', model: 'llama', price: { input: 0, output: 0 } },
          ],
        },
        router: { healthIntervalMs: 0 },
        budgets: [{ scope: 'alias', match: 'chat', period: 'day', usd: LIMIT, mode: 'downgrade' }],
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  after(async () => {
    allArrived();
    await gw.close();
    await cloud.close();
    await local.close();
  });

  it('only the requests whose reservations fit run on the cloud; cloud spend stays within the budget', async () => {
    const replies = await Promise.all(
      Array.from({ length: FIRED }, () =>
        chat(gw.url, { model: 'chat', messages: [{ role: 'user', content: 'Hi' }], max_tokens: MAX_TOKENS }),
      ),
    );
    assert.ok(replies.every((r) => r.status === 200));
    const onCloud = replies.filter((r) => r.headers['x-meridian-route']?.startsWith('cloud/gpt-x'));
    const onLocal = replies.filter((r) => r.headers['x-meridian-route']?.startsWith('local/llama'));
    assert.equal(onCloud.length, 7);
    assert.equal(onLocal.length, FIRED - 7);
    assert.ok(onLocal.every((r) => /budget:downgrade/.test(r.headers['x-meridian-route'] ?? '')));
    const { data } = await admin(gw.url, '/admin/requests?alias=chat&status=200&limit=1000');
    const spent = (data as Array<{ costUsd: number }>).reduce((s, e) => s + e.costUsd, 0);
    assert.ok(spent <= LIMIT + 1e-9, `spent $${spent} of $${LIMIT}`);
  });
});
