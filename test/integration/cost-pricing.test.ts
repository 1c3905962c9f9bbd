/**
 * Issue 5, "price every request": through the running gateway, for a deployment of each catalog
 * provider type (openai, anthropic, gemini) the `x-meridian-cost-usd` header (non-stream) and
 * trailer (stream) equal the catalog price × the usage the upstream reported, with cached input
 * and reasoning tokens priced as docs/cost.md says, and the request log holds the same cost.
 * Wire shapes: OpenAI https://platform.openai.com/docs/api-reference/chat/object (usage with
 * prompt_tokens_details / completion_tokens_details); Anthropic
 * https://docs.anthropic.com/en/api/messages and .../build-with-claude/prompt-caching (cache_read_input_tokens);
 * Gemini https://ai.google.dev/api/generate-content#UsageMetadata (cachedContentTokenCount, thoughtsTokenCount).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { startUpstream, sendJson, sendSse, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { MASTER, catalogPrice, chat, closeTo, costValue, logEntry, usdFor, type UsageFacts } from '../helpers/cost.js';

// OpenAI: 10,000 prompt tokens of which 4,000 cached; 1,000 completion tokens of which 600 reasoning.
function openai(req: RecordedRequest, res: ServerResponse): void | Promise<void> {
  const usage = {
    prompt_tokens: 10_000,
    completion_tokens: 1_000,
    total_tokens: 11_000,
    prompt_tokens_details: { cached_tokens: 4_000, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 600, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  const base = {
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    created: 1741569952,
    model: 'o4-mini-2025-04-16',
    system_fingerprint: 'fp_1',
  };
  if (req.json.stream) {
    return sendSse(res, [
      { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'Hello from openai' }, finish_reason: null }] },
      { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { ...base, object: 'chat.completion.chunk', choices: [], usage },
      '[DONE]',
    ]);
  }
  return sendJson(res, 200, {
    ...base,
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from openai', refusal: null }, finish_reason: 'stop' }],
    usage,
  });
}

// Anthropic: 2,000 uncached input tokens + 8,000 read from the cache; 500 output tokens (thinking included).
function anthropic(req: RecordedRequest, res: ServerResponse): void | Promise<void> {
  const b = req.json;
  if (b.stream) {
    return sendSse(res, [
      {
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            content: [],
            model: b.model,
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 2_000, cache_creation_input_tokens: 0, cache_read_input_tokens: 8_000, output_tokens: 1 },
          },
        },
      },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } } },
      {
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'The user greets me.' } },
      },
      {
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM' } },
      },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } } },
      {
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hello from anthropic' } },
      },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 1 } },
      {
        event: 'message_delta',
        data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 500 } },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
  }
  return sendJson(res, 200, {
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: b.model,
    content: [
      { type: 'thinking', thinking: 'The user greets me.', signature: 'EqQBCgIYAhIM' },
      { type: 'text', text: 'Hello from anthropic' },
    ],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 2_000, cache_creation_input_tokens: 0, cache_read_input_tokens: 8_000, output_tokens: 500 },
  });
}

// Gemini: 10,000 prompt tokens (6,000 of them cached), 400 candidate tokens + 1,200 thinking tokens.
// The `long` model answers with a 250,000-token prompt, past Gemini 2.5 Pro's 200K long-context threshold.
function gemini(req: RecordedRequest, res: ServerResponse): void | Promise<void> {
  const long = req.url.includes('gemini-2.5-pro');
  const usageMetadata = long
    ? { promptTokenCount: 250_000, candidatesTokenCount: 1_000, totalTokenCount: 251_000 }
    : {
        promptTokenCount: 10_000,
        cachedContentTokenCount: 6_000,
        candidatesTokenCount: 400,
        thoughtsTokenCount: 1_200,
        totalTokenCount: 11_600,
      };
  const done = { content: { parts: [{ text: 'gemini' }], role: 'model' }, finishReason: 'STOP', index: 0 };
  if (req.url.includes(':streamGenerateContent')) {
    return sendSse(res, [
      { candidates: [{ content: { parts: [{ text: 'Hello from ' }], role: 'model' }, index: 0 }], modelVersion: 'gemini-2.5-flash' },
      { candidates: [done], usageMetadata, modelVersion: 'gemini-2.5-flash' },
    ]);
  }
  return sendJson(res, 200, {
    candidates: [{ ...done, content: { parts: [{ text: 'Hello from gemini' }], role: 'model' } }],
    usageMetadata,
    modelVersion: 'gemini-2.5-flash',
  });
}

interface Case {
  alias: string;
  type: string;
  model: string;
  usage: UsageFacts;
  cached?: number;
  reasoning?: number;
  /** Which rate table applies (long-context rates for huge Gemini 2.5 Pro prompts). */
  price?: (p: ReturnType<typeof catalogPrice>) => { input: number; cachedInput?: number; output: number };
}

const cases: Case[] = [
  {
    alias: 'oa',
    type: 'openai',
    model: 'o4-mini',
    usage: { prompt: 10_000, cached: 4_000, completion: 1_000 },
    cached: 4_000,
    reasoning: 600,
  },
  {
    alias: 'anth',
    type: 'anthropic',
    model: 'claude-sonnet-4-5-20250929',
    usage: { prompt: 10_000, cached: 8_000, completion: 500 },
    cached: 8_000,
  },
  // Gemini reports thinking apart from candidates; the bill counts both as output: 400 + 1,200.
  {
    alias: 'gem',
    type: 'gemini',
    model: 'gemini-2.5-flash',
    usage: { prompt: 10_000, cached: 6_000, completion: 1_600 },
    cached: 6_000,
    reasoning: 1_200,
  },
  {
    alias: 'gem-long',
    type: 'gemini',
    model: 'gemini-2.5-pro',
    usage: { prompt: 250_000, completion: 1_000 },
    price: (p) => p.longContext!,
  },
];

describe('cost of a request for each catalog provider, through the gateway', () => {
  let gw: RunningGateway;
  const upstreams: FakeUpstream[] = [];

  before(async () => {
    const [oa, an, ge] = await Promise.all([startUpstream(openai), startUpstream(anthropic), startUpstream(gemini)]);
    upstreams.push(oa!, an!, ge!);
    gw = await startGateway(
      {
        providers: [
          { id: 'oa', type: 'openai', baseUrl: `${oa!.url}/v1`, apiKey: 'sk-test-abcdef', location: 'cloud' },
          { id: 'anth', type: 'anthropic', baseUrl: an!.url, apiKey: 'sk-ant-test-abcdef', location: 'cloud' },
          { id: 'gem', type: 'gemini', baseUrl: `${ge!.url}/v1beta`, apiKey: 'gem-test-abcdef', location: 'cloud' },
        ],
        models: Object.fromEntries(
          cases.map((c) => [c.alias, [{ provider: c.type === 'openai' ? 'oa' : c.type === 'anthropic' ? 'anth' : 'gem', model: c.model }]]),
        ),
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  after(async () => {
    await gw.close();
    await Promise.all(upstreams.map((u) => u.close()));
  });

  for (const c of cases) {
    const expected = () => {
      const entry = catalogPrice(c.type, c.model);
      return usdFor(c.price ? c.price(entry) : entry, c.usage);
    };

    it(`${c.type} ${c.model}: x-meridian-cost-usd header and the request log`, async () => {
      const want = expected();
      assert.ok(want > 0);
      const r = await chat(gw.url, { model: c.alias, messages: [{ role: 'user', content: 'Hi' }] });
      assert.equal(r.status, 200, r.text);
      closeTo(costValue(r.headers['x-meridian-cost-usd']), want, 'header');
      assert.equal(r.json.usage.prompt_tokens, c.usage.prompt);
      assert.equal(r.json.usage.completion_tokens, c.usage.completion);
      const e = await logEntry(gw.url, r.headers['x-request-id']!);
      closeTo(e.costUsd, want, 'log costUsd');
      assert.equal(e.promptTokens, c.usage.prompt);
      assert.equal(e.completionTokens, c.usage.completion);
      assert.equal(e.cachedTokens, c.cached);
      assert.equal(e.reasoningTokens, c.reasoning);
      assert.equal(e.tokensEstimated, false);
      assert.equal(e.location, 'cloud');
    });

    it(`${c.type} ${c.model}: x-meridian-cost-usd trailer on a stream`, async () => {
      const want = expected();
      const r = await chat(gw.url, {
        model: c.alias,
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['trailer'], 'x-meridian-cost-usd');
      assert.equal(r.headers['x-meridian-cost-usd'], undefined, 'a stream sends the cost as a trailer, not a header');
      closeTo(costValue(r.trailers['x-meridian-cost-usd']), want, 'trailer');
      const usage = r.events!.at(-1).usage;
      assert.equal(usage.prompt_tokens, c.usage.prompt);
      assert.equal(usage.completion_tokens, c.usage.completion);
      const e = await logEntry(gw.url, r.headers['x-request-id']!);
      closeTo(e.costUsd, want, 'log costUsd');
      assert.equal(e.stream, true);
      assert.equal(e.cachedTokens, c.cached);
      assert.equal(e.tokensEstimated, false);
    });
  }

  it('the worked example of docs/cost.md holds for the catalog (gpt-4o, 4,000 of 10,000 cached, 1,000 out = $0.030)', () => {
    closeTo(usdFor(catalogPrice('openai', 'gpt-4o'), { prompt: 10_000, cached: 4_000, completion: 1_000 }), 0.03, 'gpt-4o example');
  });
});
