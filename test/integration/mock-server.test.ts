import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startMockServer, type MockServer } from '../../src/mock/server.js';
import { parseRules } from '../../src/mock/rules.js';

let mock: MockServer;

before(async () => {
  mock = await startMockServer({
    rules: parseRules(`
rules:
  - { name: limited, match: { model: mock-429 }, error: { status: 429, message: slow down, retry_after: 5 } }
  - { name: broken, match: { model: mock-500 }, error: { status: 500 } }
  - { name: cut, match: { model: mock-cut }, text: "alpha beta gamma delta epsilon", truncate_after_chunks: 3 }
  - { name: gone, match: { model: mock-drop }, drop_connection: true }
  - { name: stuck, match: { model: mock-hang }, hang: true, hang_ms: 5000 }
  - { name: slow, match: { model: mock-slow }, first_token_ms: 200, latency_ms: 50 }
`),
  });
});
after(() => mock.close());

const post = (path: string, body: unknown) =>
  fetch(mock.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('the openai SDK talks to the mock: chat, stream, tools, embeddings, models', async () => {
  const client = new OpenAI({ apiKey: 'unused', baseURL: `${mock.url}/v1` });
  const res = await client.chat.completions.create({
    model: 'mock-small',
    messages: [{ role: 'user', content: "Say 'test passed' and nothing else" }],
    max_tokens: 20,
  });
  assert.equal(res.choices[0]!.message.content, 'test passed');
  assert.ok(res.usage!.total_tokens < 50);

  const stream = await client.chat.completions.create({
    model: 'mock-small',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'Say "one two three"' }],
  });
  let text = '';
  let usage = 0;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    if (chunk.usage) usage = chunk.usage.total_tokens;
  }
  assert.equal(text, 'one two three');
  assert.ok(usage > 0);

  const tools = await client.chat.completions.create({
    model: 'mock-small',
    tool_choice: 'required',
    tools: [
      {
        type: 'function',
        function: {
          name: 'add',
          parameters: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer' } }, required: ['a', 'b'] },
        },
      },
    ],
    messages: [{ role: 'user', content: 'add 2 and 3' }],
  });
  const call = tools.choices[0]!.message.tool_calls![0]!;
  assert.equal(call.type === 'function' && call.function.name, 'add');
  const args = JSON.parse(call.type === 'function' ? call.function.arguments : '{}');
  assert.equal(typeof args.a, 'number');

  const emb = await client.embeddings.create({ model: 'mock-embed', input: 'hello' });
  assert.equal(emb.data[0]!.embedding.length, 16);
  const models = await client.models.list();
  assert.ok(models.data.some((m) => m.id === 'mock-small'));
});

test('fault: 429 with Retry-After in the OpenAI error envelope', async () => {
  const res = await post('/v1/chat/completions', { model: 'mock-429', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '5');
  const body = (await res.json()) as { error: { message: string; type: string } };
  assert.equal(body.error.message, 'slow down');
  assert.equal(body.error.type, 'rate_limit_error');
});

test('fault: 500', async () => {
  const res = await post('/v1/chat/completions', { model: 'mock-500', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.status, 500);
  assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'server_error');
});

test('fault: connection dropped mid-stream after the first chunks', async () => {
  const res = await post('/v1/chat/completions', { model: 'mock-cut', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.status, 200);
  let received = '';
  const decoder = new TextDecoder();
  await assert.rejects(async () => {
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) received += decoder.decode(part, { stream: true });
  });
  assert.match(received, /"content":"alpha "/);
  assert.match(received, /"content":"beta "/);
  assert.doesNotMatch(received, /gamma|\[DONE\]/);
});

test('fault: connection dropped before a response', async () => {
  await assert.rejects(post('/v1/chat/completions', { model: 'mock-drop', messages: [{ role: 'user', content: 'hi' }] }));
});

test('fault: a hang makes the client time out', async () => {
  await assert.rejects(
    fetch(mock.url + '/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'mock-hang', messages: [] }),
      signal: AbortSignal.timeout(150),
    }),
    (err: Error) => err.name === 'TimeoutError',
  );
});

test('slow first token delays the first content chunk', async () => {
  const started = performance.now();
  const res = await post('/v1/chat/completions', { model: 'mock-slow', stream: true, messages: [{ role: 'user', content: 'Say hi' }] });
  const decoder = new TextDecoder();
  let firstContentAt = 0;
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
    if (!firstContentAt && decoder.decode(part).includes('"content":"hi"')) firstContentAt = performance.now() - started;
  }
  assert.ok(firstContentAt >= 240, `first token after ${firstContentAt}ms`);
});

test('Anthropic /v1/messages: JSON and SSE', async () => {
  const res = await post('/v1/messages', { model: 'mock-small', max_tokens: 50, messages: [{ role: 'user', content: 'Say "bonjour"' }] });
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    type: string;
    content: Array<{ type: string; text: string }>;
    stop_reason: string;
    usage: { input_tokens: number };
  };
  assert.equal(body.type, 'message');
  assert.deepEqual(body.content, [{ type: 'text', text: 'bonjour' }]);
  assert.equal(body.stop_reason, 'end_turn');
  assert.ok(body.usage.input_tokens > 0);

  const sse = await (
    await post('/v1/messages', {
      model: 'mock-small',
      max_tokens: 50,
      stream: true,
      messages: [{ role: 'user', content: 'Say "bonjour"' }],
    })
  ).text();
  const events = [...sse.matchAll(/^event: (\S+)/gm)].map((m) => m[1]);
  assert.equal(events[0], 'message_start');
  assert.equal(events.at(-1), 'message_stop');
  assert.ok(events.includes('content_block_delta'));

  const err = await post('/v1/messages', { model: 'mock-429', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
  assert.equal(err.status, 429);
  assert.deepEqual(await err.json(), { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
});

test('Ollama /api/chat (NDJSON stream and stream:false), /api/tags, /api/embed', async () => {
  const lines = (await (await post('/api/chat', { model: 'mock-small', messages: [{ role: 'user', content: 'Say "hallo welt"' }] })).text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { message: { content: string }; done: boolean; done_reason?: string });
  assert.equal(lines.map((l) => l.message.content).join(''), 'hallo welt');
  assert.equal(lines.at(-1)!.done, true);
  assert.equal(lines.at(-1)!.done_reason, 'stop');

  const single = (await (
    await post('/api/chat', { model: 'mock-small', stream: false, messages: [{ role: 'user', content: 'Say "hallo"' }] })
  ).json()) as { message: { content: string }; done: boolean };
  assert.equal(single.message.content, 'hallo');
  assert.equal(single.done, true);

  const tags = (await (await fetch(`${mock.url}/api/tags`)).json()) as { models: Array<{ name: string }> };
  assert.ok(tags.models.some((m) => m.name === 'mock-large'));
  const embed = (await (await post('/api/embed', { model: 'mock-embed', input: ['a', 'b'] })).json()) as { embeddings: number[][] };
  assert.equal(embed.embeddings.length, 2);

  const err = await post('/api/chat', { model: 'mock-500', stream: false, messages: [{ role: 'user', content: 'x' }] });
  assert.equal(err.status, 500);
  assert.equal(typeof ((await err.json()) as { error: string }).error, 'string');
});

test('unknown routes and bad bodies get clear errors', async () => {
  const nf = await fetch(`${mock.url}/v1/nothing`);
  assert.equal(nf.status, 404);
  assert.match(((await nf.json()) as { error: { message: string } }).error.message, /does not serve GET \/v1\/nothing/);
  const bad = await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', body: '{not json' });
  assert.equal(bad.status, 400);
});
