/**
 * Seeded fuzz of POST /v1/messages (issue #10): 1,000+ hostile bodies and headers; no 5xx, every
 * error in Anthropic's envelope `{"type":"error","error":{type,message}}` without client values,
 * the event loop never blocked > 100 ms.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkResponse } from '../helpers/fuzz.js';
import {
  CHAT_ALIASES,
  PROVIDER_PREFIXES,
  fuzzPostEndpoint,
  fuzzSeed,
  startFuzzGateway,
  type FuzzGateway,
} from '../helpers/fuzz-gateway.js';

const SEED = fuzzSeed(0x3e55);

const templates: Array<Record<string, unknown>> = [
  { model: 'chat-default', max_tokens: 64, messages: [{ role: 'user', content: 'Hello, my email is jane.doe@example.com' }] },
  {
    model: 'cloud-chat',
    max_tokens: 32,
    stream: true,
    system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'a document' } },
        ],
      },
    ],
    temperature: 0.2,
    top_p: 0.9,
    top_k: 40,
    stop_sequences: ['\n\nHuman:'],
    metadata: { user_id: 'u-1' },
  },
  {
    model: 'chat-default',
    max_tokens: 128,
    messages: [
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'use the tool', signature: 's' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] }] },
    ],
    tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
    tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
    thinking: { type: 'enabled', budget_tokens: 2048 },
  },
];

describe('fuzz POST /v1/messages', () => {
  let gw: FuzzGateway;
  before(async () => {
    gw = await startFuzzGateway();
  });
  after(() => gw.close());

  it(`answers 1,000 hostile requests without a 5xx, in the Anthropic envelope, never blocking the loop (seed ${SEED})`, async () => {
    const headers = { ...gw.auth, 'anthropic-version': '2023-06-01' };
    await fuzzPostEndpoint(
      gw,
      '/v1/messages',
      { templates, models: CHAT_ALIASES, providerPrefixes: PROVIDER_PREFIXES, baseHeaders: headers },
      SEED,
      'anthropic',
    );
  });

  it('answers the issue #10 bodies with 400 in the Anthropic envelope, naming the field', async () => {
    const valid = templates[0]!;
    const bodies: Array<[Record<string, unknown>, string]> = [
      [{ ...valid, messages: [null] }, 'messages[0]'],
      [{ ...valid, messages: [{ role: 'user', content: [null] }] }, 'messages[0].content[0]'],
      [{ ...valid, tools: 'x' }, 'tools'],
      [{ ...valid, tool_choice: 5 }, 'tool_choice'],
      [{ ...valid, max_tokens: -1 }, 'max_tokens'],
      [{ ...valid, temperature: 'hot' }, 'temperature'],
      [{ ...valid, messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'x' }] }] }, 'messages[0].content[1].type'],
    ];
    for (const [body, field] of bodies) {
      const res = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: { ...gw.auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 400, field);
      const text = await res.text();
      assert.equal(
        checkResponse({ status: res.status, contentType: res.headers.get('content-type') ?? '', body: text }, 'anthropic'),
        undefined,
      );
      const json = JSON.parse(text) as { error: { type: string; message: string } };
      assert.equal(json.error.type, 'invalid_request_error');
      assert.ok(json.error.message.includes(`'${field}'`), json.error.message);
    }
  });
});
