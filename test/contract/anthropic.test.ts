/**
 * Contract tests for the Anthropic adapter over real HTTP on 127.0.0.1: what we send (headers,
 * body), what we make of Anthropic's documented responses, streams and errors.
 * Fixtures: test/contract/fixtures/anthropic/ (sources in its README).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { ChatChunk, ChatRequest, ChatResponse } from '../../src/api/types.js';
import { UpstreamError } from '../../src/errors.js';
import { createProviderHandle } from '../../src/providers/registry.js';
import type { Deployment, ProviderHandle } from '../../src/providers/spec.js';
import { sendJson, startUpstream, type FakeUpstream, type Handler } from '../helpers/upstream.js';

const FIXTURES = new URL('./fixtures/anthropic/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');
const fixtureJson = (name: string): any => JSON.parse(fixture(name));

const API_KEY = 'sk-ant-api03-TESTKEY-abcdefghijklmnop';
const MODEL = 'claude-sonnet-4-20250514';

/** Writes a recorded SSE body split at an odd offset, so events straddle TCP writes. */
function sendRawSse(res: ServerResponse, text: string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const cut = Math.floor(text.length / 3) + 7;
  res.write(text.slice(0, cut));
  setTimeout(() => res.end(text.slice(cut)), 5);
}

let upstream: FakeUpstream;
let handle: ProviderHandle;

function deployment(h: ProviderHandle = handle): Deployment {
  return {
    id: `${h.id}/${MODEL}`,
    provider: h,
    model: MODEL,
    location: 'cloud',
    capabilities: { tools: true, vision: true, jsonSchema: true, embeddings: false },
  };
}

function serve(h: Handler): void {
  upstream.setHandler(h);
}

async function chat(request: Partial<ChatRequest>, h: ProviderHandle = handle) {
  const req: ChatRequest = { model: MODEL, messages: [{ role: 'user', content: 'Hello, Claude' }], ...request };
  return h.adapter.chat({ request: req, deployment: deployment(h), signal: AbortSignal.timeout(5000) });
}

async function chatResponse(request: Partial<ChatRequest>): Promise<ChatResponse> {
  const r = await chat(request);
  assert.equal(r.type, 'response');
  return r.response;
}

async function chatChunks(request: Partial<ChatRequest>): Promise<ChatChunk[]> {
  const r = await chat({ ...request, stream: true });
  assert.equal(r.type, 'stream');
  const out: ChatChunk[] = [];
  for await (const e of r.events) out.push(e.chunk);
  return out;
}

function lastRequest() {
  const r = upstream.requests[upstream.requests.length - 1];
  assert.ok(r, 'the fake upstream saw a request');
  return r;
}

before(async () => {
  upstream = await startUpstream((_req, res) => sendJson(res, 500, { error: 'no handler' }));
  handle = createProviderHandle({ id: 'anthropic', type: 'anthropic', baseUrl: upstream.url, apiKey: API_KEY, location: 'cloud' });
});

after(async () => {
  await handle.http.close();
  await upstream.close();
});

describe('anthropic adapter: what we send', () => {
  it('has the documented default base URL and no embed', () => {
    const h = createProviderHandle({ id: 'a', type: 'anthropic', location: 'cloud' });
    assert.equal(h.baseUrl, 'https://api.anthropic.com');
    assert.equal(h.adapter.embed, undefined);
  });

  it('converts a full canonical request (snapshot of headers and body)', async () => {
    serve((_req, res) => sendJson(res, 200, fixtureJson('message-text.json')));
    await chat({
      messages: [
        { role: 'system', content: 'You are a weather assistant.' },
        { role: 'developer', content: 'Answer in one sentence.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is the weather like in San Francisco? This is the view from my window.' },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP8=' } },
            {
              type: 'image_url',
              image_url: { url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' },
            },
          ],
        },
        {
          role: 'assistant',
          content: "I'll check the current weather in San Francisco for you.",
          reasoning_content: 'never sent upstream',
          tool_calls: [
            {
              id: 'toolu_01A09q90qw90lq917835lq9',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
            },
            {
              id: 'toolu_01B09q90qw90lq917835lq9',
              type: 'function',
              function: { name: 'get_time', arguments: '{"timezone":"America/Los_Angeles"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
        { role: 'tool', tool_call_id: 'toolu_01B09q90qw90lq917835lq9', content: '10:42' },
        { role: 'user', content: 'And tomorrow?' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Get the current weather in a given location',
            parameters: {
              type: 'object',
              properties: {
                location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
                unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
              },
              required: ['location'],
            },
          },
        },
        {
          type: 'function',
          function: {
            name: 'get_time',
            description: 'Get the current time in a given time zone',
            parameters: {
              type: 'object',
              properties: { timezone: { type: 'string', description: 'The IANA time zone name, e.g. America/Los_Angeles' } },
              required: ['timezone'],
            },
          },
        },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      stop: '\n\nHuman:',
      temperature: 1.5,
      top_p: 0.9,
      user: '13803d75-b4b5-4c3e-b2a2-6f21399b021b',
      seed: 7,
      metadata: { team: 'weather' },
    });
    const sent = lastRequest();
    const expected = fixtureJson('request-tools.expected.json');
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/v1/messages');
    for (const [k, v] of Object.entries(expected.headers)) assert.equal(sent.headers[k], v, `header ${k}`);
    assert.equal(sent.headers.authorization, undefined, 'Anthropic auth is x-api-key, not a bearer token');
    assert.deepEqual(sent.json, expected.body);
  });

  it('defaults max_tokens, honours max_completion_tokens and a configured default', async () => {
    serve((_req, res) => sendJson(res, 200, fixtureJson('message-text.json')));
    await chat({});
    assert.equal(lastRequest().json.max_tokens, 4096);
    assert.equal(lastRequest().json.system, undefined);
    assert.equal(lastRequest().json.messages[0].content, 'Hello, Claude');
    await chat({ max_tokens: 100, max_completion_tokens: 300 });
    assert.equal(lastRequest().json.max_tokens, 300);

    const h = createProviderHandle({
      id: 'anthropic-v',
      type: 'anthropic',
      baseUrl: upstream.url,
      apiKey: API_KEY,
      location: 'cloud',
      options: { anthropicVersion: '2099-01-01', defaultMaxTokens: 1024, anthropicBeta: ['a-1', 'b-2'] },
    });
    try {
      await chat({}, h);
      assert.equal(lastRequest().headers['anthropic-version'], '2099-01-01');
      assert.equal(lastRequest().headers['anthropic-beta'], 'a-1,b-2');
      assert.equal(lastRequest().json.max_tokens, 1024);
    } finally {
      await h.http.close();
    }
  });

  it('maps tool_choice auto/none/function and reasoning_effort to thinking', async () => {
    serve((_req, res) => sendJson(res, 200, fixtureJson('message-text.json')));
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } }];
    await chat({ tools, tool_choice: 'auto' });
    assert.deepEqual(lastRequest().json.tool_choice, { type: 'auto' });
    await chat({ tools, tool_choice: 'none' });
    assert.deepEqual(lastRequest().json.tool_choice, { type: 'none' });
    await chat({ tools, tool_choice: { type: 'function', function: { name: 'get_weather' } } });
    assert.deepEqual(lastRequest().json.tool_choice, { type: 'tool', name: 'get_weather' });
    await chat({ reasoning_effort: 'medium', temperature: 0.2, max_tokens: 8000 });
    assert.deepEqual(lastRequest().json.thinking, { type: 'enabled', budget_tokens: 4096 });
    assert.equal(lastRequest().json.temperature, undefined, 'thinking is incompatible with temperature');
  });

  it('rejects what Anthropic cannot represent, without calling upstream', async () => {
    const before = upstream.requests.length;
    await assert.rejects(chat({ n: 2 }), (e: any) => e.status === 400 && e.param === 'n');
    await assert.rejects(
      chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] }] }),
      (e: any) => e.status === 400 && e.param === 'messages[0].content[0]',
    );
    assert.equal(upstream.requests.length, before);
  });
});

describe('anthropic adapter: responses', () => {
  it('converts a text message', async () => {
    serve((_req, res) => sendJson(res, 200, fixtureJson('message-text.json')));
    const r = await chatResponse({});
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.id, 'msg_01XFDUDYJgAACzvnptvVoYEL');
    assert.equal(r.model, 'claude-sonnet-4-20250514');
    assert.deepEqual(r.choices, [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }]);
    assert.deepEqual(r.usage, { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 });
  });

  it('tool use round trip: tool_calls out, tool results back in', async () => {
    serve((_req, res) => sendJson(res, 200, fixtureJson('message-tool-use.json')));
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } }];
    const first = await chatResponse({ messages: [{ role: 'user', content: 'What is the weather like in San Francisco?' }], tools });
    const choice = first.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, "I'll check the current weather in San Francisco for you.");
    assert.deepEqual(choice.message.tool_calls, [
      {
        id: 'toolu_01A09q90qw90lq917835lq9',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
      },
    ]);

    // The client answers the call the OpenAI way; Anthropic must receive tool_use + tool_result.
    serve((_req, res) => sendJson(res, 200, fixtureJson('message-text.json')));
    await chatResponse({
      messages: [
        { role: 'user', content: 'What is the weather like in San Francisco?' },
        choice.message,
        { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
      ],
      tools,
    });
    assert.deepEqual(lastRequest().json.messages, [
      { role: 'user', content: 'What is the weather like in San Francisco?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: "I'll check the current weather in San Francisco for you." },
          {
            type: 'tool_use',
            id: 'toolu_01A09q90qw90lq917835lq9',
            name: 'get_weather',
            input: { location: 'San Francisco, CA', unit: 'celsius' },
          },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' }] },
    ]);
  });

  it('counts cache reads and writes into prompt_tokens; max_tokens → length', async () => {
    serve((_req, res) => sendJson(res, 200, fixtureJson('message-cached.json')));
    const r = await chatResponse({});
    assert.equal(r.choices[0]!.finish_reason, 'length');
    assert.deepEqual(r.usage, { prompt_tokens: 21 + 188086, completion_tokens: 393, total_tokens: 21 + 188086 + 393 });

    const msg = fixtureJson('message-text.json');
    msg.usage = { input_tokens: 3, cache_read_input_tokens: 1000, cache_creation_input_tokens: 0, output_tokens: 5 };
    msg.stop_reason = 'refusal';
    serve((_req, res) => sendJson(res, 200, msg));
    const r2 = await chatResponse({});
    assert.equal(r2.choices[0]!.finish_reason, 'content_filter');
    assert.deepEqual(r2.usage, {
      prompt_tokens: 1003,
      completion_tokens: 5,
      total_tokens: 1008,
      prompt_tokens_details: { cached_tokens: 1000 },
    });
  });

  it('maps json_schema to a forced tool and returns its input as the content', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, temp_c: { type: 'number' } }, required: ['city'] };
    serve((req, res) => {
      const tool = req.json.tools[0];
      sendJson(res, 200, {
        id: 'msg_01JsonMode',
        type: 'message',
        role: 'assistant',
        model: MODEL,
        content: [{ type: 'tool_use', id: 'toolu_01Json', name: tool.name, input: { city: 'San Francisco', temp_c: 15 } }],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 40, output_tokens: 20 },
      });
    });
    const r = await chatResponse({ response_format: { type: 'json_schema', json_schema: { name: 'weather', schema } } });
    const sent = lastRequest().json;
    assert.equal(sent.tools.length, 1);
    assert.deepEqual(sent.tools[0].input_schema, schema);
    assert.deepEqual(sent.tool_choice, { type: 'tool', name: sent.tools[0].name });
    assert.equal(r.choices[0]!.finish_reason, 'stop');
    assert.equal(r.choices[0]!.message.tool_calls, undefined);
    assert.deepEqual(JSON.parse(r.choices[0]!.message.content as string), { city: 'San Francisco', temp_c: 15 });
  });
});

describe('anthropic adapter: streaming', () => {
  it('streams text as OpenAI chunks with one finish and one usage chunk', async () => {
    serve((_req, res) => sendRawSse(res, fixture('stream-text.sse')));
    const chunks = await chatChunks({});
    assert.equal(lastRequest().json.stream, true);
    assert.equal(lastRequest().headers.accept, 'text/event-stream');
    assert.deepEqual(chunks[0]!.choices[0]!.delta, { role: 'assistant', content: '' });
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY'));
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, 'Hello!');
    const finishes = chunks.filter((c) => c.choices[0]?.finish_reason);
    assert.equal(finishes.length, 1);
    assert.equal(finishes[0]!.choices[0]!.finish_reason, 'stop');
    const last = chunks[chunks.length - 1]!;
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 });
    assert.equal(chunks.indexOf(finishes[0]!), chunks.length - 2, 'finish chunk comes right before the usage chunk');
  });

  it('streams tool-call argument deltas: id/name first, then fragments', async () => {
    serve((_req, res) => sendRawSse(res, fixture('stream-tool-use.sse')));
    const chunks = await chatChunks({ tools: [{ type: 'function', function: { name: 'get_weather' } }] });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, "Okay, let's check the weather for San Francisco, CA:");
    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    assert.deepEqual(toolDeltas[0], {
      index: 0,
      id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    assert.ok(toolDeltas.slice(1).every((d) => d.index === 0 && d.id === undefined && d.function?.name === undefined));
    assert.ok(toolDeltas.length > 3, 'arguments arrive in fragments');
    const args = toolDeltas.map((d) => d.function?.arguments ?? '').join('');
    assert.deepEqual(JSON.parse(args), { location: 'San Francisco, CA', unit: 'fahrenheit' });
    assert.equal(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason, 'tool_calls');
    assert.deepEqual(chunks[chunks.length - 1]!.usage, { prompt_tokens: 472, completion_tokens: 89, total_tokens: 561 });
  });

  it('streams thinking as reasoning_content and skips signatures', async () => {
    serve((_req, res) => sendRawSse(res, fixture('stream-thinking.sse')));
    const chunks = await chatChunks({ reasoning_effort: 'high', max_tokens: 20000 });
    const reasoning = chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? '').join('');
    assert.equal(reasoning, 'Let me solve this step by step:\n\n1. First break down 27 * 453\n2. 453 = 400 + 50 + 3');
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), '27 * 453 = 12,231');
    assert.ok(!JSON.stringify(chunks).includes('EqQBCgIYAhIM'), 'signatures are not content');
    assert.deepEqual(chunks[chunks.length - 1]!.usage, { prompt_tokens: 46, completion_tokens: 112, total_tokens: 158 });
  });

  it('throws a retryable UpstreamError on an error event mid-stream', async () => {
    serve((_req, res) => sendRawSse(res, fixture('stream-error.sse')));
    const r = await chat({ stream: true });
    assert.equal(r.type, 'stream');
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of r.events) seen.push(e.chunk.choices[0]?.delta.content ?? '');
      })(),
      (e: any) => e instanceof UpstreamError && e.isRetryable && e.upstreamStatus === 529 && /Overloaded/.test(e.message),
    );
    assert.ok(seen.includes('Once upon'), 'content before the error was delivered');
  });

  it('a stream cut before message_stop is an error, not a clean end', async () => {
    const text = fixture('stream-text.sse');
    serve((_req, res) => sendRawSse(res, text.slice(0, text.indexOf('event: message_delta'))));
    const r = await chat({ stream: true });
    assert.equal(r.type, 'stream');
    await assert.rejects(async () => {
      for await (const _ of r.events) {
        // drain
      }
    }, /before message_stop/);
  });

  it('streams JSON mode tool input as content', async () => {
    serve((req, res) => {
      const name = req.json.tools[0].name;
      const ev = (event: string, data: object) => `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;
      sendRawSse(
        res,
        ev('message_start', {
          message: {
            id: 'msg_01S',
            type: 'message',
            role: 'assistant',
            content: [],
            model: MODEL,
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 9, output_tokens: 1 },
          },
        }) +
          ev('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_01S', name, input: {} } }) +
          ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"ok":' } }) +
          ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: ' true}' } }) +
          ev('content_block_stop', { index: 0 }) +
          ev('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 7 } }) +
          ev('message_stop', {}),
      );
    });
    const chunks = await chatChunks({ response_format: { type: 'json_object' } });
    assert.deepEqual(JSON.parse(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')), { ok: true });
    assert.ok(chunks.every((c) => !c.choices[0]?.delta.tool_calls));
    assert.equal(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason, 'stop');
  });
});

describe('anthropic adapter: errors and models', () => {
  it('429 with retry-after → rate-limit UpstreamError with retryAfter', async () => {
    serve((_req, res) => sendJson(res, 429, fixtureJson('error-rate-limit.json'), { 'retry-after': '17' }));
    await assert.rejects(chat({}), (e: any) => {
      assert.ok(e instanceof UpstreamError);
      assert.equal(e.status, 429);
      assert.equal(e.upstreamStatus, 429);
      assert.equal(e.retryAfter, 17);
      assert.ok(e.isRetryable);
      assert.match(e.message, /rate limit/);
      return true;
    });
  });

  it('529 overloaded → retryable 502', async () => {
    serve((_req, res) => sendJson(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    await assert.rejects(chat({}), (e: any) => e instanceof UpstreamError && e.status === 502 && e.upstreamStatus === 529 && e.isRetryable);
  });

  it('400 invalid_request_error passes through, not retryable', async () => {
    serve((_req, res) =>
      sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'messages: roles must alternate' } }),
    );
    await assert.rejects(chat({}), (e: any) => e.status === 400 && !e.isRetryable && /roles must alternate/.test(e.message));
  });

  it('never puts the API key in an error message', async () => {
    serve((req, res) =>
      sendJson(res, 401, {
        type: 'error',
        error: { type: 'authentication_error', message: `invalid x-api-key: ${req.headers['x-api-key']}` },
      }),
    );
    await assert.rejects(chat({}), (e: any) => {
      assert.ok(e instanceof UpstreamError);
      assert.ok(!e.message.includes(API_KEY), e.message);
      assert.ok(!JSON.stringify(e.toJSON()).includes(API_KEY));
      assert.match(e.message, /invalid x-api-key/);
      return true;
    });
  });

  it('lists models from GET /v1/models, following pagination', async () => {
    const page1 = fixtureJson('models-list.json');
    page1.has_more = true;
    serve((req, res) => {
      if (req.url.includes('after_id=claude-3-7-sonnet-20250219')) {
        sendJson(res, 200, {
          data: [{ type: 'model', id: 'claude-3-5-haiku-20241022', display_name: 'Claude Haiku 3.5', created_at: '2024-10-22T00:00:00Z' }],
          has_more: false,
          first_id: 'claude-3-5-haiku-20241022',
          last_id: 'claude-3-5-haiku-20241022',
        });
      } else sendJson(res, 200, page1);
    });
    const models = await handle.adapter.listModels!(handle, AbortSignal.timeout(5000));
    assert.deepEqual(
      models.map((m) => m.id),
      ['claude-sonnet-4-20250514', 'claude-3-7-sonnet-20250219', 'claude-3-5-haiku-20241022'],
    );
    const req = lastRequest();
    assert.equal(req.method, 'GET');
    assert.ok(req.url.startsWith('/v1/models?'));
    assert.equal(req.headers['x-api-key'], API_KEY);
    assert.equal(req.headers['anthropic-version'], '2023-06-01');
  });
});
