/**
 * Seeded fuzz of POST /v1/responses (issue #13): 1,000+ hostile bodies and headers (a stored
 * conversation continued with previous_response_id among them); no 5xx, every error in the OpenAI
 * envelope without client values, the event loop never blocked > 100 ms.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertLoopNeverBlocked,
  checkResponse,
  describeFailures,
  postCases,
  rng,
  runCases,
  watchEventLoop,
  type FuzzRun,
} from '../helpers/fuzz.js';
import { CHAT_ALIASES, PROVIDER_PREFIXES, fuzzSeed, startFuzzGateway, type FuzzGateway } from '../helpers/fuzz-gateway.js';

const SEED = fuzzSeed(0x7e5b);

const templates: Array<Record<string, unknown>> = [
  { model: 'chat-default', input: 'Hello, my email is jane.doe@example.com' },
  {
    model: 'cloud-chat',
    stream: true,
    instructions: 'Be brief.',
    input: [
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'What is this?' },
          { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' },
        ],
      },
    ],
    max_output_tokens: 64,
    temperature: 0.2,
    top_p: 0.9,
    metadata: { app: 'fuzz' },
    user: 'u-1',
    store: false,
    reasoning: { effort: 'low' },
    text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
  },
  {
    model: 'chat-default',
    input: [
      { type: 'message', role: 'user', content: 'Weather?' },
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'use the tool' }] },
      { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
      { role: 'assistant', content: [{ type: 'output_text', text: 'It is sunny.' }] },
      { role: 'user', content: 'Thanks' },
    ],
    tools: [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, strict: false }],
    tool_choice: { type: 'function', name: 'get_weather' },
    parallel_tool_calls: false,
  },
];

describe('fuzz POST /v1/responses', () => {
  let gw: FuzzGateway;
  before(async () => {
    gw = await startFuzzGateway();
    // A stored response to continue: mutated, previous_response_id takes hostile values too.
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { ...gw.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat-default', input: 'Remember this.' }),
    });
    assert.equal(res.status, 200);
    const { id } = (await res.json()) as { id: string };
    templates.push({ model: 'chat-default', input: [{ role: 'user', content: 'And then?' }], previous_response_id: id, store: true });
    // An unregistered prompt: hostile ids, versions and variables go through its validation (then a 404).
    templates.push({ input: 'Hi', prompt: { id: 'fuzz-prompt', version: '1', variables: { who: { type: 'input_text', text: 'me' } } } });
  });
  after(() => gw.close());

  it(`answers 1,000 hostile requests without a 5xx, in the OpenAI envelope, never blocking the loop (seed ${SEED})`, async () => {
    const opts = { templates, models: CHAT_ALIASES, providerPrefixes: PROVIDER_PREFIXES, baseHeaders: gw.auth };
    const cases = postCases(rng(SEED), '/v1/responses', 1000, opts);
    await runCases(gw.url, postCases(rng(1), '/v1/responses', 10, opts), 'openai'); // warm-up
    let run: FuzzRun = { failures: [], statuses: new Map() };
    const loop = await watchEventLoop(async () => {
      run = await runCases(gw.url, cases, 'openai');
    });
    assert.equal(run.failures.length, 0, describeFailures(run));
    assert.ok((run.statuses.get(200) ?? 0) >= 50, `too few requests got through the pipeline: ${describeFailures(run)}`);
    assertLoopNeverBlocked(loop);
  });

  it('answers malformed bodies with 400 in the OpenAI envelope, naming the field', async () => {
    const valid = templates[0]!;
    const bodies: Array<[Record<string, unknown>, string]> = [
      [{ ...valid, input: [null] }, 'input[0]'],
      [{ ...valid, input: 5 }, 'input'],
      [{ ...valid, input: [{ role: 'user', content: [null] }] }, 'input[0].content[0]'],
      [{ ...valid, input: [{ role: 'user', content: [{ type: 'input_text', text: 'a' }, { type: 'x' }] }] }, 'input[0].content[1].type'],
      [{ ...valid, input: [{ type: 'function_call_output', call_id: '', output: 'x' }] }, 'input[0].call_id'],
      [{ ...valid, input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] }, 'input[0].content[0]'],
      [{ ...valid, tools: 'x' }, 'tools'],
      [{ ...valid, tools: [{ type: 'function', name: 'bad name' }] }, 'tools[0].name'],
      [{ ...valid, tool_choice: 5 }, 'tool_choice'],
      [{ ...valid, max_output_tokens: -1 }, 'max_output_tokens'],
      [{ ...valid, temperature: 'hot' }, 'temperature'],
      [{ ...valid, text: { format: { type: 'json_schema' } } }, 'text.format.name'],
      [{ ...valid, metadata: { k: 'x'.repeat(513) } }, 'metadata.k'],
      [{ ...valid, user: 'a\nb' }, 'user'],
      [{ ...valid, conversation: 'conv_1' }, 'conversation'],
      [{ ...valid, background: true }, 'background'],
      [{ ...valid, previous_response_id: 5 }, 'previous_response_id'],
    ];
    for (const [body, field] of bodies) {
      const res = await fetch(`${gw.url}/v1/responses`, {
        method: 'POST',
        headers: { ...gw.auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      assert.equal(res.status, 400, `${field}: ${text}`);
      assert.equal(
        checkResponse({ status: res.status, contentType: res.headers.get('content-type') ?? '', body: text }, 'openai'),
        undefined,
      );
      const json = JSON.parse(text) as { error: { type: string; message: string; param: string } };
      assert.equal(json.error.type, 'invalid_request_error');
      assert.equal(json.error.param, field, json.error.message);
    }
  });
});
