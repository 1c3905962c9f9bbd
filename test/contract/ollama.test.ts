/**
 * Ollama adapter against a fake Ollama on 127.0.0.1, replaying the documented examples of
 * https://github.com/ollama/ollama/blob/main/docs/api.md (see fixtures/ollama/README.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatRequest } from '../../src/api/types.js';
import { InvalidRequestError, UpstreamError } from '../../src/errors.js';
import { ollamaAdapter, ollamaCapabilities, ollamaPs, ollamaShow } from '../../src/providers/ollama/index.js';
import { getAdapter } from '../../src/providers/registry.js';
import type { ProviderHandle } from '../../src/providers/spec.js';
import { sendJson, startUpstream, type FakeUpstream } from '../helpers/upstream.js';
import { fixtureJson, ollamaDeployment, ollamaHandle, signal } from './ollama-fixtures.js';

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const weatherTool = fixtureJson('request-snapshot.json').tools[0];

let upstream: FakeUpstream;
let handle: ProviderHandle;

before(async () => {
  upstream = await startUpstream((_req, res) => sendJson(res, 500, { error: 'no handler set' }));
  handle = ollamaHandle(upstream.url, { keepAlive: '10m', numCtx: 8192 });
});
after(async () => {
  await handle.http.close();
  await upstream.close();
});

function lastRequest() {
  const r = upstream.requests.at(-1);
  assert.ok(r, 'the fake upstream received a request');
  return r;
}

async function chat(request: ChatRequest, h = handle) {
  return ollamaAdapter.chat({ request, deployment: ollamaDeployment(h, request.model), signal: signal() });
}

describe('registry', () => {
  test('ollama is registered with the documented default port', () => {
    assert.equal(getAdapter('ollama'), ollamaAdapter);
    assert.equal(ollamaAdapter.discoveryUrl, 'http://127.0.0.1:11434');
    assert.equal(ollamaAdapter.defaultBaseUrl, 'http://127.0.0.1:11434');
  });
});

describe('request conversion', () => {
  test('sends the Ollama /api/chat body we expect (snapshot)', async () => {
    upstream.setHandler((_req, res) => sendJson(res, 200, fixtureJson('chat-structured-response.json')));
    const request: ChatRequest = {
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'You are a weather bot.' },
        { role: 'developer', content: 'Answer in JSON.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is the weather today in Paris?' },
            { type: 'text', text: 'And what is in this picture?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1PX}` } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          reasoning_content: 'I should call the weather tool.',
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_current_weather', arguments: '{"format":"celsius","location":"Paris, FR"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '22 degrees and sunny' },
      ],
      tools: [{ ...weatherTool, function: { ...weatherTool.function, strict: true } }],
      tool_choice: 'auto',
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'status', schema: fixtureJson('request-snapshot.json').format, strict: true },
      },
      temperature: 0,
      top_p: 0.9,
      max_completion_tokens: 100,
      max_tokens: 5,
      stop: 'user:',
      seed: 101,
      reasoning_effort: 'minimal',
      user: 'someone',
      metadata: { team: 'x' },
      logprobs: false,
    };
    await chat(request);
    const sent = lastRequest();
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/api/chat');
    assert.match(String(sent.headers['content-type']), /application\/json/);
    assert.deepEqual(sent.json, fixtureJson('request-snapshot.json'));
  });

  test('json_object becomes format "json"; max_tokens becomes num_predict; stream is always explicit', async () => {
    upstream.setHandler((_req, res) => sendJson(res, 200, fixtureJson('chat-response.json')));
    const h = ollamaHandle(upstream.url);
    try {
      await chat(
        { model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_object' }, max_tokens: 7 },
        h,
      );
    } finally {
      await h.http.close();
    }
    const body = lastRequest().json;
    assert.equal(body.format, 'json');
    assert.deepEqual(body.options, { num_predict: 7 });
    assert.equal(body.stream, false);
    assert.equal(body.think, undefined);
    assert.equal(body.keep_alive, undefined);
  });

  test('tool_choice none sends no tools; a named tool_choice sends only that tool', async () => {
    upstream.setHandler((_req, res) => sendJson(res, 200, fixtureJson('chat-response.json')));
    const other = { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object' } } };
    await chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], tools: [weatherTool, other], tool_choice: 'none' });
    assert.equal(lastRequest().json.tools, undefined);
    await chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [weatherTool, other],
      tool_choice: { type: 'function', function: { name: 'get_time' } },
    });
    assert.deepEqual(
      lastRequest().json.tools.map((t: { function: { name: string } }) => t.function.name),
      ['get_time'],
    );
  });

  test('thinkAs boolean sends think: true', async () => {
    upstream.setHandler((_req, res) => sendJson(res, 200, fixtureJson('chat-response.json')));
    const h = ollamaHandle(upstream.url, { thinkAs: 'boolean' });
    try {
      await chat({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'high' }, h);
    } finally {
      await h.http.close();
    }
    assert.equal(lastRequest().json.think, true);
  });

  test('an https image URL is refused before anything is sent', async () => {
    const before = upstream.requests.length;
    await assert.rejects(
      chat({
        model: 'llava',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }],
      }),
      (err: unknown) => {
        assert.ok(err instanceof InvalidRequestError);
        assert.equal(err.status, 400);
        assert.equal(err.param, 'messages[0].content[0].image_url.url');
        assert.match(err.message, /base64 data URLs/);
        return true;
      },
    );
    assert.equal(upstream.requests.length, before);
  });

  test('tool arguments that are not a JSON object are refused', async () => {
    await assert.rejects(
      chat({
        model: 'llama3.2',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1,2]' } }] },
        ],
      }),
      (err: unknown) => err instanceof InvalidRequestError && err.param === 'messages[1].tool_calls[0].function.arguments',
    );
  });

  test('n > 1 is refused', async () => {
    await assert.rejects(chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], n: 2 }), InvalidRequestError);
  });
});

describe('non-streamed responses', () => {
  test('text response with usage from prompt_eval_count / eval_count', async () => {
    upstream.setHandler((_req, res) => sendJson(res, 200, fixtureJson('chat-response.json')));
    const result = await chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'why is the sky blue?' }] });
    assert.equal(result.type, 'response');
    if (result.type !== 'response') return;
    const r = result.response;
    assert.equal(r.object, 'chat.completion');
    assert.match(r.id, /^chatcmpl-/);
    assert.equal(r.model, 'llama3.2');
    assert.equal(r.created, Math.floor(Date.parse('2023-12-12T14:13:43.416799Z') / 1000));
    assert.deepEqual(r.choices, [
      { index: 0, message: { role: 'assistant', content: 'Hello! How are you today?' }, finish_reason: 'stop' },
    ]);
    assert.deepEqual(r.usage, { prompt_tokens: 26, completion_tokens: 298, total_tokens: 324 });
  });

  test('tool calls: ids generated, arguments as JSON text, finish_reason tool_calls', async () => {
    upstream.setHandler((_req, res) => sendJson(res, 200, fixtureJson('chat-tools-response.json')));
    const result = await chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'What is the weather today in Paris?' }],
      tools: [weatherTool],
    });
    assert.equal(lastRequest().json.tools[0].function.name, 'get_current_weather');
    assert.equal(result.type, 'response');
    if (result.type !== 'response') return;
    const choice = result.response.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    const call = choice.message.tool_calls?.[0];
    assert.ok(call);
    assert.match(call.id, /^call-/);
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_current_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { format: 'celsius', location: 'Paris, FR' });
    assert.deepEqual(result.response.usage, { prompt_tokens: 122, completion_tokens: 33, total_tokens: 155 });

    // Round trip: the call and its result go back to Ollama in its own shape.
    upstream.setHandler((_req, res) => sendJson(res, 200, fixtureJson('chat-response.json')));
    await chat({
      model: 'llama3.2',
      messages: [
        { role: 'user', content: 'What is the weather today in Paris?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '22' },
      ],
      tools: [weatherTool],
    });
    const sent = lastRequest().json.messages;
    assert.deepEqual(sent[1], {
      role: 'assistant',
      content: '',
      tool_calls: [{ function: { name: 'get_current_weather', arguments: { format: 'celsius', location: 'Paris, FR' } } }],
    });
    assert.deepEqual(sent[2], { role: 'tool', content: '22', tool_name: 'get_current_weather' });
  });

  test('structured output: json_schema becomes the format schema; content is the JSON text', async () => {
    upstream.setHandler((_req, res) => sendJson(res, 200, fixtureJson('chat-structured-response.json')));
    const schema = {
      type: 'object',
      properties: { age: { type: 'integer' }, available: { type: 'boolean' } },
      required: ['age', 'available'],
    };
    const result = await chat({
      model: 'llama3.1',
      messages: [{ role: 'user', content: 'Ollama is 22 years old and busy saving the world.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema } },
    });
    assert.deepEqual(lastRequest().json.format, schema);
    assert.equal(result.type, 'response');
    if (result.type !== 'response') return;
    assert.deepEqual(JSON.parse(result.response.choices[0]!.message.content as string), { age: 22, available: false });
  });

  test('thinking becomes reasoning_content; done_reason length becomes finish_reason length', async () => {
    upstream.setHandler((_req, res) =>
      sendJson(res, 200, {
        model: 'qwen3',
        created_at: '2025-05-29T09:35:56.836222Z',
        message: { role: 'assistant', content: 'There are three.', thinking: 'Count r in strawberry: s-t-r-a-w-b-e-r-r-y.' },
        done_reason: 'length',
        done: true,
        prompt_eval_count: 20,
        eval_count: 40,
      }),
    );
    const result = await chat({
      model: 'qwen3',
      messages: [{ role: 'user', content: 'How many r in strawberry?' }],
      reasoning_effort: 'medium',
    });
    assert.equal(lastRequest().json.think, 'medium');
    assert.equal(result.type, 'response');
    if (result.type !== 'response') return;
    const choice = result.response.choices[0]!;
    assert.equal(choice.message.reasoning_content, 'Count r in strawberry: s-t-r-a-w-b-e-r-r-y.');
    assert.equal(choice.message.content, 'There are three.');
    assert.equal(choice.finish_reason, 'length');
  });
});

describe('errors', () => {
  test('404 model not found keeps Ollama message and is not retryable', async () => {
    upstream.setHandler((_req, res) => sendJson(res, 404, fixtureJson('error-model-not-found.json')));
    await assert.rejects(chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.upstreamStatus, 404);
      assert.equal(err.status, 404);
      assert.equal(err.isRetryable, false);
      assert.match(err.message, /model "llama3\.2" not found, try pulling it first/);
      assert.equal(err.deployment, 'ollama-test/llama3.2');
      return true;
    });
  });

  test('500 is a retryable upstream error (502 to the client)', async () => {
    upstream.setHandler((_req, res) => sendJson(res, 500, { error: 'the model failed to generate a response' }));
    await assert.rejects(chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.status, 502);
      assert.equal(err.isRetryable, true);
      assert.match(err.message, /the model failed to generate a response/);
      return true;
    });
  });

  test('a connection refused is a retryable upstream error', async () => {
    const dead = ollamaHandle('http://127.0.0.1:1');
    try {
      await assert.rejects(chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }, dead), (err: unknown) => {
        assert.ok(err instanceof UpstreamError);
        assert.equal(err.isRetryable, true);
        return true;
      });
    } finally {
      await dead.http.close();
    }
  });
});

describe('embeddings', () => {
  test('single input → OpenAI embeddings list with usage from prompt_eval_count', async () => {
    upstream.setHandler((_req, res) => sendJson(res, 200, fixtureJson('embed-response.json')));
    const d = ollamaDeployment(handle, 'all-minilm');
    const res = await ollamaAdapter.embed!({
      request: { model: 'all-minilm', input: 'Why is the sky blue?' },
      deployment: d,
      signal: signal(),
    });
    const sent = lastRequest();
    assert.equal(sent.url, '/api/embed');
    assert.deepEqual(sent.json, { model: 'all-minilm', input: 'Why is the sky blue?', keep_alive: '10m' });
    assert.equal(res.object, 'list');
    assert.equal(res.model, 'all-minilm');
    assert.equal(res.data.length, 1);
    assert.equal(res.data[0]!.object, 'embedding');
    assert.equal(res.data[0]!.index, 0);
    assert.deepEqual(res.data[0]!.embedding, fixtureJson('embed-response.json').embeddings[0]);
    assert.deepEqual(res.usage, { prompt_tokens: 8, total_tokens: 8 });
  });

  test('multiple inputs keep order; base64 encoding is float32 little-endian', async () => {
    upstream.setHandler((_req, res) => sendJson(res, 200, fixtureJson('embed-multi-response.json')));
    const d = ollamaDeployment(handle, 'all-minilm');
    const input = ['Why is the sky blue?', 'Why is the grass green?'];
    const res = await ollamaAdapter.embed!({
      request: { model: 'all-minilm', input, encoding_format: 'base64' },
      deployment: d,
      signal: signal(),
    });
    assert.deepEqual(lastRequest().json.input, input);
    assert.deepEqual(
      res.data.map((e) => e.index),
      [0, 1],
    );
    const vectors = fixtureJson('embed-multi-response.json').embeddings as number[][];
    res.data.forEach((e, i) => {
      const buf = Buffer.from(e.embedding as string, 'base64');
      const decoded = Array.from({ length: buf.length / 4 }, (_, k) => buf.readFloatLE(k * 4));
      assert.equal(decoded.length, vectors[i]!.length);
      decoded.forEach((v, k) => assert.ok(Math.abs(v - vectors[i]![k]!) < 1e-6));
    });
    assert.deepEqual(res.usage, { prompt_tokens: 0, total_tokens: 0 });
  });

  test('token-id input is refused', async () => {
    const d = ollamaDeployment(handle, 'all-minilm');
    await assert.rejects(
      ollamaAdapter.embed!({ request: { model: 'all-minilm', input: [1, 2, 3] }, deployment: d, signal: signal() }),
      InvalidRequestError,
    );
  });
});

describe('models: tags, show, ps', () => {
  test('listModels reads /api/tags names', async () => {
    upstream.setHandler((req, res) =>
      req.url === '/api/tags' && req.method === 'GET'
        ? sendJson(res, 200, fixtureJson('tags-response.json'))
        : sendJson(res, 404, { error: 'wrong' }),
    );
    const models = await ollamaAdapter.listModels!(handle, signal());
    assert.deepEqual(models, [{ id: 'codellama:13b' }, { id: 'llama3:latest' }]);
  });

  test('ollamaShow reads context length and capabilities', async () => {
    upstream.setHandler((req, res) =>
      req.url === '/api/show' ? sendJson(res, 200, fixtureJson('show-response.json')) : sendJson(res, 404, { error: 'wrong' }),
    );
    const info = await ollamaShow(handle, 'llama3.2', signal());
    assert.deepEqual(lastRequest().json, { model: 'llama3.2' });
    assert.equal(lastRequest().method, 'POST');
    assert.deepEqual(info, {
      model: 'llama3.2',
      contextLength: 8192,
      capabilities: ['completion', 'tools'],
      family: 'llama',
      parameterSize: '8.0B',
      quantization: 'Q4_0',
    });
    assert.deepEqual(ollamaCapabilities(info), {
      contextWindow: 8192,
      tools: true,
      vision: false,
      embeddings: false,
      jsonSchema: true,
      reasoning: false,
    });
  });

  test('ollamaShow on an old server without capabilities reports only the context window', async () => {
    const { capabilities: _c, ...old } = fixtureJson('show-response.json');
    upstream.setHandler((_req, res) => sendJson(res, 200, old));
    const info = await ollamaShow(handle, 'llama3.2', signal());
    assert.deepEqual(info.capabilities, []);
    assert.deepEqual(ollamaCapabilities(info), { contextWindow: 8192 });
  });

  test('ollamaShow for a missing model throws 404', async () => {
    upstream.setHandler((_req, res) => sendJson(res, 404, { error: "model 'nope' not found" }));
    await assert.rejects(
      ollamaShow(handle, 'nope', signal()),
      (err: unknown) => err instanceof UpstreamError && err.status === 404 && /not found/.test(err.message),
    );
  });

  test('ollamaPs lists loaded models', async () => {
    upstream.setHandler((req, res) =>
      req.url === '/api/ps' && req.method === 'GET'
        ? sendJson(res, 200, fixtureJson('ps-response.json'))
        : sendJson(res, 404, { error: 'wrong' }),
    );
    const loaded = await ollamaPs(handle, signal());
    assert.deepEqual(loaded, [
      {
        name: 'mistral:latest',
        model: 'mistral:latest',
        size: 5137025024,
        sizeVram: 5137025024,
        expiresAt: '2024-06-04T14:38:31.83753-07:00',
      },
    ]);
  });
});
