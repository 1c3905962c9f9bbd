/**
 * End to end through every adapter: the official `openai` SDK drives the running gateway, which
 * talks to a fake upstream speaking each provider's own wire format on 127.0.0.1 — non-stream,
 * stream with usage, a tools round trip, and embeddings where the provider has them.
 * Wire shapes follow: Anthropic https://docs.anthropic.com/en/api/messages and
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming ; Gemini
 * https://ai.google.dev/api/generate-content and https://ai.google.dev/api/embeddings ; Ollama
 * https://github.com/ollama/ollama/blob/main/docs/api.md
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { startUpstream, sendJson, sendSse, sendNdjson, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

type Turn = 'text' | 'tool_call' | 'after_tool';

function turnOf(hasTools: boolean, hasToolResult: boolean): Turn {
  if (hasToolResult) return 'after_tool';
  return hasTools ? 'tool_call' : 'text';
}

function anthropic(req: RecordedRequest, res: ServerResponse): unknown {
  const b = req.json;
  const hasResult = b.messages.some(
    (m: { content: unknown }) => Array.isArray(m.content) && m.content.some((c: { type: string }) => c.type === 'tool_result'),
  );
  const turn = turnOf(Boolean(b.tools?.length), hasResult);
  const text = turn === 'after_tool' ? 'It is 22C in Boston.' : 'Hello from anthropic';
  if (b.stream) {
    return sendSse(res, [
      {
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            content: [],
            model: b.model,
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 25, output_tokens: 1 },
          },
        },
      },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello from ' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'anthropic' } } },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      {
        event: 'message_delta',
        data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
  }
  const content =
    turn === 'tool_call'
      ? [{ type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'Boston, MA' } }]
      : [{ type: 'text', text }];
  return sendJson(res, 200, {
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: b.model,
    content,
    stop_reason: turn === 'tool_call' ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 25, output_tokens: 15 },
  });
}

function gemini(req: RecordedRequest, res: ServerResponse): unknown {
  if (req.url.includes(':batchEmbedContents')) {
    return sendJson(res, 200, { embeddings: req.json.requests.map(() => ({ values: [0.1, 0.2, 0.3] })) });
  }
  const b = req.json;
  const hasResult = b.contents.some((c: { parts: Array<Record<string, unknown>> }) => c.parts.some((p) => p.functionResponse));
  const turn = turnOf(Boolean(b.tools?.length), hasResult);
  const usageMetadata = { promptTokenCount: 8, candidatesTokenCount: 5, totalTokenCount: 13 };
  if (req.url.includes(':streamGenerateContent')) {
    return sendSse(res, [
      { candidates: [{ content: { parts: [{ text: 'Hello from ' }], role: 'model' }, index: 0 }] },
      { candidates: [{ content: { parts: [{ text: 'gemini' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata },
    ]);
  }
  const parts =
    turn === 'tool_call'
      ? [{ functionCall: { name: 'get_weather', args: { location: 'Boston, MA' } } }]
      : [{ text: turn === 'after_tool' ? 'It is 22C in Boston.' : 'Hello from gemini' }];
  return sendJson(res, 200, {
    candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata,
    modelVersion: 'gemini-2.0-flash',
  });
}

function ollama(req: RecordedRequest, res: ServerResponse): unknown {
  // the gateway's health monitor watches local engines through these two
  if (req.url === '/api/tags') return sendJson(res, 200, { models: [{ name: 'qwen2.5:7b', model: 'qwen2.5:7b' }] });
  if (req.url === '/api/ps') return sendJson(res, 200, { models: [{ name: 'qwen2.5:7b', model: 'qwen2.5:7b' }] });
  if (req.url === '/api/embed') {
    const n = Array.isArray(req.json.input) ? req.json.input.length : 1;
    return sendJson(res, 200, {
      model: req.json.model,
      embeddings: Array.from({ length: n }, () => [0.1, 0.2, 0.3]),
      prompt_eval_count: 8,
    });
  }
  const b = req.json;
  const turn = turnOf(
    Boolean(b.tools?.length),
    b.messages.some((m: { role: string }) => m.role === 'tool'),
  );
  const base = { model: b.model, created_at: '2023-08-04T08:52:19.385406455-07:00' };
  const final = {
    ...base,
    message: { role: 'assistant', content: '' },
    done: true,
    done_reason: 'stop',
    total_duration: 4883583458,
    prompt_eval_count: 26,
    eval_count: 5,
  };
  if (b.stream !== false) {
    return sendNdjson(res, [
      { ...base, message: { role: 'assistant', content: 'Hello from ' }, done: false },
      { ...base, message: { role: 'assistant', content: 'ollama' }, done: false },
      final,
    ]);
  }
  const message =
    turn === 'tool_call'
      ? { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { location: 'Boston, MA' } } }] }
      : { role: 'assistant', content: turn === 'after_tool' ? 'It is 22C in Boston.' : 'Hello from ollama' };
  return sendJson(res, 200, { ...final, message });
}

const tools = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Current weather',
      parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
    },
  },
];

interface Case {
  id: string;
  type: string;
  handler?: (req: RecordedRequest, res: ServerResponse) => unknown;
  path?: string;
  model: string;
  embeddings: boolean;
  /** The mock answers from its own engine; the others from the fake upstream above. */
  expectText: RegExp;
}

const cases: Case[] = [
  {
    id: 'anthropic',
    type: 'anthropic',
    handler: anthropic,
    model: 'claude-sonnet-4-5',
    embeddings: false,
    expectText: /^Hello from anthropic$/,
  },
  {
    id: 'gemini',
    type: 'gemini',
    handler: gemini,
    path: '/v1beta',
    model: 'gemini-2.0-flash',
    embeddings: true,
    expectText: /^Hello from gemini$/,
  },
  { id: 'ollama', type: 'ollama', handler: ollama, model: 'qwen2.5:7b', embeddings: true, expectText: /^Hello from ollama$/ },
  { id: 'mock', type: 'mock', model: 'mock-small', embeddings: true, expectText: /^test passed$/ },
];

for (const c of cases) {
  describe(`e2e through the ${c.id} adapter`, () => {
    let upstream: FakeUpstream | undefined;
    let gw: RunningGateway;
    let client: OpenAI;

    before(async () => {
      const handler = c.handler;
      if (handler)
        upstream = await startUpstream(async (req, res) => {
          await handler(req, res);
        });
      const provider: Record<string, unknown> = {
        id: c.id,
        type: c.type,
        apiKey: 'secret-key-abcdef',
        location: c.type === 'ollama' || c.type === 'mock' ? 'local' : 'cloud',
      };
      if (upstream) provider.baseUrl = `${upstream.url}${c.path ?? ''}`;
      gw = await startGateway({
        providers: [provider],
        models: {
          chat: [{ provider: c.id, model: c.model }],
          embed: [{ provider: c.id, model: c.id === 'mock' ? 'mock-embed' : 'embed-model', capabilities: { embeddings: true } }],
        },
      });
      client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    });
    after(async () => {
      await gw.close();
      await upstream?.close();
    });

    const ask = c.id === 'mock' ? "Say 'test passed' and nothing else" : 'Hi';

    it('non-stream', async () => {
      const { data, response } = await client.chat.completions
        .create({ model: 'chat', messages: [{ role: 'user', content: ask }] })
        .withResponse();
      assert.match(data.choices[0]!.message.content ?? '', c.expectText);
      assert.ok((data.usage?.total_tokens ?? 0) > 0);
      assert.match(response.headers.get('x-meridian-route') ?? '', new RegExp(`^${c.id}/`));
    });

    it('stream with usage', async () => {
      const stream = await client.chat.completions.create({
        model: 'chat',
        messages: [{ role: 'user', content: ask }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | undefined;
      let finish: string | null | undefined;
      for await (const ch of stream) {
        text += ch.choices[0]?.delta?.content ?? '';
        finish = ch.choices[0]?.finish_reason ?? finish;
        if (ch.usage) usage = ch.usage;
      }
      assert.match(text, c.expectText);
      assert.equal(finish, 'stop');
      assert.ok(usage && usage.completion_tokens > 0, 'a usage chunk ends the stream');
    });

    it('tools round trip', async () => {
      const first = await client.chat.completions.create({
        model: 'chat',
        messages: [{ role: 'user', content: 'What is the weather in Boston? Use the tool.' }],
        tools,
        tool_choice: c.id === 'mock' ? 'required' : 'auto',
      });
      const msg = first.choices[0]!.message;
      assert.equal(first.choices[0]!.finish_reason, 'tool_calls');
      const call = msg.tool_calls?.[0];
      assert.ok(call && call.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      const args = JSON.parse(call.function.arguments) as { location: unknown };
      assert.equal(typeof args.location, 'string');
      const second = await client.chat.completions.create({
        model: 'chat',
        tools,
        messages: [
          { role: 'user', content: 'What is the weather in Boston? Use the tool.' },
          msg,
          { role: 'tool', tool_call_id: call.id, content: '{"temp_c":22}' },
        ],
      });
      const answer = second.choices[0]!.message.content ?? '';
      assert.ok(answer.length > 0);
      if (c.id !== 'mock') assert.equal(answer, 'It is 22C in Boston.');
    });

    if (c.embeddings) {
      it('embeddings', async () => {
        const res = await client.embeddings.create({ model: 'embed', input: ['first text', 'second text'] });
        assert.equal(res.data.length, 2);
        assert.ok(res.data[0]!.embedding.length >= 3);
        assert.ok(res.data[0]!.embedding.every((x) => typeof x === 'number' && Number.isFinite(x)));
      });
    }
  });
}
