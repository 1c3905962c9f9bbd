/**
 * Issue #13 "Ollama-compatible inbound", end to end over 127.0.0.1 with the official `ollama` npm
 * client: /api/chat, /api/generate, /api/embed, /api/embeddings, /api/tags, /api/show and
 * /api/version in front of fake OpenAI-compatible upstreams (one local, one cloud), with auth on
 * and the privacy guard pseudonymizing before the cloud. Shapes follow
 * https://github.com/ollama/ollama/blob/main/docs/api.md ; the fakes speak
 * https://platform.openai.com/docs/api-reference/chat and .../chat-streaming.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ollama } from 'ollama';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { sendJson, sendSse, startUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';

const MASTER = 'master-key-for-ollama-tests-000001';
const EMAIL = 'jane.doe@example.com';
const PLACEHOLDER = /⟦[A-Z0-9_]+⟧/;

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

const usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-o',
  object: 'chat.completion.chunk',
  created: 1700000000,
  model: 'upstream-model',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

/** What the fakes answer: a tool call when tools are offered and not yet answered, else an echo of the last user text. */
function answerFor(body: any): { content: string | null; reasoning?: string; toolArgs?: string; finish: string } {
  const messages = body.messages as Array<{ role: string; content: unknown }>;
  if (body.tools?.length && !messages.some((m) => m.role === 'tool'))
    return { content: null, toolArgs: '{"city":"Paris"}', finish: 'tool_calls' };
  if (body.model === 'broken-model') return { content: 'partial', finish: 'broken' };
  const last = messages.filter((m) => m.role !== 'assistant').at(-1)!;
  const text = typeof last.content === 'string' ? last.content : JSON.stringify(last.content);
  if (body.response_format) return { content: '{"age":22,"available":true}', finish: 'stop' };
  return { content: `echo: ${text}`, ...(body.reasoning_effort ? { reasoning: 'thinking hard' } : {}), finish: 'stop' };
}

async function upstreamHandler(req: RecordedRequest, res: Parameters<typeof sendJson>[0]): Promise<void> {
  const b = req.json;
  if (req.url.endsWith('/embeddings')) {
    const n = Array.isArray(b.input) ? b.input.length : 1;
    // Out of order on purpose: `index` says where each vector belongs.
    const data = Array.from({ length: n }, (_, i) => ({ object: 'embedding', index: n - 1 - i, embedding: [n - 1 - i, 0.5] }));
    return sendJson(res, 200, { object: 'list', data, model: 'embed-model', usage: { prompt_tokens: 3, total_tokens: 3 } });
  }
  const a = answerFor(b);
  const toolCall = { id: 'call_up_1', type: 'function', function: { name: 'get_weather', arguments: a.toolArgs } };
  if (!b.stream) {
    const message = { role: 'assistant', content: a.content, ...(a.reasoning ? { reasoning_content: a.reasoning } : {}) };
    if (a.toolArgs) Object.assign(message, { tool_calls: [toolCall] });
    return sendJson(res, 200, {
      id: 'chatcmpl-o',
      object: 'chat.completion',
      created: 1700000000,
      model: 'upstream-model',
      choices: [{ index: 0, message, finish_reason: a.finish }],
      usage,
    });
  }
  if (a.finish === 'broken') {
    // Fails after its first chunk, the way OpenAI-compatible engines report it: the client must see
    // Ollama's error line, not a clean end.
    return sendSse(res, [chunk({ role: 'assistant', content: 'partial' }), { error: { message: 'engine crashed', type: 'server_error' } }]);
  }
  const events: Array<object | string> = [chunk({ role: 'assistant', content: '' })];
  if (a.reasoning) events.push(chunk({ reasoning_content: a.reasoning }));
  if (a.toolArgs) {
    events.push(chunk({ tool_calls: [{ index: 0, id: 'call_up_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }));
    for (const piece of ['{"city"', ':"Par', 'is"}']) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
  }
  // Cut every 3 characters, so placeholders arrive split across chunks.
  for (const piece of (a.content ?? '').match(/[\s\S]{1,3}/g) ?? []) events.push(chunk({ content: piece }));
  events.push(chunk({}, a.finish), { ...chunk({}), choices: [], usage }, '[DONE]');
  return sendSse(res, events);
}

interface Setup {
  gw: RunningGateway;
  upstream: FakeUpstream;
  key: string;
  limitedKey: string;
}

async function createKey(url: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201);
  return ((await res.json()) as { key: string }).key;
}

async function setup(): Promise<Setup> {
  const upstream = await startUpstream(upstreamHandler);
  const gw = await startGateway(
    {
      providers: [
        { id: 'local', type: 'openai-compatible', baseUrl: `${upstream.url}/local/v1`, location: 'local' },
        {
          id: 'cloud',
          type: 'openai-compatible',
          baseUrl: `${upstream.url}/cloud/v1`,
          apiKey: 'sk-fake-cloud-000000000',
          location: 'cloud',
        },
      ],
      models: {
        'chat-default': [{ provider: 'local', model: 'local-model' }],
        'cloud-chat': [{ provider: 'cloud', model: 'cloud-model', capabilities: { tools: true, vision: true, contextWindow: 128000 } }],
        'broken-chat': [{ provider: 'local', model: 'broken-model' }],
        'embed-default': [{ provider: 'local', model: 'embed-model' }],
      },
      guard: { defaultAction: 'pseudonymize' },
      router: { healthIntervalMs: 0, retries: 0 },
    },
    { env: { MERIDIAN_MASTER_KEY: MASTER } },
  );
  const key = await createKey(gw.url, { tenant: 'ollama-tests' });
  const limitedKey = await createKey(gw.url, { tenant: 'ollama-tests', models: ['chat-default', 'nowhere/x'] });
  return { gw, upstream, key, limitedKey };
}

describe('Ollama API (/api/*) through the gateway', () => {
  let s: Setup;
  let client: Ollama;
  const sentTo = (path: string, from: number) => s.upstream.requests.slice(from).filter((r) => r.url.startsWith(path));
  const raw = (path: string, body: unknown, key = s.key) =>
    fetch(`${s.gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const ndjson = async (res: Response) =>
    (await res.text())
      .split('\n')
      .filter((l) => l)
      .map((l) => JSON.parse(l) as Record<string, any>);

  before(async () => {
    s = await setup();
    client = new Ollama({ host: s.gw.url, headers: { Authorization: `Bearer ${s.key}` } });
  });
  after(async () => {
    await s.gw.close();
    await s.upstream.close();
  });

  it('GET /api/version answers without a key', async () => {
    const anonymous = new Ollama({ host: s.gw.url });
    assert.deepEqual(await anonymous.version(), { version: '0.12.0' });
  });

  it('GET /api/tags lists the aliases, and only the allowed names for a limited key', async () => {
    const all = await client.list();
    const names = all.models.map((m) => m.name);
    for (const n of ['chat-default', 'cloud-chat', 'embed-default']) assert.ok(names.includes(n), `${n} listed`);
    const m = all.models.find((x) => x.name === 'cloud-chat')!;
    assert.equal(m.model, 'cloud-chat');
    assert.match(m.digest, /^[0-9a-f]{64}$/);
    assert.ok(!Number.isNaN(Date.parse(String(m.modified_at))));
    const limited = new Ollama({ host: s.gw.url, headers: { Authorization: `Bearer ${s.limitedKey}` } });
    // 'nowhere/x' names no configured provider: it is not offered.
    assert.deepEqual(
      (await limited.list()).models.map((x) => x.name),
      ['chat-default'],
    );
  });

  it('POST /api/show reports capabilities and context length; 404 in Ollama shape for an unknown model', async () => {
    const shown = await client.show({ model: 'cloud-chat' });
    assert.deepEqual(shown.capabilities, ['completion', 'tools', 'vision']);
    const info = shown.model_info as unknown as Record<string, unknown>;
    assert.equal(info['general.architecture'], 'meridian');
    assert.equal(info['meridian.context_length'], 128000);
    assert.deepEqual((await client.show({ model: 'embed-default' })).capabilities, ['embedding']);
    await assert.rejects(client.show({ model: 'no-such-model' }), (err: Error & { status_code?: number }) => {
      assert.equal(err.status_code, 404);
      assert.match(err.message, /no-such-model/);
      return true;
    });
  });

  it('POST /api/chat (stream: false): one object with message, done_reason, counts and durations; options mapped', async () => {
    const from = s.upstream.requests.length;
    const res = await client.chat({
      model: 'chat-default',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello there' },
      ],
      options: { temperature: 0.2, top_p: 0.9, num_predict: 64, stop: ['\n\n'], seed: 7 },
      keep_alive: '5m',
    });
    assert.equal(res.model, 'chat-default');
    assert.deepEqual(res.message, { role: 'assistant', content: 'echo: Hello there' });
    assert.equal(res.done, true);
    assert.equal(res.done_reason, 'stop');
    assert.equal(res.prompt_eval_count, 11);
    assert.equal(res.eval_count, 7);
    assert.equal(res.load_duration, 0);
    assert.ok(res.total_duration > 0 && res.eval_duration <= res.total_duration);
    const [sent] = sentTo('/local/v1/chat/completions', from);
    assert.ok(sent);
    assert.notEqual(sent.json.stream, true);
    assert.equal(sent.json.temperature, 0.2);
    assert.equal(sent.json.top_p, 0.9);
    assert.equal(sent.json.max_tokens, 64);
    assert.deepEqual(sent.json.stop, ['\n\n']);
    assert.equal(sent.json.seed, 7);
    assert.deepEqual(
      sent.json.messages.map((m: { role: string }) => m.role),
      ['system', 'user'],
    );
  });

  it('POST /api/chat streams NDJSON when `stream` is omitted (Ollama default), with routing headers and a final done object', async () => {
    const res = await raw('/api/chat', { model: 'chat-default', messages: [{ role: 'user', content: 'Stream me' }] });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    assert.match(res.headers.get('x-meridian-route') ?? '', /^local\/local-model; reason=/);
    const lines = await ndjson(res);
    const last = lines.at(-1)!;
    assert.equal(last.done, true);
    assert.equal(last.done_reason, 'stop');
    assert.equal(last.eval_count, 7);
    assert.ok(last.total_duration >= last.prompt_eval_duration);
    assert.ok(lines.slice(0, -1).every((l) => l.done === false && l.message.role === 'assistant'));
    assert.equal(lines.map((l) => l.message.content).join(''), 'echo: Stream me');
  });

  it('POST /api/chat with the client streaming', async () => {
    const parts: string[] = [];
    let final: { done: boolean; eval_count: number } | undefined;
    for await (const part of await client.chat({
      model: 'chat-default',
      messages: [{ role: 'user', content: 'Count' }],
      stream: true,
    })) {
      parts.push(part.message.content);
      if (part.done) final = part;
    }
    assert.equal(parts.join(''), 'echo: Count');
    assert.equal(final?.eval_count, 7);
  });

  it('POST /api/generate: system + prompt become a chat; stream false and streamed', async () => {
    const from = s.upstream.requests.length;
    const res = await client.generate({ model: 'chat-default', system: 'You are terse.', prompt: 'Why is the sky blue?' });
    assert.equal(res.response, 'echo: Why is the sky blue?');
    assert.equal(res.done, true);
    assert.equal(res.done_reason, 'stop');
    assert.equal(res.prompt_eval_count, 11);
    const [sent] = sentTo('/local/v1/chat/completions', from);
    assert.deepEqual(sent!.json.messages, [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Why is the sky blue?' },
    ]);
    let text = '';
    let last: { done: boolean; done_reason: string } | undefined;
    for await (const part of await client.generate({ model: 'chat-default', prompt: 'Again', stream: true })) {
      text += part.response;
      last = part;
    }
    assert.equal(text, 'echo: Again');
    assert.equal(last?.done, true);
    assert.equal(last?.done_reason, 'stop');
  });

  it('think: true asks for reasoning; the trace comes back as message.thinking (and streamed `thinking`)', async () => {
    const from = s.upstream.requests.length;
    const res = await client.chat({ model: 'chat-default', messages: [{ role: 'user', content: 'Think' }], think: true });
    assert.equal(res.message.thinking, 'thinking hard');
    assert.equal(sentTo('/local/v1/chat/completions', from)[0]!.json.reasoning_effort, 'medium');
    let thinking = '';
    for await (const part of await client.generate({ model: 'chat-default', prompt: 'Think', think: 'high', stream: true }))
      thinking += part.thinking ?? '';
    assert.equal(thinking, 'thinking hard');
  });

  it('tool calls round trip: arguments as objects out, tool results matched to the call id by tool_name', async () => {
    const from = s.upstream.requests.length;
    const first = await client.chat({
      model: 'chat-default',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
    });
    assert.equal(first.done_reason, 'stop');
    assert.equal(first.message.tool_calls?.length, 1);
    assert.equal(first.message.tool_calls![0]!.function.name, 'get_weather');
    assert.deepEqual(first.message.tool_calls![0]!.function.arguments, { city: 'Paris' });
    assert.deepEqual(sentTo('/local/v1/chat/completions', from)[0]!.json.tools, [weatherTool]);

    // Streamed, the fragments are assembled into one whole call.
    const streamed: unknown[] = [];
    for await (const part of await client.chat({
      model: 'chat-default',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
      stream: true,
    }))
      streamed.push(...(part.message.tool_calls ?? []));
    assert.equal(streamed.length, 1);
    assert.deepEqual((streamed[0] as { function: { arguments: unknown } }).function.arguments, { city: 'Paris' });

    // The client sends the call and its result back (Ollama's way: the result names the tool).
    const mark = s.upstream.requests.length;
    const second = await client.chat({
      model: 'chat-default',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
        { role: 'tool', content: 'sunny, 21C', tool_name: 'get_weather' },
      ],
      tools: [weatherTool],
    });
    assert.equal(second.message.content, 'echo: sunny, 21C');
    const sent = sentTo('/local/v1/chat/completions', mark)[0]!.json;
    const call = sent.messages[1].tool_calls[0];
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
    assert.equal(sent.messages[2].role, 'tool');
    assert.equal(sent.messages[2].tool_call_id, call.id);
  });

  it('format: a JSON schema becomes response_format json_schema, "json" becomes json_object', async () => {
    const schema = { type: 'object', properties: { age: { type: 'integer' }, available: { type: 'boolean' } }, required: ['age'] };
    const from = s.upstream.requests.length;
    const res = await client.chat({ model: 'chat-default', messages: [{ role: 'user', content: 'Ollama is 22' }], format: schema });
    assert.deepEqual(JSON.parse(res.message.content), { age: 22, available: true });
    const sent = sentTo('/local/v1/chat/completions', from)[0]!.json;
    assert.equal(sent.response_format.type, 'json_schema');
    assert.deepEqual(sent.response_format.json_schema.schema, schema);
    await client.generate({ model: 'chat-default', prompt: 'JSON please', format: 'json' });
    assert.deepEqual(s.upstream.requests.at(-1)!.json.response_format, { type: 'json_object' });
  });

  it('POST /api/embed and the legacy /api/embeddings go through the embeddings pipeline', async () => {
    const res = await client.embed({ model: 'embed-default', input: ['first', 'second'] });
    assert.equal(res.model, 'embed-default');
    assert.deepEqual(res.embeddings, [
      [0, 0.5],
      [1, 0.5],
    ]);
    assert.equal(res.prompt_eval_count, 3);
    assert.ok(res.total_duration > 0);
    assert.deepEqual(await client.embeddings({ model: 'embed-default', prompt: 'one' }), { embedding: [0, 0.5] });
    const r = await raw('/api/embed', { model: 'embed-default', input: 'x' });
    assert.match(r.headers.get('x-meridian-route') ?? '', /^local\/embed-model; reason=/);
  });

  it('the guard pseudonymizes before the cloud and restores in the answer and the NDJSON stream', async () => {
    const from = s.upstream.requests.length;
    const prompt = `Please write to ${EMAIL} today.`;
    const res = await raw('/api/chat', { model: 'cloud-chat', messages: [{ role: 'user', content: prompt }], stream: false });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-meridian-pii') ?? '', /email=1/);
    assert.equal(((await res.json()) as { message: { content: string } }).message.content, `echo: ${prompt}`);

    let streamed = '';
    for await (const part of await client.chat({ model: 'cloud-chat', messages: [{ role: 'user', content: prompt }], stream: true }))
      streamed += part.message.content;
    assert.equal(streamed, `echo: ${prompt}`);
    const gen = await client.generate({ model: 'cloud-chat', prompt });
    assert.equal(gen.response, `echo: ${prompt}`);

    const sent = sentTo('/cloud/v1/chat/completions', from);
    assert.equal(sent.length, 3);
    for (const r of sent) {
      assert.ok(!r.body.includes(EMAIL), 'the cloud upstream never sees the address');
      assert.match(r.body, PLACEHOLDER);
    }
  });

  it('a load request (no messages, no prompt) is answered without running anything; keep_alive 0 unloads', async () => {
    const from = s.upstream.requests.length;
    const load = await client.chat({ model: 'chat-default', messages: [] });
    assert.equal(load.done, true);
    assert.equal(load.done_reason, 'load');
    assert.deepEqual(load.message, { role: 'assistant', content: '' });
    const unload = await raw('/api/generate', { model: 'chat-default', keep_alive: 0 });
    assert.equal(unload.status, 200);
    const body = (await unload.json()) as Record<string, unknown>;
    assert.equal(body.done_reason, 'unload');
    assert.equal(body.response, '');
    assert.equal(s.upstream.requests.length, from, 'nothing reached an upstream');
    assert.equal((await raw('/api/chat', { model: 'no-such-model', messages: [] })).status, 404);
  });

  it('errors are {"error": "..."} with the status: 400 bad body, 400 bad JSON, 401 without a key, 403 model not allowed, 404 unknown model', async () => {
    const expectError = async (res: Response, status: number, pattern: RegExp) => {
      assert.equal(res.status, status);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const body = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body), ['error']);
      assert.equal(typeof body.error, 'string');
      assert.match(body.error as string, pattern);
    };
    await expectError(await raw('/api/chat', { model: 'chat-default', messages: 'hello' }), 400, /messages/);
    await expectError(await raw('/api/chat', { model: 'chat-default', messages: [{ role: 'robot', content: 'x' }] }), 400, /role/);
    await expectError(await raw('/api/generate', { model: 'chat-default', prompt: 'x', suffix: 'y' }), 400, /suffix/);
    await expectError(await raw('/api/embed', { model: 'embed-default' }), 400, /input/);
    await expectError(await raw('/api/chat', '{"model":'), 400, /not valid JSON/);
    await expectError(
      await fetch(`${s.gw.url}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: 'x' }] }),
      }),
      401,
      /API key/,
    );
    await expectError(await fetch(`${s.gw.url}/api/tags`), 401, /API key/);
    await expectError(
      await raw('/api/chat', { model: 'cloud-chat', messages: [{ role: 'user', content: 'x' }] }, s.limitedKey),
      403,
      /may not use/,
    );
    await expectError(await raw('/api/chat', { model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }), 404, /no-such-model/);
    // The client surfaces them as ResponseError with the status.
    await assert.rejects(
      client.chat({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
      (err: Error & { status_code?: number }) => {
        assert.equal(err.status_code, 404);
        return true;
      },
    );
  });

  it('a stream that fails midway ends with an {"error"} line, never a done object; the client throws', async () => {
    const res = await raw('/api/chat', { model: 'broken-chat', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.status, 200);
    const lines = await ndjson(res);
    assert.equal(lines[0]!.message.content, 'partial');
    const last = lines.at(-1)!;
    assert.deepEqual(Object.keys(last), ['error']);
    assert.ok(!lines.some((l) => l.done === true));
    await assert.rejects(async () => {
      for await (const _ of await client.chat({ model: 'broken-chat', messages: [{ role: 'user', content: 'x' }], stream: true })) void _;
    });
  });
});
