/**
 * Issue 5, "tokens when the upstream reports none" and "local deployments are priced by a cost
 * model", through the running gateway:
 * - an OpenAI-compatible upstream that omits `usage` (non-stream and stream, even when asked for
 *   `stream_options.include_usage`): Meridian counts the tokens with the o200k tokenizer, prices
 *   them, flags the log entry `tokensEstimated: true`, and still ends the stream with a usage
 *   chunk when the client asked for one;
 * - local deployments priced by `pricing.local` (gpuUsdPerHour / tokensPerSecond / utilization /
 *   promptTokensPerSecond), `{ free: true }`, and a local engine with no cost model (free).
 * The expected counts come from js-tiktoken directly and OpenAI's documented chat overhead
 * (3 tokens per message, 3 to prime the reply: https://cookbook.openai.com/examples/how_to_count_tokens_with_tiktoken).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { getEncoding } from 'js-tiktoken';
import { startUpstream, sendJson, sendSse, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { MASTER, chat, closeTo, costValue, logEntry, usdFor } from '../helpers/cost.js';

const ANSWER = 'The quick brown fox jumps over the lazy dog, twice: once for luck and once for the log.';
const QUESTION = 'Tell me about foxes and dogs in one sentence, please.';
const o200k = getEncoding('o200k_base');
/** Cookbook count: per message 3 + role + content; 3 to prime the reply. */
const PROMPT_TOKENS = 3 + o200k.encode('user').length + o200k.encode(QUESTION).length + 3;
const COMPLETION_TOKENS = o200k.encode(ANSWER).length;

/** The gateway's health monitor probes local engines with GET /v1/models. */
function models(res: ServerResponse): void {
  sendJson(res, 200, { object: 'list', data: [{ id: 'llama-3.1-8b', object: 'model', created: 1, owned_by: 'local' }] });
}

/** An OpenAI-compatible engine that never reports usage (some local engines, some proxies). */
function noUsage(req: RecordedRequest, res: ServerResponse): void | Promise<void> {
  if (req.method === 'GET') return models(res);
  const base = { id: 'chatcmpl-nousage', created: 1741569952, model: req.json.model };
  if (req.json.stream) {
    const words = ANSWER.split(/(?<= )/);
    return sendSse(res, [
      ...words.map((w, i) => ({
        ...base,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: w } : { content: w }, finish_reason: null }],
      })),
      { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      '[DONE]',
    ]);
  }
  return sendJson(res, 200, {
    ...base,
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }],
  });
}

/** A local engine that reports usage: 1,000 prompt tokens, 2,000 completion tokens. */
function withUsage(req: RecordedRequest, res: ServerResponse): void | Promise<void> {
  if (req.method === 'GET') return models(res);
  return sendJson(res, 200, {
    id: 'chatcmpl-local',
    object: 'chat.completion',
    created: 1,
    model: req.json.model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1_000, completion_tokens: 2_000, total_tokens: 3_000 },
  });
}

const DEPLOYMENT_PRICE = { input: 3, output: 12 };

describe('tokens counted when the upstream reports no usage', () => {
  let gw: RunningGateway;
  let bare: FakeUpstream;

  before(async () => {
    bare = await startUpstream(noUsage);
    gw = await startGateway(
      {
        providers: [
          { id: 'proxy', type: 'openai-compatible', baseUrl: `${bare.url}/v1`, location: 'cloud' },
          { id: 'vllm', type: 'openai-compatible', baseUrl: `${bare.url}/v1`, location: 'local' },
        ],
        models: {
          counted: [{ provider: 'proxy', model: 'gpt-4o', price: DEPLOYMENT_PRICE }],
          'local-counted': [{ provider: 'vllm', model: 'llama-3.1-8b' }],
        },
        pricing: {
          // $1.80/h at 500 tokens/s → 1.8 / (500 × 3600) × 1e6 = $1.00 per 1M output tokens.
          local: { vllm: { gpuUsdPerHour: 1.8, tokensPerSecond: 500 } },
        },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  after(async () => {
    await gw.close();
    await bare.close();
  });

  const ask = (alias: string, extra: Record<string, unknown> = {}) =>
    chat(gw.url, { model: alias, messages: [{ role: 'user', content: QUESTION }], ...extra });

  it('non-stream: counts prompt and completion with o200k, prices them, flags the log entry estimated', async () => {
    const r = await ask('counted');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.usage, {
      prompt_tokens: PROMPT_TOKENS,
      completion_tokens: COMPLETION_TOKENS,
      total_tokens: PROMPT_TOKENS + COMPLETION_TOKENS,
    });
    const want = usdFor(DEPLOYMENT_PRICE, { prompt: PROMPT_TOKENS, completion: COMPLETION_TOKENS });
    closeTo(costValue(r.headers['x-meridian-cost-usd']), want, 'header');
    const e = await logEntry(gw.url, r.headers['x-request-id']!);
    assert.equal(e.promptTokens, PROMPT_TOKENS);
    assert.equal(e.completionTokens, COMPLETION_TOKENS);
    assert.equal(e.tokensEstimated, true);
    closeTo(e.costUsd, want, 'log');
  });

  it('stream with include_usage: ends with a synthesized usage chunk, cost trailer from the counted tokens', async () => {
    const r = await ask('counted', { stream: true, stream_options: { include_usage: true } });
    assert.equal(r.status, 200, r.text);
    const text = r.events!.map((e) => e.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, ANSWER);
    const last = r.events!.at(-1);
    assert.deepEqual(last.choices, [], 'the usage chunk has no choices, as OpenAI sends it');
    assert.deepEqual(last.usage, {
      prompt_tokens: PROMPT_TOKENS,
      completion_tokens: COMPLETION_TOKENS,
      total_tokens: PROMPT_TOKENS + COMPLETION_TOKENS,
    });
    const want = usdFor(DEPLOYMENT_PRICE, { prompt: PROMPT_TOKENS, completion: COMPLETION_TOKENS });
    closeTo(costValue(r.trailers['x-meridian-cost-usd']), want, 'trailer');
    const e = await logEntry(gw.url, r.headers['x-request-id']!);
    assert.equal(e.tokensEstimated, true);
    assert.equal(e.completionTokens, COMPLETION_TOKENS);
    closeTo(e.costUsd, want, 'log');
  });

  it('stream without include_usage: no usage chunk for the client, but the log still has the counted tokens', async () => {
    const r = await ask('counted', { stream: true });
    assert.equal(r.status, 200, r.text);
    assert.ok(
      r.events!.every((e) => e.usage === undefined || e.usage === null),
      'no usage chunk unless asked',
    );
    const e = await logEntry(gw.url, r.headers['x-request-id']!);
    assert.equal(e.promptTokens, PROMPT_TOKENS);
    assert.equal(e.completionTokens, COMPLETION_TOKENS);
    assert.equal(e.tokensEstimated, true);
    assert.ok(costValue(r.trailers['x-meridian-cost-usd']) > 0);
  });

  it('a local engine with no usage is counted (o200k estimate) and priced by its GPU cost model', async () => {
    for (const stream of [false, true]) {
      const r = await ask('local-counted', stream ? { stream: true, stream_options: { include_usage: true } } : {});
      assert.equal(r.status, 200, r.text);
      const cost = costValue(stream ? r.trailers['x-meridian-cost-usd'] : r.headers['x-meridian-cost-usd']);
      // $1.00 per 1M output tokens, prompt tokens free (no promptTokensPerSecond).
      closeTo(cost, (COMPLETION_TOKENS * 1.0) / 1e6, `local cost (stream=${stream})`);
      const e = await logEntry(gw.url, r.headers['x-request-id']!);
      assert.equal(e.location, 'local');
      assert.equal(e.tokensEstimated, true);
      assert.equal(e.completionTokens, COMPLETION_TOKENS);
    }
  });
});

describe('local deployments priced by a cost model from config', () => {
  let gw: RunningGateway;
  let engine: FakeUpstream;

  before(async () => {
    engine = await startUpstream(withUsage);
    gw = await startGateway(
      {
        providers: [
          { id: 'tgi', type: 'openai-compatible', baseUrl: `${engine.url}/v1`, location: 'local' },
          { id: 'laptop', type: 'openai-compatible', baseUrl: `${engine.url}/v1`, location: 'local' },
          { id: 'spare', type: 'openai-compatible', baseUrl: `${engine.url}/v1`, location: 'local' },
        ],
        models: {
          priced: [{ provider: 'tgi', model: 'llama-3.1-70b' }],
          free: [{ provider: 'laptop', model: 'llama3.2' }],
          'no-model': [{ provider: 'spare', model: 'qwen2.5' }],
        },
        pricing: {
          local: {
            tgi: { gpuUsdPerHour: 1.99, tokensPerSecond: 200, utilization: 0.5, promptTokensPerSecond: 4_000 },
            laptop: { free: true },
          },
        },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  after(async () => {
    await gw.close();
    await engine.close();
  });

  it('gpuUsdPerHour / (tokensPerSecond × 3600 × utilization) per token, prompt at promptTokensPerSecond', async () => {
    const r = await chat(gw.url, { model: 'priced', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(r.status, 200, r.text);
    const outPerM = (1.99 / (200 * 3600 * 0.5)) * 1e6; // $5.53 per 1M (docs/cost.md example)
    const inPerM = (1.99 / (4_000 * 3600 * 0.5)) * 1e6;
    assert.equal(outPerM.toFixed(2), '5.53');
    const want = (1_000 * inPerM + 2_000 * outPerM) / 1e6;
    closeTo(costValue(r.headers['x-meridian-cost-usd']), want, 'header');
    const e = await logEntry(gw.url, r.headers['x-request-id']!);
    closeTo(e.costUsd, want, 'log');
    assert.equal(e.tokensEstimated, false);
    assert.equal(e.location, 'local');
  });

  it('`{ free: true }` and a local engine with no cost model cost 0', async () => {
    for (const alias of ['free', 'no-model']) {
      const r = await chat(gw.url, { model: alias, messages: [{ role: 'user', content: 'Hi' }] });
      assert.equal(r.status, 200, r.text);
      assert.equal(costValue(r.headers['x-meridian-cost-usd']), 0, alias);
      const e = await logEntry(gw.url, r.headers['x-request-id']!);
      assert.equal(e.costUsd, 0);
      assert.equal(e.completionTokens, 2_000);
    }
  });
});
