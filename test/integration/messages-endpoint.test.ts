/**
 * POST /v1/messages: the official Anthropic SDK drives the gateway, which routes to an
 * OpenAI-compatible upstream (and to the mock) — text, streaming, tools, errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startUpstream, sendJson, sendSse, type FakeUpstream } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'local-model',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe('Anthropic Messages endpoint', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  let client: Anthropic;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const b = req.json;
      if (b.stream) {
        return sendSse(res, [
          chunk({ role: 'assistant', content: '' }),
          chunk({ content: 'Hello' }),
          chunk({ content: ' from local' }),
          chunk({}, 'stop'),
          { ...chunk({}), choices: [], usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 } },
          '[DONE]',
        ]);
      }
      if (b.tools && !b.messages.some((m: { role: string }) => m.role === 'tool')) {
        return sendJson(res, 200, {
          id: 'chatcmpl-2',
          object: 'chat.completion',
          created: 1,
          model: 'local-model',
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: null,
                tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
              },
              finish_reason: 'tool_calls',
            },
          ],
          usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
        });
      }
      const sawTool = b.messages.find((m: { role: string }) => m.role === 'tool');
      return sendJson(res, 200, {
        id: 'chatcmpl-3',
        object: 'chat.completion',
        created: 1,
        model: 'local-model',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: sawTool ? `Weather: ${sawTool.content}` : `system=${b.messages[0].role}` },
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
      });
    });
    gw = await startGateway({
      providers: [{ id: 'local', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' }],
      models: { 'chat-default': [{ provider: 'local', model: 'local-model' }] },
      router: { healthIntervalMs: 0 },
    });
    client = new Anthropic({ baseURL: gw.url, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('answers a message, with the system prompt translated and the route explained', async () => {
    const { data, response } = await client.messages
      .create({ model: 'chat-default', max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    assert.equal(data.type, 'message');
    assert.equal(data.role, 'assistant');
    assert.equal(data.content.length, 1);
    const block = data.content[0];
    assert.ok(block && block.type === 'text');
    assert.equal(block.text, 'system=system');
    assert.equal(data.stop_reason, 'end_turn');
    assert.equal(data.usage.input_tokens, 9);
    assert.equal(data.usage.output_tokens, 4);
    assert.match(response.headers.get('x-meridian-route') ?? '', /^local\/local-model/);
    const sent = upstream.requests.at(-1)!.json;
    assert.equal(sent.max_tokens, 64);
  });

  it('streams Anthropic events', async () => {
    const stream = client.messages.stream({ model: 'chat-default', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    assert.equal(text, 'Hello from local');
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.output_tokens, 3);
  });

  it('round-trips a tool call', async () => {
    const tools = [
      { name: 'get_weather', description: 'Weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } },
    ];
    const first = await client.messages.create({
      model: 'chat-default',
      max_tokens: 64,
      tools,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    assert.ok(use && use.type === 'tool_use');
    assert.deepEqual(use.input, { city: 'Paris' });
    const second = await client.messages.create({
      model: 'chat-default',
      max_tokens: 64,
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] },
      ],
    });
    const block = second.content[0];
    assert.ok(block && block.type === 'text');
    assert.equal(block.text, 'Weather: sunny');
  });

  it('answers errors in the Anthropic error shape', async () => {
    await assert.rejects(
      client.messages.create({ model: 'nope', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }),
      (e: InstanceType<typeof Anthropic.APIError>) => {
        assert.equal(e.status, 404);
        const body = e.error as { type: string; error: { type: string; message: string } };
        assert.equal(body.type, 'error');
        assert.equal(body.error.type, 'not_found_error');
        assert.match(body.error.message, /chat-default/);
        return true;
      },
    );
  });
});
