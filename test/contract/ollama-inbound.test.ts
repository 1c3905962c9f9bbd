/**
 * The reverse direction (src/providers/ollama/inbound.ts): a fake Ollama built from it serves the
 * Ollama adapter over 127.0.0.1, so canonical → Ollama wire → canonical must round-trip.
 * Request shapes follow https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatChunk, ChatRequest, ChatResponse } from '../../src/api/types.js';
import { InvalidRequestError, UpstreamError } from '../../src/errors.js';
import {
  canonicalResponseToOllama,
  canonicalStreamToOllamaLines,
  ollamaChatRequestToCanonical,
} from '../../src/providers/ollama/inbound.js';
import { ollamaAdapter } from '../../src/providers/ollama/index.js';
import type { ProviderHandle } from '../../src/providers/spec.js';
import { sendJson, sendNdjson, startUpstream, type FakeUpstream } from '../helpers/upstream.js';
import { collectChunks, fixtureJson, ollamaDeployment, ollamaHandle, signal } from './ollama-fixtures.js';

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const weatherTool = fixtureJson('request-snapshot.json').tools[0];

describe('ollamaChatRequestToCanonical', () => {
  test('documented tools request', () => {
    const req = ollamaChatRequestToCanonical({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'What is the weather today in Paris?' }],
      stream: false,
      tools: [weatherTool],
    });
    assert.deepEqual(req, {
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'What is the weather today in Paris?' }],
      stream: false,
      tools: [weatherTool],
    });
  });

  test('defaults to streaming; options, format, think and images map to canonical fields', () => {
    const req = ollamaChatRequestToCanonical({
      model: 'llava',
      messages: [{ role: 'user', content: 'what is in this image?', images: [PNG_1PX] }],
      format: 'json',
      options: { seed: 101, temperature: 0, top_p: 0.5, num_predict: 64, stop: ['\n'] },
      think: true,
    });
    assert.equal(req.stream, true);
    assert.deepEqual(req.messages[0], {
      role: 'user',
      content: [
        { type: 'text', text: 'what is in this image?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1PX}` } },
      ],
    });
    assert.deepEqual(req.response_format, { type: 'json_object' });
    assert.equal(req.seed, 101);
    assert.equal(req.temperature, 0);
    assert.equal(req.top_p, 0.5);
    assert.equal(req.max_tokens, 64);
    assert.deepEqual(req.stop, ['\n']);
    assert.equal(req.reasoning_effort, 'medium');
  });

  test('tool results are matched to the call ids of the preceding assistant turn by tool_name', () => {
    const req = ollamaChatRequestToCanonical({
      model: 'llama3.2',
      messages: [
        { role: 'user', content: 'time and weather?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { function: { name: 'get_time', arguments: {} } },
            { function: { name: 'get_current_weather', arguments: { location: 'Paris, FR', format: 'celsius' } } },
          ],
        },
        { role: 'tool', content: '22', tool_name: 'get_current_weather' },
        { role: 'tool', content: '12:00', tool_name: 'get_time' },
      ],
    });
    const calls = req.messages[1]!.tool_calls!;
    assert.equal(req.messages[1]!.content, null);
    assert.equal(calls[1]!.function.arguments, JSON.stringify({ location: 'Paris, FR', format: 'celsius' }));
    assert.equal(req.messages[2]!.tool_call_id, calls[1]!.id);
    assert.equal(req.messages[3]!.tool_call_id, calls[0]!.id);
  });

  test('malformed bodies are InvalidRequestError', () => {
    assert.throws(() => ollamaChatRequestToCanonical(null), InvalidRequestError);
    assert.throws(
      () => ollamaChatRequestToCanonical({ messages: [] }),
      (e: unknown) => e instanceof InvalidRequestError && e.param === 'model',
    );
    assert.throws(() => ollamaChatRequestToCanonical({ model: 'm', messages: [{ role: 'robot', content: 'x' }] }), InvalidRequestError);
  });
});

describe('round trip through a fake Ollama made from inbound.ts', () => {
  let upstream: FakeUpstream;
  let handle: ProviderHandle;
  let received: ChatRequest[] = [];
  let respond: (req: ChatRequest) => ChatResponse | AsyncIterable<ChatChunk>;

  before(async () => {
    upstream = await startUpstream(async (rec, res) => {
      const canonical = ollamaChatRequestToCanonical(rec.json);
      received.push(canonical);
      const out = respond(canonical);
      if (Symbol.asyncIterator in out) {
        const lines: unknown[] = [];
        for await (const l of canonicalStreamToOllamaLines(out)) lines.push(l);
        await sendNdjson(res, lines);
      } else {
        sendJson(res, 200, canonicalResponseToOllama(out));
      }
    });
    handle = ollamaHandle(upstream.url);
  });
  after(async () => {
    await handle.http.close();
    await upstream.close();
  });

  const request: ChatRequest = {
    model: 'llama3.2',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is the weather today in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"Paris, FR"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '22 degrees' },
    ],
    tools: [weatherTool],
    temperature: 0.2,
    max_tokens: 50,
    stop: ['END'],
    response_format: { type: 'json_object' },
    reasoning_effort: 'low',
  };

  test('non-streamed: request and response survive both translations', async () => {
    received = [];
    const scripted: ChatResponse = {
      id: 'chatcmpl-x',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'llama3.2',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            reasoning_content: 'Need the forecast too.',
            tool_calls: [
              {
                id: 'call_b',
                type: 'function',
                function: { name: 'get_current_weather', arguments: '{"location":"Paris, FR","format":"celsius"}' },
              },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 40, completion_tokens: 9, total_tokens: 49 },
    };
    respond = () => scripted;
    const result = await ollamaAdapter.chat({ request, deployment: ollamaDeployment(handle), signal: signal() });

    const seen = received[0]!;
    assert.equal(seen.stream, false);
    assert.equal(seen.model, 'llama3.2');
    assert.deepEqual(seen.messages[0], { role: 'system', content: 'Be brief.' });
    assert.equal(seen.messages[2]!.tool_calls![0]!.function.name, 'get_current_weather');
    assert.deepEqual(JSON.parse(seen.messages[2]!.tool_calls![0]!.function.arguments), { location: 'Paris, FR' });
    assert.equal(seen.messages[3]!.tool_call_id, seen.messages[2]!.tool_calls![0]!.id);
    assert.deepEqual(seen.tools, request.tools);
    assert.equal(seen.temperature, 0.2);
    assert.equal(seen.max_tokens, 50);
    assert.deepEqual(seen.stop, ['END']);
    assert.deepEqual(seen.response_format, { type: 'json_object' });
    assert.equal(seen.reasoning_effort, 'low');

    assert.equal(result.type, 'response');
    if (result.type !== 'response') return;
    const r = result.response;
    assert.equal(r.created, scripted.created);
    assert.equal(r.model, scripted.model);
    assert.deepEqual(r.usage, scripted.usage);
    const choice = r.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    assert.equal(choice.message.reasoning_content, 'Need the forecast too.');
    assert.equal(choice.message.tool_calls![0]!.function.name, 'get_current_weather');
    assert.deepEqual(JSON.parse(choice.message.tool_calls![0]!.function.arguments), { location: 'Paris, FR', format: 'celsius' });
  });

  test('streamed: fragmented tool-call arguments are sent whole and arrive whole', async () => {
    received = [];
    const base = { id: 'chatcmpl-s', object: 'chat.completion.chunk' as const, created: 1_700_000_100, model: 'qwen3' };
    const chunks: ChatChunk[] = [
      { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { reasoning_content: 'Think ' }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { reasoning_content: 'first.' }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { content: 'Hello' }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { content: ' there' }, finish_reason: null }] },
      {
        ...base,
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [{ index: 0, id: 'call_z', type: 'function', function: { name: 'get_current_weather', arguments: '{"loca' } }],
            },
            finish_reason: null,
          },
        ],
      },
      {
        ...base,
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'tion":"Oslo"}' } }] }, finish_reason: null }],
      },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
      { ...base, choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } },
    ];
    respond = () =>
      (async function* () {
        yield* chunks;
      })();
    const result = await ollamaAdapter.chat({
      request: { ...request, model: 'qwen3', stream: true },
      deployment: ollamaDeployment(handle, 'qwen3'),
      signal: signal(),
    });
    assert.equal(received[0]!.stream, true);
    assert.equal(result.type, 'stream');
    if (result.type !== 'stream') return;
    const out = await collectChunks(result.events);
    const deltas = out.flatMap((c) => c.choices.map((ch) => ch.delta));
    assert.equal(deltas.map((d) => d.reasoning_content ?? '').join(''), 'Think first.');
    assert.equal(deltas.map((d) => d.content ?? '').join(''), 'Hello there');
    const calls = deltas.flatMap((d) => d.tool_calls ?? []);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.function?.name, 'get_current_weather');
    assert.deepEqual(JSON.parse(calls[0]!.function!.arguments!), { location: 'Oslo' });
    assert.deepEqual(
      out
        .flatMap((c) => c.choices)
        .filter((c) => c.finish_reason)
        .map((c) => c.finish_reason),
      ['tool_calls'],
    );
    assert.deepEqual(out.at(-1)!.usage, { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    assert.equal(out[0]!.created, base.created);
  });

  test('a failure in the source stream becomes an {"error"} line, which the adapter throws', async () => {
    const lines: unknown[] = [];
    const failing = (async function* (): AsyncGenerator<ChatChunk> {
      yield {
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { content: 'partial' }, finish_reason: null }],
      };
      throw new UpstreamError('engine crashed');
    })();
    for await (const l of canonicalStreamToOllamaLines(failing)) lines.push(l);
    assert.deepEqual(lines.at(-1), { error: 'engine crashed' });
    assert.ok(!lines.some((l) => (l as { done?: boolean }).done === true), 'no clean done line after a failure');

    respond = () =>
      (async function* (): AsyncGenerator<ChatChunk> {
        yield {
          id: 'c',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'm',
          choices: [{ index: 0, delta: { content: 'partial' }, finish_reason: null }],
        };
        throw new UpstreamError('engine crashed');
      })();
    const result = await ollamaAdapter.chat({
      request: { ...request, stream: true },
      deployment: ollamaDeployment(handle),
      signal: signal(),
    });
    assert.equal(result.type, 'stream');
    if (result.type !== 'stream') return;
    await assert.rejects(
      collectChunks(result.events),
      (err: unknown) => err instanceof UpstreamError && /engine crashed/.test(err.message),
    );
  });
});
