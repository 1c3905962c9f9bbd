/**
 * POST /v1/responses (issue #13): the official `openai` client's Responses API drives the gateway
 * in front of a fake OpenAI-compatible upstream (local and cloud) and the in-process mock —
 * non-stream, stream, the function_call → function_call_output round trip, length → incomplete,
 * a mid-stream failure, and pseudonymize + restore through the event stream.
 * Reference: https://platform.openai.com/docs/api-reference/responses ,
 * https://platform.openai.com/docs/api-reference/responses-streaming
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startUpstream, sendJson, sendSse, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const EMAIL = 'jane.doe@example.com';
const PLACEHOLDER = /⟦[A-Z0-9_]+⟧/g;

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-r',
  object: 'chat.completion.chunk',
  created: 1700000000,
  model: 'up-model',
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const completion = (message: Record<string, unknown>, finish = 'stop') => ({
  id: 'chatcmpl-r',
  object: 'chat.completion',
  created: 1700000000,
  model: 'up-model',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
  usage: { prompt_tokens: 21, completion_tokens: 7, total_tokens: 28, completion_tokens_details: { reasoning_tokens: 2 } },
});
const usageChunk = { ...chunk({}), choices: [], usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 } };
const callArgs = '{"city":"Paris"}';

type Message = { role: string; content: unknown; tool_calls?: unknown };

function upstreamHandler(req: RecordedRequest, res: Parameters<Parameters<typeof startUpstream>[0]>[1]) {
  const b = req.json as { stream?: boolean; tools?: unknown[]; messages: Message[]; max_tokens?: number; model: string };
  const toolResult = b.messages.find((m) => m.role === 'tool');
  // The cloud fake echoes whatever placeholders reached it, split across chunks.
  const placeholders = [...new Set(req.body.match(PLACEHOLDER) ?? [])];
  if (b.model === 'cloud-model' && !b.stream) {
    const args = JSON.stringify({ to: placeholders[0] ?? 'nobody' });
    return sendJson(
      res,
      200,
      completion(
        { content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'send_mail', arguments: args } }] },
        'tool_calls',
      ),
    );
  }
  if (b.model === 'cloud-model') {
    const text = `Will write to ${placeholders[0] ?? 'nobody'}.`;
    const cut = text.indexOf('⟦') + 3;
    return sendSse(res, [
      chunk({ role: 'assistant', content: text.slice(0, cut) }),
      chunk({ content: text.slice(cut) }),
      chunk({}, 'stop'),
      '[DONE]',
    ]);
  }
  if (b.model === 'broken-model') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // Ends without finish_reason or [DONE]: the adapter reports upstream_truncated after the text.
    return void res.end(`data: ${JSON.stringify(chunk({ role: 'assistant', content: 'partial' }))}\n\n`);
  }
  if (b.tools && !toolResult) {
    if (b.stream)
      return sendSse(res, [
        chunk({
          role: 'assistant',
          tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: callArgs.slice(0, 6) } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: callArgs.slice(6) } }] }),
        chunk({}, 'tool_calls'),
        usageChunk,
        '[DONE]',
      ]);
    return sendJson(
      res,
      200,
      completion(
        { content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: callArgs } }] },
        'tool_calls',
      ),
    );
  }
  if (b.stream)
    return sendSse(res, [
      chunk({ role: 'assistant', reasoning_content: 'thinking…' }),
      chunk({ content: 'Hello' }),
      chunk({ content: ' there' }),
      chunk({}, b.max_tokens === 1 ? 'length' : 'stop'),
      usageChunk,
      '[DONE]',
    ]);
  const text = toolResult ? `Weather: ${String(toolResult.content)}` : `roles=${b.messages.map((m) => m.role).join(',')}`;
  return sendJson(res, 200, completion({ content: text, reasoning_content: 'pondered' }, b.max_tokens === 1 ? 'length' : 'stop'));
}

describe('OpenAI Responses endpoint', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  let client: OpenAI;

  before(async () => {
    upstream = await startUpstream(upstreamHandler);
    gw = await startGateway({
      providers: [
        { id: 'local', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' },
        {
          id: 'cloudfake',
          type: 'openai-compatible',
          baseUrl: `${upstream.url}/v1`,
          apiKey: 'sk-fake-cloud-key-000000',
          location: 'cloud',
        },
        { id: 'mock', type: 'mock', location: 'local' },
      ],
      models: {
        'chat-default': [{ provider: 'local', model: 'up-model', capabilities: { tools: true } }],
        cloud: [{ provider: 'cloudfake', model: 'cloud-model' }],
        broken: [{ provider: 'local', model: 'broken-model' }],
        mocked: [{ provider: 'mock', model: 'mock-small' }],
      },
      guard: { defaultAction: 'pseudonymize' },
      router: { healthIntervalMs: 0 },
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('answers a response object with instructions as the system message, reasoning and usage', async () => {
    const { data, response } = await client.responses
      .create({ model: 'chat-default', instructions: 'Be brief.', input: 'Hi', metadata: { app: 'test' }, store: true })
      .withResponse();
    assert.match(data.id, /^resp_/);
    assert.equal(data.object, 'response');
    assert.equal(data.status, 'completed');
    assert.equal(data.model, 'up-model');
    assert.equal(data.output_text, 'roles=system,user');
    assert.deepEqual(
      data.output.map((o) => o.type),
      ['reasoning', 'message'],
    );
    const reasoning = data.output[0];
    assert.ok(reasoning?.type === 'reasoning');
    assert.equal(reasoning.summary[0]?.text, 'pondered');
    assert.deepEqual(data.usage, {
      input_tokens: 21,
      output_tokens: 7,
      total_tokens: 28,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 2 },
    });
    assert.equal((data as unknown as { store: boolean }).store, true, 'stored (responses-store.test.ts covers the rest)');
    assert.equal(data.instructions, 'Be brief.');
    assert.deepEqual(data.metadata, { app: 'test' });
    assert.match(response.headers.get('x-meridian-route') ?? '', /^local\/up-model/);
    const sent = upstream.requests.at(-1)!.json;
    assert.deepEqual(sent.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
  });

  it('maps max_output_tokens, text.format, reasoning.effort and tools to the upstream request', async () => {
    await client.responses.create({
      model: 'chat-default',
      input: [
        { role: 'developer', content: [{ type: 'input_text', text: 'rules' }] },
        { role: 'user', content: 'go' },
      ],
      max_output_tokens: 1,
      temperature: 0.3,
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'low' },
    });
    const sent = upstream.requests.at(-1)!.json;
    assert.equal(sent.max_tokens, 1);
    assert.equal(sent.temperature, 0.3);
    assert.equal(sent.reasoning_effort, 'low');
    assert.deepEqual(sent.response_format, {
      type: 'json_schema',
      json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
    });
    assert.equal(sent.messages[0].role, 'developer');
  });

  it('marks a length-cut answer incomplete with incomplete_details', async () => {
    const data = await client.responses.create({ model: 'chat-default', input: 'Hi', max_output_tokens: 1 });
    assert.equal(data.status, 'incomplete');
    assert.deepEqual(data.incomplete_details, { reason: 'max_output_tokens' });
  });

  it('streams the documented event sequence with increasing sequence numbers', async () => {
    const stream = client.responses.stream({ model: 'chat-default', input: 'Hi' });
    const types: string[] = [];
    const seqs: number[] = [];
    let text = '';
    for await (const ev of stream) {
      types.push(ev.type);
      seqs.push(ev.sequence_number);
      if (ev.type === 'response.output_text.delta') text += ev.delta;
    }
    const final = await stream.finalResponse();
    assert.equal(text, 'Hello there');
    assert.deepEqual(types, [
      'response.created',
      'response.in_progress',
      'response.output_item.added', // reasoning
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added', // message
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i),
    );
    assert.equal(final.status, 'completed');
    assert.equal(final.model, 'up-model', 'the answering model, as chat reports it');
    assert.equal(final.output_text, 'Hello there');
    assert.equal(final.usage?.input_tokens, 11);
    assert.equal(final.usage?.output_tokens, 3);
    const reasoning = final.output[0];
    assert.ok(reasoning?.type === 'reasoning');
    assert.equal(reasoning.summary[0]?.text, 'thinking…');
  });

  it('ends a length-cut stream with response.incomplete, not response.completed', async () => {
    const stream = await client.responses.create({ model: 'chat-default', input: 'Hi', max_output_tokens: 1, stream: true });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    assert.equal(types.at(-1), 'response.incomplete');
    assert.ok(!types.includes('response.completed'));
  });

  const tools = [
    {
      type: 'function' as const,
      name: 'get_weather',
      description: 'Weather by city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      strict: false,
    },
  ];

  it('round-trips a tool call: function_call out, function_call_output back in', async () => {
    const first = await client.responses.create({ model: 'chat-default', input: 'Weather in Paris?', tools, tool_choice: 'auto' });
    const sent = upstream.requests.at(-1)!.json;
    assert.deepEqual(sent.tools[0], {
      type: 'function',
      function: { name: 'get_weather', description: 'Weather by city', parameters: tools[0]!.parameters, strict: false },
    });
    assert.equal(sent.tool_choice, 'auto');
    const call = first.output.find((o) => o.type === 'function_call');
    assert.ok(call?.type === 'function_call');
    assert.equal(call.call_id, 'call_1');
    assert.equal(call.name, 'get_weather');
    assert.equal(call.arguments, callArgs);
    assert.ok(!first.output.some((o) => o.type === 'message'), 'no empty message item next to a tool call');

    const second = await client.responses.create({
      model: 'chat-default',
      tools,
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        call,
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny' },
      ],
    });
    assert.equal(second.output_text, 'Weather: sunny');
    const back = upstream.requests.at(-1)!.json.messages as Message[];
    assert.deepEqual(back[1], {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: callArgs } }],
    });
    assert.deepEqual(back[2], { role: 'tool', tool_call_id: 'call_1', content: 'sunny' });
  });

  it('streams a tool call as function_call_arguments deltas', async () => {
    const stream = client.responses.stream({ model: 'chat-default', input: 'Weather?', tools });
    const deltas: string[] = [];
    let done = '';
    for await (const ev of stream) {
      if (ev.type === 'response.function_call_arguments.delta') deltas.push(ev.delta);
      if (ev.type === 'response.function_call_arguments.done') done = ev.arguments;
    }
    const final = await stream.finalResponse();
    assert.deepEqual(deltas, [callArgs.slice(0, 6), callArgs.slice(6)]);
    assert.equal(done, callArgs);
    const call = final.output.find((o) => o.type === 'function_call');
    assert.ok(call?.type === 'function_call');
    assert.equal(call.arguments, callArgs);
    assert.equal(call.status, 'completed');
  });

  it('pseudonymizes the input before a cloud deployment and restores it in the event stream', async () => {
    const before = upstream.requests.length;
    const stream = client.responses.stream({
      model: 'cloud',
      input: [{ role: 'user', content: [{ type: 'input_text', text: `Mail ${EMAIL} please` }] }],
    });
    let text = '';
    for await (const ev of stream) if (ev.type === 'response.output_text.delta') text += ev.delta;
    const final = await stream.finalResponse();
    const sent = upstream.requests.slice(before);
    assert.equal(sent.length, 1);
    assert.ok(!sent[0]!.body.includes(EMAIL), 'the email must not reach the cloud');
    assert.match(sent[0]!.body, PLACEHOLDER);
    assert.equal(text, `Will write to ${EMAIL}.`);
    assert.equal(final.output_text, `Will write to ${EMAIL}.`);
  });

  it('restores pseudonyms in function_call arguments of a non-stream answer from a cloud deployment', async () => {
    const before = upstream.requests.length;
    const data = await client.responses.create({
      model: 'cloud',
      input: `Send a mail to ${EMAIL}`,
      tools: [{ type: 'function', name: 'send_mail', parameters: { type: 'object' }, strict: false }],
    });
    const sent = upstream.requests.slice(before);
    assert.ok(!sent[0]!.body.includes(EMAIL), 'the email must not reach the cloud');
    const call = data.output.find((o) => o.type === 'function_call');
    assert.ok(call?.type === 'function_call');
    assert.deepEqual(JSON.parse(call.arguments), { to: EMAIL });
  });

  it('ends a stream that fails midway with an error event, never response.completed', async () => {
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'broken', input: 'Hi', stream: true }),
    });
    assert.equal(res.status, 200);
    const body = await res.text();
    assert.match(body, /event: response\.output_text\.delta/);
    const m = /event: error\ndata: (.*)\n\n$/.exec(body);
    assert.ok(m, body);
    const error = JSON.parse(m[1]!) as { type: string; code: string; sequence_number: number };
    assert.equal(error.type, 'error');
    assert.equal(error.code, 'upstream_truncated');
    assert.ok(!body.includes('response.completed'), body);
    // The SDK hands the documented ResponseErrorEvent to the caller, and there is no final response.
    const stream = client.responses.stream({ model: 'broken', input: 'Hi' });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    assert.equal(types.at(-1), 'error');
    await assert.rejects(stream.finalResponse());
  });

  it('serves the in-process mock provider, stream and non-stream', async () => {
    const data = await client.responses.create({ model: 'mocked', input: 'Hi' });
    assert.equal(data.status, 'completed');
    assert.ok(data.output_text.length > 0);
    const stream = client.responses.stream({ model: 'mocked', input: 'Hi' });
    let text = '';
    for await (const ev of stream) if (ev.type === 'response.output_text.delta') text += ev.delta;
    assert.equal(text, data.output_text);
    assert.equal((await stream.finalResponse()).status, 'completed');
  });

  it('refuses built-in tools, item references and empty input with a 400 in the OpenAI envelope', async () => {
    for (const [body, param] of [
      [{ model: 'chat-default', input: 'Hi', tools: [{ type: 'web_search' }] }, 'tools[0].type'],
      [{ model: 'chat-default', input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0]'],
      [{ model: 'chat-default', input: [] }, 'input'],
      [{ model: 'bad model', input: 'Hi' }, 'model'],
    ] as const) {
      const res = await fetch(`${gw.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 400, param);
      const json = (await res.json()) as { error: { message: string; type: string; param: string | null } };
      assert.equal(json.error.type, 'invalid_request_error');
      assert.equal(json.error.param, param);
    }
  });
});
