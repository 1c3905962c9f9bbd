/**
 * The gateway in front of an OpenAI-compatible upstream, driven by the official `openai` SDK
 * over real sockets: non-stream, stream (with usage), tools round trip, embeddings, errors.
 * Upstream payloads follow https://platform.openai.com/docs/api-reference/chat/object and
 * https://platform.openai.com/docs/api-reference/chat-streaming
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startUpstream, sendJson, sendSse, type FakeUpstream } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const completion = (content: string | null, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-123',
  object: 'chat.completion',
  created: 1677652288,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content, ...extra },
      logprobs: null,
      finish_reason: extra.tool_calls ? 'tool_calls' : 'stop',
    },
  ],
  usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 },
});

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-123',
  object: 'chat.completion.chunk',
  created: 1694268190,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});

describe('gateway over an OpenAI-compatible upstream', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  let client: OpenAI;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      if (req.url === '/v1/embeddings') {
        return sendJson(res, 200, {
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding: [0.0023064255, -0.009327292, 0.015797347] }],
          model: 'text-embedding-3-small',
          usage: { prompt_tokens: 8, total_tokens: 8 },
        });
      }
      if (req.url === '/v1/models')
        return sendJson(res, 200, { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 1, owned_by: 'openai' }] });
      const body = req.json;
      if (body.messages.at(-1).content === 'fail please')
        return sendJson(res, 400, {
          error: { message: 'Invalid value for temperature', type: 'invalid_request_error', param: 'temperature', code: null },
        });
      if (body.stream) {
        return sendSse(res, [
          chunk({ role: 'assistant', content: '' }),
          chunk({ content: 'Hello' }),
          chunk({ content: ' there' }),
          chunk({}, 'stop'),
          { data: { ...chunk({}), choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } } },
          '[DONE]',
        ]);
      }
      if (body.tools && !body.messages.some((m: { role: string }) => m.role === 'tool')) {
        return sendJson(
          res,
          200,
          completion(null, {
            tool_calls: [
              { id: 'call_abc123', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Boston, MA"}' } },
            ],
          }),
        );
      }
      if (body.messages.some((m: { role: string }) => m.role === 'tool')) return sendJson(res, 200, completion('It is 22C in Boston.'));
      return sendJson(res, 200, completion('Hello there, how may I assist you today?'));
    });
    gw = await startGateway({
      providers: [{ id: 'oai', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-test-secret-key-123456', location: 'cloud' }],
      models: {
        'chat-default': [{ provider: 'oai', model: 'gpt-4o-mini' }],
        embed: [{ provider: 'oai', model: 'text-embedding-3-small' }],
      },
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('answers a non-streaming completion and says where it ran', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'chat-default', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    assert.equal(data.choices[0]!.message.content, 'Hello there, how may I assist you today?');
    assert.equal(data.usage?.total_tokens, 21);
    assert.match(response.headers.get('x-meridian-route') ?? '', /^oai\/gpt-4o-mini; reason=/);
    assert.ok(response.headers.get('x-request-id'));
    assert.ok(response.headers.get('x-meridian-cost-usd'));
    const sent = upstream.requests.at(-1)!;
    assert.equal(sent.json.model, 'gpt-4o-mini');
    assert.equal(sent.headers.authorization, 'Bearer sk-test-secret-key-123456');
  });

  it('streams chunks and ends with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'chat-default',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? '';
      if (c.usage) usage = c.usage;
    }
    assert.equal(text, 'Hello there');
    assert.equal(usage?.completion_tokens, 2);
    assert.equal(upstream.requests.at(-1)!.json.stream_options.include_usage, true);
  });

  it('drops the usage chunk when the client did not ask for it', async () => {
    const stream = await client.chat.completions.create({
      model: 'chat-default',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    assert.ok(chunks.every((c) => c.choices.length > 0));
  });

  it('round-trips a tool call', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          description: 'Weather',
          parameters: { type: 'object', properties: { location: { type: 'string' } } },
        },
      },
    ];
    const first = await client.chat.completions.create({
      model: 'chat-default',
      messages: [{ role: 'user', content: 'Weather in Boston?' }],
      tools,
    });
    const call = first.choices[0]!.message.tool_calls![0]!;
    assert.equal(call.type === 'function' && call.function.name, 'get_weather');
    const second = await client.chat.completions.create({
      model: 'chat-default',
      tools,
      messages: [
        { role: 'user', content: 'Weather in Boston?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: '{"temp_c":22}' },
      ],
    });
    assert.equal(second.choices[0]!.message.content, 'It is 22C in Boston.');
  });

  it('serves embeddings', async () => {
    const res = await client.embeddings.create({ model: 'embed', input: 'The food was delicious' });
    assert.equal(res.data[0]!.embedding.length, 3);
  });

  it('lists aliases and discovered models', async () => {
    await gw.gateway.refreshModels();
    const ids = (await client.models.list()).data.map((m) => m.id);
    assert.ok(ids.includes('chat-default'));
    assert.ok(ids.includes('oai/gpt-4o-mini'));
  });

  it('routes provider/model names directly', async () => {
    const res = await client.chat.completions.create({ model: 'oai/gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
    assert.ok(res.choices[0]!.message.content);
    assert.equal(upstream.requests.at(-1)!.json.model, 'gpt-4o');
  });

  it('answers errors in the OpenAI shape', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'Hi' }] }),
      (e: InstanceType<typeof OpenAI.APIError>) => {
        assert.equal(e.status, 404);
        assert.equal(e.code, 'model_not_found');
        assert.match(e.message, /chat-default/);
        return true;
      },
    );
    const bad = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model":"chat-default","messages":[{"role":"wizard"}]}',
    });
    assert.equal(bad.status, 400);
    const j = (await bad.json()) as { error: { message: string; type: string; param: string } };
    assert.equal(j.error.type, 'invalid_request_error');
    assert.equal(j.error.param, 'messages[0].role');
    const notJson = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{oops',
    });
    assert.equal(notJson.status, 400);
    const upstream400 = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: 'fail please' }] }),
    });
    assert.equal(upstream400.status, 400);
    const text = await upstream400.text();
    assert.match(text, /Invalid value for temperature/);
    assert.doesNotMatch(text, /sk-test-secret/);
  });

  it('rejects an oversized body with 413', async () => {
    const big = 'x'.repeat(9 * 1024 * 1024);
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: big }] }),
    }).catch((e: Error) => e);
    if (res instanceof Error) return; // the server may close the socket before the client finishes sending
    assert.equal(res.status, 413);
  });
});
