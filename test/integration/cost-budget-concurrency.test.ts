/**
 * Issue 5, "enforcement holds under concurrent requests": 40 requests fired at once against a
 * small hard budget. The fake upstream holds every request it receives until all 40 are either
 * there or rejected, so every budget check happens before any request settles: the number
 * admitted is exactly floor(limit / reserved estimate). Then the overshoot bound of docs/cost.md
 * ("Budgets", Concurrency) is checked against the request log:
 * - with `max_tokens` set and an upstream that honours it, the estimate is the actual: no overshoot;
 * - without `max_tokens` (256 output tokens reserved) and 300 tokens actually produced, spend passes
 *   the limit by at most (requests in flight) × (actual − estimate), and the next request is rejected.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { startUpstream, sendJson, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { MASTER, admin, chat, type ChatReply } from '../helpers/cost.js';
import { quickPromptEstimate } from '../../src/gateway/meter-service.js';

const PRICE = { input: 1000, output: 1000 };
const PROMPT = 8; // "Hi": 3 + 1 (role) + 1 + 3, the cookbook count and the gateway's quick estimate
const UNCAPPED_OUTPUT = 300; // what the engine produces when the client sets no max_tokens
const DEFAULT_RESERVED_OUTPUT = 256; // docs/cost.md: reserved output when the client sets no cap
const FIRED = 40;

const micro = (usd: number) => Math.round(usd * 1e6);
const usdOf = (prompt: number, completion: number) => (prompt * PRICE.input + completion * PRICE.output) / 1e6;

// Estimates, in the integer micro-dollars the budget counters use.
const CAPPED_ESTIMATE = micro(usdOf(PROMPT, 100)); // $0.108
const UNCAPPED_ESTIMATE = micro(usdOf(PROMPT, DEFAULT_RESERVED_OUTPUT)); // $0.264
// Limits that fit 7.5 requests: exactly 7 may be admitted.
const CAPPED_LIMIT = (CAPPED_ESTIMATE * 7.5) / 1e6;
const UNCAPPED_LIMIT = (UNCAPPED_ESTIMATE * 7.5) / 1e6;

describe('a small hard budget under 40 concurrent requests', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  let arrived = 0;
  let release: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();

  before(async () => {
    upstream = await startUpstream(async (req: RecordedRequest, res: ServerResponse) => {
      if (req.method === 'GET') return sendJson(res, 200, { object: 'list', data: [] });
      arrived++;
      await gate;
      const completion = req.json.max_tokens ?? UNCAPPED_OUTPUT;
      sendJson(res, 200, {
        id: 'chatcmpl-c',
        object: 'chat.completion',
        created: 1,
        model: req.json.model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'length' }],
        usage: { prompt_tokens: PROMPT, completion_tokens: completion, total_tokens: PROMPT + completion },
      });
    });
    const deployment = { provider: 'cloud', model: 'gpt-x', price: PRICE };
    gw = await startGateway(
      {
        providers: [{ id: 'cloud', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'cloud' }],
        models: { capped: [deployment], uncapped: [deployment] },
        budgets: [
          { scope: 'alias', match: 'capped', period: 'day', usd: CAPPED_LIMIT, mode: 'hard' },
          { scope: 'alias', match: 'uncapped', period: 'day', usd: UNCAPPED_LIMIT, mode: 'hard' },
        ],
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  after(async () => {
    release();
    await gw.close();
    await upstream.close();
  });

  /** Fires FIRED requests at once; the upstream answers only when every one is admitted or rejected. */
  async function burst(body: Record<string, unknown>): Promise<ChatReply[]> {
    arrived = 0;
    gate = new Promise<void>((r) => (release = r));
    let rejected = 0;
    const all = Array.from({ length: FIRED }, () =>
      chat(gw.url, body).then((r) => {
        if (r.status !== 200) rejected++;
        return r;
      }),
    );
    const t0 = Date.now();
    while (arrived + rejected < FIRED) {
      if (Date.now() - t0 > 10_000) throw new Error(`stuck: ${arrived} arrived, ${rejected} rejected`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const inFlight = arrived;
    release();
    const replies = await Promise.all(all);
    assert.equal(replies.filter((r) => r.status === 200).length, inFlight);
    return replies;
  }

  async function spentOn(alias: string): Promise<number> {
    const { data } = await admin(gw.url, `/admin/requests?alias=${alias}&status=200&limit=1000`);
    return (data as Array<{ costUsd: number }>).reduce((s, e) => s + micro(e.costUsd), 0);
  }

  it('the estimate used below is the gateway’s', () => {
    assert.equal(quickPromptEstimate({ model: 'capped', messages: [{ role: 'user', content: 'Hi' }] }), PROMPT);
  });

  it('max_tokens set: exactly floor(limit / estimate) admitted, no overshoot', async () => {
    const replies = await burst({ model: 'capped', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 100 });
    const admitted = replies.filter((r) => r.status === 200).length;
    assert.equal(admitted, Math.floor(micro(CAPPED_LIMIT) / CAPPED_ESTIMATE));
    assert.equal(admitted, 7);
    for (const r of replies.filter((x) => x.status !== 200)) {
      assert.equal(r.status, 429);
      assert.equal(r.json.error.code, 'budget_exceeded');
    }
    const spent = await spentOn('capped');
    assert.equal(spent, admitted * CAPPED_ESTIMATE);
    assert.ok(spent <= micro(CAPPED_LIMIT), `spent ${spent} ≤ limit ${micro(CAPPED_LIMIT)}`);
  });

  it('no max_tokens: 256 output tokens reserved; overshoot ≤ in-flight × (actual − estimate)', async () => {
    const replies = await burst({ model: 'uncapped', messages: [{ role: 'user', content: 'Hi' }] });
    const admitted = replies.filter((r) => r.status === 200).length;
    assert.equal(admitted, Math.floor(micro(UNCAPPED_LIMIT) / UNCAPPED_ESTIMATE));
    const actual = micro(usdOf(PROMPT, UNCAPPED_OUTPUT));
    const spent = await spentOn('uncapped');
    assert.equal(spent, admitted * actual);
    const overshoot = spent - micro(UNCAPPED_LIMIT);
    assert.ok(overshoot > 0, 'the engine produced more than was reserved, so spend passed the limit');
    assert.ok(overshoot <= admitted * (actual - UNCAPPED_ESTIMATE), `overshoot ${overshoot} within the documented bound`);
    const after = await chat(gw.url, { model: 'uncapped', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(after.status, 429, 'a spent budget rejects the next request');
  });
});
