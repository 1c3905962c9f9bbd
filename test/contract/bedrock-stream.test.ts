/**
 * Contract tests for the Bedrock adapter's ConverseStream: AWS event-stream binary frames
 * (encoded by the fake with the SDK's codec) → canonical chunks, over real HTTP on 127.0.0.1.
 * Wire format: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html ,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { UpstreamError } from '../../src/errors.js';
import {
  SECRET_ACCESS_KEY,
  chat,
  collectChunks,
  eventFrame,
  exceptionFrame,
  sendEventStream,
  startBedrock,
  useEnvCredentials,
  type BedrockHarness,
} from './fixtures/bedrock/fake-bedrock.js';

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';

const textFrames = () => [
  eventFrame('messageStart', { role: 'assistant' }),
  eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hello' } }),
  eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: ', world' } }),
  eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
  eventFrame('messageStop', { stopReason: 'end_turn' }),
  eventFrame('metadata', { usage: { inputTokens: 11, outputTokens: 4, totalTokens: 15 }, metrics: { latencyMs: 210 } }),
];

describe('bedrock adapter: ConverseStream', () => {
  let h: BedrockHarness;
  before(async () => {
    useEnvCredentials();
    h = await startBedrock((_req, res) => sendEventStream(res, textFrames()));
  });
  after(() => h.close());
  beforeEach(() => {
    h.fake.upstream.requests.length = 0;
    h.fake.signatureFailures.length = 0;
  });

  it('text deltas, one finish chunk, then usage from the metadata event (frames split across writes)', async () => {
    h.fake.setHandler((_req, res) => sendEventStream(res, textFrames(), { split: true }));
    const chunks = await collectChunks(await chat(h, MODEL, { messages: [{ role: 'user', content: 'hi' }], stream: true }));
    const req = h.fake.upstream.requests[0]!;
    assert.equal(req.url, '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream');
    assert.equal(req.headers.accept, 'application/vnd.amazon.eventstream');
    assert.deepEqual(h.fake.signatureFailures, []);
    assert.deepEqual(
      chunks.map((c) => c.choices[0]?.delta ?? null),
      [{ role: 'assistant', content: '' }, { content: 'Hello' }, { content: ', world' }, {}, null],
    );
    assert.equal(chunks[3]!.choices[0]!.finish_reason, 'stop');
    assert.deepEqual(chunks[4]!.usage, { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 });
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
    assert.ok(chunks.every((c) => c.model === MODEL && c.object === 'chat.completion.chunk'));
  });

  it('toolUse: contentBlockStart gives id and name, deltas give argument text, finish is tool_calls', async () => {
    h.fake.setHandler((_req, res) =>
      sendEventStream(res, [
        eventFrame('messageStart', { role: 'assistant' }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Checking.' } }),
        eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
        eventFrame('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_A', name: 'top_song' } } }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"sign":' } } }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '"WZPZ"}' } } }),
        eventFrame('contentBlockStop', { contentBlockIndex: 1 }),
        eventFrame('contentBlockStart', { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tooluse_B', name: 'top_song' } } }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '{"sign":"WKRP"}' } } }),
        eventFrame('contentBlockStop', { contentBlockIndex: 2 }),
        eventFrame('messageStop', { stopReason: 'tool_use' }),
        eventFrame('metadata', { usage: { inputTokens: 300, outputTokens: 50, totalTokens: 350 } }),
      ]),
    );
    const chunks = await collectChunks(
      await chat(h, MODEL, {
        messages: [{ role: 'user', content: 'top songs?' }],
        tools: [{ type: 'function', function: { name: 'top_song', parameters: { type: 'object' } } }],
        stream: true,
      }),
    );
    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    assert.deepEqual(toolDeltas, [
      { index: 0, id: 'tooluse_A', type: 'function', function: { name: 'top_song', arguments: '' } },
      { index: 0, function: { arguments: '{"sign":' } },
      { index: 0, function: { arguments: '"WZPZ"}' } },
      { index: 1, id: 'tooluse_B', type: 'function', function: { name: 'top_song', arguments: '' } },
      { index: 1, function: { arguments: '{"sign":"WKRP"}' } },
    ]);
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    assert.equal(finish.length, 1);
    assert.equal(finish[0]!.choices[0]!.finish_reason, 'tool_calls');
    assert.deepEqual(chunks.at(-1)!.usage, { prompt_tokens: 300, completion_tokens: 50, total_tokens: 350 });
  });

  it('JSON mode: the forced tool streams as content, finish stop', async () => {
    h.fake.setHandler((_req, res) =>
      sendEventStream(res, [
        eventFrame('messageStart', { role: 'assistant' }),
        eventFrame('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 't', name: 'json_response' } } }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"city":' } } }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '"Paris"}' } } }),
        eventFrame('messageStop', { stopReason: 'tool_use' }),
      ]),
    );
    const chunks = await collectChunks(
      await chat(h, MODEL, { messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' }, stream: true }),
    );
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), '{"city":"Paris"}');
    assert.equal(chunks.at(-1)!.choices[0]!.finish_reason, 'stop');
    assert.ok(chunks.every((c) => !c.choices[0]?.delta.tool_calls));
  });

  it('an exception frame mid-stream throws: throttlingException → 429 retryable, scrubbed', async () => {
    h.fake.setHandler((_req, res) =>
      sendEventStream(res, [
        eventFrame('messageStart', { role: 'assistant' }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hel' } }),
        exceptionFrame('throttlingException', `Too many tokens, please wait. (${SECRET_ACCESS_KEY})`),
      ]),
    );
    const result = await chat(h, MODEL, { messages: [{ role: 'user', content: 'x' }], stream: true });
    await assert.rejects(collectChunks(result), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.upstreamStatus, 429);
      assert.equal(err.status, 429);
      assert.ok(err.isRetryable);
      assert.match(err.message, /throttlingException: Too many tokens/);
      assert.ok(!err.message.includes(SECRET_ACCESS_KEY));
      return true;
    });
  });

  it('a body that ends before messageStop is upstream_truncated', async () => {
    h.fake.setHandler((_req, res) => sendEventStream(res, textFrames().slice(0, 3)));
    const result = await chat(h, MODEL, { messages: [{ role: 'user', content: 'x' }], stream: true });
    await assert.rejects(collectChunks(result), (err: unknown) => err instanceof UpstreamError && err.code === 'upstream_truncated');
  });

  it('a frame cut in the middle is upstream_truncated; a corrupt checksum is a 502', async () => {
    h.fake.setHandler((_req, res) => {
      const frames = textFrames();
      const cut = frames[1]!.subarray(0, frames[1]!.length - 7);
      return sendEventStream(res, [frames[0]!, cut]);
    });
    await assert.rejects(
      collectChunks(await chat(h, MODEL, { messages: [{ role: 'user', content: 'x' }], stream: true })),
      (err: unknown) => err instanceof UpstreamError && err.code === 'upstream_truncated',
    );
    h.fake.setHandler((_req, res) => {
      const frames = textFrames();
      const bad = Buffer.from(frames[1]!);
      bad[bad.length - 10]! ^= 0xff; // payload byte: the message CRC no longer matches
      return sendEventStream(res, [frames[0]!, bad, ...frames.slice(2)]);
    });
    await assert.rejects(
      collectChunks(await chat(h, MODEL, { messages: [{ role: 'user', content: 'x' }], stream: true })),
      (err: unknown) => err instanceof UpstreamError && err.status === 502 && /malformed event-stream/.test(err.message),
    );
    h.fake.setHandler((_req, res) => sendEventStream(res, [Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0])]));
    await assert.rejects(
      collectChunks(await chat(h, MODEL, { messages: [{ role: 'user', content: 'x' }], stream: true })),
      (err: unknown) => err instanceof UpstreamError && /length 4294967295/.test(err.message),
    );
  });

  it('returning from the iterator early closes the upstream connection', async () => {
    let closed!: () => void;
    const socketClosed = new Promise<void>((resolve) => (closed = resolve));
    h.fake.setHandler(async (_req, res) => {
      res.on('close', () => closed());
      await sendEventStream(res, textFrames().slice(0, 2), { end: false });
    });
    const result = await chat(h, MODEL, { messages: [{ role: 'user', content: 'x' }], stream: true });
    assert.equal(result.type, 'stream');
    if (result.type !== 'stream') return;
    const it = result.events[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    await it.return?.();
    await socketClosed;
  });
});
