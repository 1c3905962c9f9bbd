/**
 * Contract tests for Gemini streaming (`streamGenerateContent?alt=sse`) over real HTTP.
 * Wire format: https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UpstreamError } from '../../src/errors.js';
import { sendSse } from '../helpers/upstream.js';
import { API_KEY, chat, collectChunks, fixture, startGemini, type GeminiHarness } from './fixtures/gemini/harness.js';

describe('gemini adapter: streaming', () => {
  let h: GeminiHarness;
  before(async () => {
    h = await startGemini((_req, res) =>
      sendSse(
        res,
        fixture<unknown[]>('stream-text.sse.json').map((data) => ({ data })),
      ),
    );
  });
  after(() => h.close());

  it('streams text: role first, text deltas, one finish chunk, then one usage chunk', async () => {
    h.upstream.setHandler((_req, res) =>
      sendSse(
        res,
        fixture<unknown[]>('stream-text.sse.json').map((data) => ({ data })),
        5,
      ),
    );
    const chunks = await collectChunks(await chat(h, { messages: [{ role: 'user', content: 'Explain AI' }], stream: true }));
    const sent = h.upstream.requests.at(-1)!;
    assert.equal(sent.url, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    assert.equal(sent.headers['x-goog-api-key'], API_KEY);
    assert.equal(sent.json.stream, undefined, 'the canonical stream flag is not a Gemini field');

    assert.deepEqual(chunks[0]!.choices[0]!.delta, { role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, 'AI learns patterns from data to make predictions.');
    const finishes = chunks.filter((c) => c.choices[0]?.finish_reason);
    assert.equal(finishes.length, 1);
    assert.equal(finishes[0]!.choices[0]!.finish_reason, 'stop');
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, {
      prompt_tokens: 8,
      completion_tokens: 42,
      total_tokens: 50,
      completion_tokens_details: { reasoning_tokens: 30 },
    });
    assert.equal(chunks.indexOf(finishes[0]!), chunks.length - 2, 'finish comes right before usage');
    assert.ok(chunks.every((c) => c.id === 'chatcmpl-st1aaPTxK7ix1dkP7Zmr0003' && c.object === 'chat.completion.chunk'));
  });

  it('streams a function call as one tool-call delta with id, name and arguments', async () => {
    h.upstream.setHandler((_req, res) =>
      sendSse(
        res,
        fixture<unknown[]>('stream-function-call.sse.json').map((data) => ({ data })),
      ),
    );
    const chunks = await collectChunks(
      await chat(h, {
        messages: [{ role: 'user', content: 'Dim the lights' }],
        stream: true,
        tools: [
          {
            type: 'function',
            function: { name: 'set_light_values', parameters: { type: 'object', properties: { brightness: { type: 'integer' } } } },
          },
        ],
      }),
    );
    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    assert.equal(toolDeltas.length, 1);
    const d = toolDeltas[0]!;
    assert.equal(d.index, 0);
    assert.match(d.id ?? '', /^call-/);
    assert.equal(d.type, 'function');
    assert.equal(d.function?.name, 'set_light_values');
    assert.deepEqual(JSON.parse(d.function?.arguments ?? ''), { brightness: 25, color_temp: 'warm' });
    const finishes = chunks.filter((c) => c.choices[0]?.finish_reason);
    assert.deepEqual(
      finishes.map((c) => c.choices[0]!.finish_reason),
      ['tool_calls'],
    );
    assert.equal(chunks.at(-1)!.usage?.total_tokens, 132);
  });

  it('streams thought parts as reasoning_content', async () => {
    h.upstream.setHandler((_req, res) =>
      sendSse(res, [
        { data: { candidates: [{ content: { role: 'model', parts: [{ text: 'Thinking about primes.', thought: true }] } }] } },
        { data: { candidates: [{ content: { role: 'model', parts: [{ text: 'Eight.' }] }, finishReason: 'STOP' }] } },
      ]),
    );
    const chunks = await collectChunks(await chat(h, { messages: [{ role: 'user', content: 'primes < 20?' }], stream: true }));
    assert.equal(chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? '').join(''), 'Thinking about primes.');
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Eight.');
    assert.ok(
      chunks.every((c) => c.choices.length === 1),
      'no usage chunk when upstream sent no usageMetadata',
    );
  });

  it('maps a MAX_TOKENS stream end to length', async () => {
    h.upstream.setHandler((_req, res) =>
      sendSse(res, [{ data: { candidates: [{ content: { role: 'model', parts: [{ text: 'Cut' }] }, finishReason: 'MAX_TOKENS' }] } }]),
    );
    const chunks = await collectChunks(await chat(h, { messages: [{ role: 'user', content: 'x' }], stream: true, max_tokens: 1 }));
    assert.deepEqual(
      chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0]!.finish_reason),
      ['length'],
    );
  });

  it('ends a blocked prompt stream with content_filter', async () => {
    h.upstream.setHandler((_req, res) =>
      sendSse(res, [
        { data: { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } } },
      ]),
    );
    const chunks = await collectChunks(await chat(h, { messages: [{ role: 'user', content: 'x' }], stream: true }));
    assert.deepEqual(
      chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0]!.finish_reason),
      ['content_filter'],
    );
    assert.equal(chunks.at(-1)!.usage?.prompt_tokens, 5);
  });

  it('throws an UpstreamError for an error event mid-stream', async () => {
    h.upstream.setHandler((_req, res) =>
      sendSse(res, [
        { data: { candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] } }] } },
        { data: { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } } },
      ]),
    );
    const result = await chat(h, { messages: [{ role: 'user', content: 'x' }], stream: true });
    await assert.rejects(collectChunks(result), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.upstreamStatus, 503);
      assert.match(err.message, /overloaded/);
      assert.ok(err.isRetryable);
      return true;
    });
  });

  it('throws when the stream ends before a finishReason (truncated upstream)', async () => {
    h.upstream.setHandler((_req, res) =>
      sendSse(res, [{ data: { candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] } }] } }]),
    );
    const result = await chat(h, { messages: [{ role: 'user', content: 'x' }], stream: true });
    await assert.rejects(collectChunks(result), (err: unknown) => err instanceof UpstreamError && /before it finished/.test(err.message));
  });
});
