/**
 * Ollama NDJSON streaming → canonical chunks, over a fake Ollama on 127.0.0.1.
 * Fixtures: https://github.com/ollama/ollama/blob/main/docs/api.md#chat-request-streaming ,
 * https://docs.ollama.com/capabilities/thinking , https://docs.ollama.com/api/errors
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ChatChunk, ChatRequest } from '../../src/api/types.js';
import { UpstreamError } from '../../src/errors.js';
import { ollamaAdapter } from '../../src/providers/ollama/index.js';
import type { ProviderHandle } from '../../src/providers/spec.js';
import { sendNdjson, startUpstream, type FakeUpstream } from '../helpers/upstream.js';
import { collectChunks, fixtureLines, ollamaDeployment, ollamaHandle, signal } from './ollama-fixtures.js';

let upstream: FakeUpstream;
let handle: ProviderHandle;

before(async () => {
  upstream = await startUpstream((_req, res) => sendNdjson(res, []));
  handle = ollamaHandle(upstream.url);
});
after(async () => {
  await handle.http.close();
  await upstream.close();
});

async function stream(request: ChatRequest): Promise<AsyncIterable<{ chunk: ChatChunk }>> {
  const result = await ollamaAdapter.chat({
    request: { ...request, stream: true },
    deployment: ollamaDeployment(handle, request.model),
    signal: signal(),
  });
  assert.equal(result.type, 'stream');
  if (result.type !== 'stream') throw new Error('unreachable');
  return result.events;
}

test('text stream: role chunk, content deltas, one finish chunk, one usage chunk', async () => {
  upstream.setHandler((_req, res) => sendNdjson(res, fixtureLines('chat-stream.ndjson'), 2));
  const chunks = await collectChunks(await stream({ model: 'llama3.2', messages: [{ role: 'user', content: 'why is the sky blue?' }] }));
  assert.equal(upstream.requests.at(-1)!.json.stream, true);

  const ids = new Set(chunks.map((c) => c.id));
  assert.equal(ids.size, 1, 'one id for the whole stream');
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'llama3.2'));
  assert.equal(chunks[0]!.created, Math.floor(Date.parse('2023-08-04T08:52:19.385406455-07:00') / 1000));

  assert.deepEqual(chunks[0]!.choices, [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  const text = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');
  assert.equal(text, 'The sky is blue.');
  const finishes = chunks.filter((c) => c.choices.some((ch) => ch.finish_reason !== null));
  assert.equal(finishes.length, 1);
  assert.equal(finishes[0]!.choices[0]!.finish_reason, 'stop');
  const last = chunks.at(-1)!;
  assert.deepEqual(last.choices, []);
  assert.deepEqual(last.usage, { prompt_tokens: 26, completion_tokens: 282, total_tokens: 308 });
  assert.equal(chunks.indexOf(finishes[0]!), chunks.length - 2, 'finish comes right before usage');
});

test('thinking deltas, whole tool calls (one delta each), finish_reason tool_calls', async () => {
  upstream.setHandler((_req, res) => sendNdjson(res, fixtureLines('chat-stream-thinking-tools.ndjson')));
  const chunks = await collectChunks(
    await stream({ model: 'qwen3', messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], reasoning_effort: 'high' }),
  );
  assert.equal(upstream.requests.at(-1)!.json.think, 'high');
  const deltas = chunks.flatMap((c) => c.choices.map((ch) => ch.delta));
  assert.equal(deltas.map((d) => d.reasoning_content ?? '').join(''), 'The user wants the weather in Paris and Tokyo.');
  assert.equal(deltas.map((d) => d.content ?? '').join(''), 'Checking both.');
  // reasoning comes before content, as Ollama streams it
  const firstReasoning = deltas.findIndex((d) => d.reasoning_content);
  const firstContent = deltas.findIndex((d) => d.content);
  assert.ok(firstReasoning > 0 && firstReasoning < firstContent);

  const toolDeltas = deltas.flatMap((d) => d.tool_calls ?? []);
  assert.equal(toolDeltas.length, 2);
  assert.deepEqual(
    toolDeltas.map((t) => t.index),
    [0, 1],
  );
  for (const t of toolDeltas) {
    assert.match(t.id ?? '', /^call-/);
    assert.equal(t.type, 'function');
    assert.equal(t.function?.name, 'get_current_weather');
  }
  assert.notEqual(toolDeltas[0]!.id, toolDeltas[1]!.id);
  assert.deepEqual(JSON.parse(toolDeltas[0]!.function!.arguments!), { format: 'celsius', location: 'Paris, FR' });
  assert.deepEqual(JSON.parse(toolDeltas[1]!.function!.arguments!), { format: 'celsius', location: 'Tokyo, JP' });

  const finish = chunks.flatMap((c) => c.choices).filter((ch) => ch.finish_reason !== null);
  assert.deepEqual(
    finish.map((f) => f.finish_reason),
    ['tool_calls'],
  );
  assert.deepEqual(chunks.at(-1)!.usage, { prompt_tokens: 122, completion_tokens: 57, total_tokens: 179 });
});

test('an {"error"} line mid-stream throws UpstreamError after the deltas before it', async () => {
  upstream.setHandler((_req, res) => sendNdjson(res, fixtureLines('chat-stream-error.ndjson')));
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const e of await stream({ model: 'gemma3', messages: [{ role: 'user', content: 'hi' }] })) {
        for (const ch of e.chunk.choices) if (ch.delta.content) seen.push(ch.delta.content);
      }
    })(),
    (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.match(err.message, /an error was encountered while running the model/);
      assert.equal(err.isRetryable, true);
      return true;
    },
  );
  assert.deepEqual(seen, [' Yes', '.']);
});

test('a stream that ends without its done line is an error, not a clean end', async () => {
  upstream.setHandler((_req, res) => sendNdjson(res, fixtureLines('chat-stream.ndjson').slice(0, 2)));
  await assert.rejects(collectChunks(await stream({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] })), (err: unknown) => {
    assert.ok(err instanceof UpstreamError);
    assert.match(err.message, /before it was done/);
    return true;
  });
});

test('a final line without counts yields no usage chunk', async () => {
  upstream.setHandler((_req, res) =>
    sendNdjson(res, [
      { model: 'llama3.2', created_at: '2024-01-01T00:00:00Z', message: { role: 'assistant', content: 'ok' }, done: false },
      {
        model: 'llama3.2',
        created_at: '2024-01-01T00:00:01Z',
        message: { role: 'assistant', content: '' },
        done_reason: 'length',
        done: true,
      },
    ]),
  );
  const chunks = await collectChunks(await stream({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }));
  assert.ok(
    chunks.every((c) => c.choices.length === 1),
    'no usage chunk',
  );
  assert.equal(chunks.at(-1)!.choices[0]!.finish_reason, 'length');
});
