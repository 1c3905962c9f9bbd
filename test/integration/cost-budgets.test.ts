/**
 * Issue 5, budgets through the running gateway: config budgets per tenant, key and alias, per day
 * and month, in USD and tokens, in each mode — `hard` (429 budget_exceeded naming the budget, its
 * limit and the reset, with Retry-After), `soft` (served, with x-meridian-budget-warning) and
 * `downgrade` (served by the alias's local deployment once the budget is spent) — and an API
 * key's own budget set through POST /admin/keys.
 *
 * Every request asks "Hi" with `max_tokens: 100`; the fake upstream reports 8 prompt tokens (the
 * cookbook count of that message, which is also the gateway's quick estimate) and `max_tokens`
 * completion tokens, so the reserved estimate equals the settled actual and the arithmetic below
 * is exact. At $1,000 per 1M tokens one request is 108 tokens = $0.108.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import { startUpstream, sendJson, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { MASTER, admin, chat, logEntry } from '../helpers/cost.js';
import { quickPromptEstimate } from '../../src/gateway/meter-service.js';
import { periodWindow } from '../../src/meter/budgets.js';

const PRICE = { input: 1000, output: 1000 };
const ASK = { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 100 };
const PROMPT = 8;
const TOKENS_PER_REQUEST = PROMPT + ASK.max_tokens;
const USD_PER_REQUEST = (PROMPT * PRICE.input + ASK.max_tokens * PRICE.output) / 1e6;

function engine(req: RecordedRequest, res: ServerResponse): void {
  if (req.method === 'GET') return sendJson(res, 200, { object: 'list', data: [{ id: 'm', object: 'model', created: 1, owned_by: 'x' }] });
  const completion = req.json.max_tokens ?? req.json.max_completion_tokens ?? 300;
  sendJson(res, 200, {
    id: 'chatcmpl-budget',
    object: 'chat.completion',
    created: 1,
    model: req.json.model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'length' }],
    usage: { prompt_tokens: PROMPT, completion_tokens: completion, total_tokens: PROMPT + completion },
  });
}

async function gatewayWith(
  upstream: FakeUpstream,
  budgets: unknown[],
  models?: Record<string, unknown>,
  logger?: Logger,
): Promise<RunningGateway> {
  return startGateway(
    {
      providers: [
        { id: 'cloud', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'cloud' },
        { id: 'local', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' },
      ],
      models: models ?? {
        chat: [{ provider: 'cloud', model: 'gpt-x', price: PRICE }],
        metered: [{ provider: 'cloud', model: 'gpt-x', price: PRICE }],
      },
      budgets,
    },
    { env: { MERIDIAN_MASTER_KEY: MASTER }, ...(logger ? { logger } : {}) },
  );
}

async function newKey(url: string, body: Record<string, unknown>): Promise<{ key: string; id: string }> {
  return admin(url, '/admin/keys', body);
}

/** Asserts the 429 a hard budget gives: code, message (budget, limit, reset) and Retry-After. */
function assertRejected(r: Awaited<ReturnType<typeof chat>>, budget: string, limit: string, period: 'day' | 'month'): void {
  assert.equal(r.status, 429, r.text);
  assert.equal(r.json.error.code, 'budget_exceeded');
  assert.equal(r.json.error.type, 'rate_limit_error');
  const msg: string = r.json.error.message;
  assert.ok(msg.includes(budget), `names the budget: ${msg}`);
  assert.ok(msg.includes(limit), `names the limit: ${msg}`);
  const { resetAt } = periodWindow(period, new Date());
  assert.ok(msg.includes(resetAt.toISOString()), `names the reset: ${msg}`);
  const retryAfter = Number(r.headers['retry-after']);
  const expected = (resetAt.getTime() - Date.now()) / 1000;
  assert.ok(Math.abs(retryAfter - expected) <= 5, `Retry-After ${retryAfter} ≈ ${expected}`);
}

describe('hard budgets', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;

  before(async () => {
    upstream = await startUpstream(engine);
    gw = await gatewayWith(upstream, [
      { scope: 'tenant', match: 'acme', period: 'day', usd: 0.25, mode: 'hard' },
      { scope: 'alias', match: 'metered', period: 'month', tokens: 300, mode: 'hard' },
    ]);
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it("the gateway's estimate of the test prompt is the upstream's count (so these numbers are exact)", () => {
    assert.equal(quickPromptEstimate({ model: 'chat', ...ASK } as never), PROMPT);
  });

  it('per tenant, daily, USD: two $0.108 requests fit $0.25, the third is rejected; another tenant is not', async () => {
    const acme = await newKey(gw.url, { tenant: 'acme' });
    const beta = await newKey(gw.url, { tenant: 'beta' });
    const fit = Math.floor(0.25 / USD_PER_REQUEST);
    assert.equal(fit, 2);
    for (let i = 0; i < fit; i++) assert.equal((await chat(gw.url, { model: 'chat', ...ASK }, acme.key)).status, 200);
    assertRejected(await chat(gw.url, { model: 'chat', ...ASK }, acme.key), "tenant 'acme' daily USD budget", '$0.25', 'day');
    assert.equal((await chat(gw.url, { model: 'chat', ...ASK }, beta.key)).status, 200, 'tenant beta has no budget');
    const { data } = await admin(gw.url, '/admin/requests?tenant=acme&limit=100');
    const spent = (data as Array<{ status: number; costUsd?: number }>)
      .filter((e) => e.status === 200)
      .reduce((s, e) => s + (e.costUsd ?? 0), 0);
    assert.ok(spent <= 0.25, `acme spent $${spent}, within its budget`);
    assert.ok(
      data.some((e: { status: number; errorCode?: string }) => e.status === 429 && e.errorCode === 'budget_exceeded'),
      'the rejection is logged',
    );
  });

  it('per alias, monthly, tokens: 108-token requests against 300 tokens', async () => {
    const key = await newKey(gw.url, { tenant: 'gamma' });
    const fit = Math.floor(300 / TOKENS_PER_REQUEST);
    for (let i = 0; i < fit; i++) assert.equal((await chat(gw.url, { model: 'metered', ...ASK }, key.key)).status, 200);
    assertRejected(
      await chat(gw.url, { model: 'metered', ...ASK }, key.key),
      "alias 'metered' monthly token budget",
      '300 tokens',
      'month',
    );
    assert.equal((await chat(gw.url, { model: 'chat', ...ASK }, key.key)).status, 200, 'other aliases are not affected');
  });

  it("a key's own budget (POST /admin/keys budget {usd, period}) is enforced, hard by default", async () => {
    const k = await newKey(gw.url, { tenant: 'delta', budget: { usd: 0.15, period: 'day' } });
    assert.equal((await chat(gw.url, { model: 'chat', ...ASK }, k.key)).status, 200);
    assertRejected(await chat(gw.url, { model: 'chat', ...ASK }, k.key), `API key '${k.id}' daily USD budget`, '$0.15', 'day');
    const other = await newKey(gw.url, { tenant: 'delta' });
    assert.equal((await chat(gw.url, { model: 'chat', ...ASK }, other.key)).status, 200, 'the same tenant with another key is not limited');
  });

  it("a key's own token budget, per month", async () => {
    const k = await newKey(gw.url, { tenant: 'eps', budget: { tokens: 250, period: 'month' } });
    assert.equal((await chat(gw.url, { model: 'chat', ...ASK }, k.key)).status, 200);
    assert.equal((await chat(gw.url, { model: 'chat', ...ASK }, k.key)).status, 200);
    assertRejected(await chat(gw.url, { model: 'chat', ...ASK }, k.key), `API key '${k.id}' monthly token budget`, '250 tokens', 'month');
  });
});

describe('soft budgets', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  const logLines: Array<Record<string, unknown>> = [];

  before(async () => {
    upstream = await startUpstream(engine);
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
    gw = await gatewayWith(
      upstream,
      [
        { scope: 'key', period: 'month', tokens: 250, mode: 'soft' },
        { name: 'team spend', scope: 'tenant', match: 'soft-co', period: 'day', usd: 0.2, mode: 'soft' },
      ],
      undefined,
      logger,
    );
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('per key, monthly, tokens: served, with a warning once spend + estimate passes the limit', async () => {
    const k = await newKey(gw.url, { tenant: 'other' });
    const warnings: Array<string | undefined> = [];
    for (let i = 0; i < 4; i++) {
      const r = await chat(gw.url, { model: 'chat', ...ASK }, k.key);
      assert.equal(r.status, 200, r.text);
      warnings.push(r.headers['x-meridian-budget-warning']);
    }
    // Spent before request n: 108 × n; warned when 108 × n + 108 > 250, i.e. from the third on.
    assert.deepEqual(
      warnings.map((w) => w !== undefined),
      [false, false, true, true],
    );
    assert.match(
      warnings[2]!,
      new RegExp(`key '${k.id}' monthly token budget 250 tokens at 86%; resets ${periodWindow('month', new Date()).resetAt.toISOString()}`),
    );
    assert.match(warnings[3]!, /at 130%/);
  });

  it('per tenant, daily, USD, with a name: the warning uses the name', async () => {
    const k = await newKey(gw.url, { tenant: 'soft-co' });
    assert.equal((await chat(gw.url, { model: 'chat', ...ASK }, k.key)).headers['x-meridian-budget-warning'], undefined);
    const r = await chat(gw.url, { model: 'chat', ...ASK }, k.key);
    assert.equal(r.status, 200);
    assert.match(r.headers['x-meridian-budget-warning'] ?? '', /^team spend USD budget \$0\.20 at 54%; resets /);
    const logged = logLines.find((l) => l.msg === 'budget warning' && l.requestId === r.headers['x-request-id']);
    assert.ok(logged, 'a soft budget warning is logged');
    assert.equal(logged.tenant, 'soft-co');
    assert.match(String((logged.budgets as string[])[0]), /^team spend USD budget/);
  });
});

describe('downgrade budgets', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;

  before(async () => {
    upstream = await startUpstream(engine);
    gw = await gatewayWith(
      upstream,
      [
        { scope: 'alias', match: 'hybrid', period: 'day', usd: 0.15, mode: 'downgrade' },
        { scope: 'alias', match: 'cloud-only', period: 'month', usd: 0.15, mode: 'downgrade' },
      ],
      {
        hybrid: [
          { provider: 'cloud', model: 'gpt-x', price: PRICE },
          { provider: 'local', model: 'llama' },
        ],
        'cloud-only': [{ provider: 'cloud', model: 'gpt-x', price: PRICE }],
      },
    );
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('cloud first; once the budget is spent the alias is served by its local deployment', async () => {
    const first = await chat(gw.url, { model: 'hybrid', ...ASK });
    assert.equal(first.status, 200);
    assert.match(first.headers['x-meridian-route']!, /^cloud\/gpt-x;/);
    assert.equal(first.headers['x-meridian-budget-warning'], undefined);
    for (let i = 0; i < 2; i++) {
      const r = await chat(gw.url, { model: 'hybrid', ...ASK });
      assert.equal(r.status, 200, r.text);
      assert.match(r.headers['x-meridian-route']!, /^local\/llama;/);
      assert.match(
        r.headers['x-meridian-budget-warning'] ?? '',
        /alias 'hybrid' daily USD budget \$0\.15 at 72%; routed to local deployments until /,
      );
      assert.equal(Number(r.headers['x-meridian-cost-usd']), 0, 'the local engine has no cost model: free');
    }
    const seen = upstream.requests.filter((q) => q.method === 'POST').map((q) => q.json.model);
    assert.deepEqual(seen, ['gpt-x', 'llama', 'llama']);
    const e = await logEntry(gw.url, (await chat(gw.url, { model: 'hybrid', ...ASK })).headers['x-request-id']!);
    assert.equal(e.routeReason, 'budget:downgrade');
    assert.equal(e.location, 'local');
  });

  it('an alias with no local deployment: a spent downgrade budget rejects like a hard one (429, not 503)', async () => {
    assert.equal((await chat(gw.url, { model: 'cloud-only', ...ASK })).status, 200);
    const r = await chat(gw.url, { model: 'cloud-only', ...ASK });
    assertRejected(r, "alias 'cloud-only' monthly USD budget $0.15", "'cloud-only' has no local deployment", 'month');
  });
});
