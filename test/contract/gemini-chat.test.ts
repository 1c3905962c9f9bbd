/**
 * Contract tests for the Gemini adapter, non-streaming chat, over real HTTP on 127.0.0.1.
 * Wire format: https://ai.google.dev/api/generate-content ,
 * https://ai.google.dev/gemini-api/docs/function-calling
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChatMessage, ChatRequest } from '../../src/api/types.js';
import { InvalidRequestError } from '../../src/errors.js';
import { sendJson } from '../helpers/upstream.js';
import { API_KEY, chat, fixture, startGemini, type GeminiHarness } from './fixtures/gemini/harness.js';

const lightTool: NonNullable<ChatRequest['tools']>[number] = {
  type: 'function',
  function: {
    name: 'set_light_values',
    description: 'Sets the brightness and color temperature of a light.',
    parameters: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: false,
      properties: {
        brightness: { type: 'integer', description: 'Light level from 0 to 100.' },
        color_temp: { type: 'string', enum: ['daylight', 'cool', 'warm'] },
        room: { type: ['string', 'null'], description: 'Optional room name.' },
        additionalProperties: { type: 'string', description: 'A property that happens to have this name.' },
      },
      required: ['brightness', 'color_temp'],
    },
  },
};

describe('gemini adapter: chat', () => {
  let h: GeminiHarness;
  before(async () => {
    h = await startGemini((_req, res) => sendJson(res, 200, fixture('generate-content-text.json')));
  });
  after(() => h.close());

  it('sends the documented request: path, x-goog-api-key header and converted body (snapshot)', async () => {
    h.upstream.requests.length = 0;
    h.upstream.setHandler((_req, res) => sendJson(res, 200, fixture('generate-content-text.json')));
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You control the lights.' },
      { role: 'developer', content: [{ type: 'text', text: 'Answer briefly.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Make this room look like the photos.' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/rooms/cozy.JPG?size=large' } },
        ],
      },
      {
        role: 'assistant',
        content: 'Setting the lights.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'set_light_values', arguments: '{"brightness":25,"color_temp":"warm"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"brightness":25,"colorTemperature":"warm"}' },
      { role: 'user', content: 'Thanks!' },
    ];
    const result = await chat(h, {
      messages,
      tools: [lightTool],
      tool_choice: { type: 'function', function: { name: 'set_light_values' } },
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 256,
      stop: 'END',
      seed: 7,
      n: 2,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'answer',
          strict: true,
          schema: {
            $schema: 'https://json-schema.org/draft/2020-12/schema',
            type: 'object',
            properties: { ok: { type: 'boolean' } },
            additionalProperties: false,
          },
        },
      },
      metadata: { team: 'lights' },
    });
    assert.equal(result.type, 'response');
    assert.equal(h.upstream.requests.length, 1);
    const sent = h.upstream.requests[0]!;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(sent.headers['x-goog-api-key'], API_KEY);
    assert.equal(sent.headers.authorization, undefined);
    assert.ok(!sent.url.includes(API_KEY), 'the key is never put in the URL');
    assert.deepEqual(sent.json, fixture('request-tools.expected.json'));
  });

  it('converts a text response', async () => {
    h.upstream.setHandler((_req, res) => sendJson(res, 200, fixture('generate-content-text.json')));
    const result = await chat(h, { messages: [{ role: 'user', content: 'Explain how AI works in a few words' }] });
    assert.equal(result.type, 'response');
    if (result.type !== 'response') return;
    const r = result.response;
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.id, 'chatcmpl-mW1aaPTxK7ix1dkP7ZmrwQs');
    assert.equal(r.model, 'gemini-2.5-flash');
    assert.equal(r.choices.length, 1);
    assert.deepEqual(r.choices[0]!.message, {
      role: 'assistant',
      content: 'AI learns patterns from data to make predictions or decisions.',
    });
    assert.equal(r.choices[0]!.finish_reason, 'stop');
    assert.deepEqual(r.usage, { prompt_tokens: 8, completion_tokens: 12, total_tokens: 20 });
    const body = h.upstream.requests.at(-1)!.json;
    assert.deepEqual(body, { contents: [{ role: 'user', parts: [{ text: 'Explain how AI works in a few words' }] }] });
  });

  it('round-trips tools: functionCall out as tool_calls, tool result back as functionResponse', async () => {
    h.upstream.setHandler((_req, res) => sendJson(res, 200, fixture('generate-content-function-call.json')));
    const first = await chat(h, {
      messages: [{ role: 'user', content: 'Dim the lights so the room feels cozy and warm.' }],
      tools: [lightTool],
    });
    assert.equal(first.type, 'response');
    if (first.type !== 'response') return;
    const choice = first.response.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    const call = choice.message.tool_calls?.[0];
    assert.ok(call);
    // The part's thoughtSignature rides in the id (base64url, so only [A-Za-z0-9_-]).
    assert.match(call.id, /^call-[A-Za-z0-9_-]{16}-gts-[A-Za-z0-9_-]+$/);
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'set_light_values');
    assert.deepEqual(JSON.parse(call.function.arguments), { brightness: 25, color_temp: 'warm' });

    h.upstream.setHandler((_req, res) => sendJson(res, 200, fixture('generate-content-text.json')));
    await chat(h, {
      tools: [lightTool],
      messages: [
        { role: 'user', content: 'Dim the lights so the room feels cozy and warm.' },
        choice.message,
        { role: 'tool', tool_call_id: call.id, content: '{"brightness":25,"colorTemperature":"warm"}' },
      ],
    });
    const contents = h.upstream.requests.at(-1)!.json.contents;
    const signature = fixture('generate-content-function-call.json').candidates[0].content.parts[0].thoughtSignature;
    assert.deepEqual(contents[1], {
      role: 'model',
      parts: [{ functionCall: { name: 'set_light_values', args: { brightness: 25, color_temp: 'warm' } }, thoughtSignature: signature }],
    });
    assert.deepEqual(contents[2], {
      role: 'user',
      parts: [{ functionResponse: { name: 'set_light_values', response: { brightness: 25, colorTemperature: 'warm' } } }],
    });
  });

  it('puts parallel tool results in one user turn and wraps non-object outputs in {content}', async () => {
    h.upstream.setHandler((_req, res) => sendJson(res, 200, fixture('generate-content-text.json')));
    await chat(h, {
      messages: [
        { role: 'user', content: 'Weather in Paris and London?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'b', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'a', content: 'sunny, 21C' },
        { role: 'tool', tool_call_id: 'b', content: [{ type: 'text', text: '[1,2]' }] },
      ],
    });
    const contents = h.upstream.requests.at(-1)!.json.contents;
    assert.equal(contents.length, 3);
    // No signature in the history: the documented sentinel goes on the first call only.
    assert.equal(contents[1].parts[0].thoughtSignature, 'skip_thought_signature_validator');
    assert.deepEqual(contents[1].parts[1], { functionCall: { name: 'get_time', args: {} } });
    assert.deepEqual(contents[2], {
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { content: 'sunny, 21C' } } },
        { functionResponse: { name: 'get_time', response: { content: [1, 2] } } },
      ],
    });
  });

  it('rejects a tool message whose call id is unknown, without calling upstream', async () => {
    const before = h.upstream.requests.length;
    await assert.rejects(
      chat(h, {
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'tool', tool_call_id: 'nope', content: 'x' },
        ],
      }),
      (err: unknown) => err instanceof InvalidRequestError && /tool_call_id 'nope'/.test(err.message),
    );
    assert.equal(h.upstream.requests.length, before);
  });

  it('maps tool_choice and response_format variants', async () => {
    h.upstream.setHandler((_req, res) => sendJson(res, 200, fixture('generate-content-text.json')));
    const cases: Array<[ChatRequest['tool_choice'], unknown]> = [
      ['auto', { functionCallingConfig: { mode: 'AUTO' } }],
      ['required', { functionCallingConfig: { mode: 'ANY' } }],
      ['none', { functionCallingConfig: { mode: 'NONE' } }],
    ];
    for (const [choice, expected] of cases) {
      await chat(h, { messages: [{ role: 'user', content: 'x' }], tools: [lightTool], tool_choice: choice });
      assert.deepEqual(h.upstream.requests.at(-1)!.json.toolConfig, expected, `tool_choice ${String(choice)}`);
    }
    await chat(h, { messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' }, reasoning_effort: 'low' });
    assert.deepEqual(h.upstream.requests.at(-1)!.json.generationConfig, {
      responseMimeType: 'application/json',
      thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
    });
  });

  it('sends responseSchema (OpenAPI subset) when the provider option asks for it', async () => {
    const legacy = await startGemini((_req, res) => sendJson(res, 200, fixture('generate-content-text.json')), 'gemini-2.0-flash', {
      structuredOutputField: 'responseSchema',
    });
    try {
      await chat(legacy, {
        messages: [{ role: 'user', content: 'x' }],
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'r',
            schema: {
              type: 'object',
              additionalProperties: false,
              properties: { kind: { const: 'a' }, note: { type: ['string', 'null'] } },
            },
          },
        },
      });
      assert.deepEqual(legacy.upstream.requests[0]!.json.generationConfig, {
        responseMimeType: 'application/json',
        responseSchema: { type: 'object', properties: { kind: { enum: ['a'] }, note: { type: 'string', nullable: true } } },
      });
    } finally {
      await legacy.close();
    }
  });

  it('reports thinking as reasoning_content and bills thoughts as completion tokens', async () => {
    h.upstream.setHandler((_req, res) => sendJson(res, 200, fixture('generate-content-thinking.json')));
    const result = await chat(h, { messages: [{ role: 'user', content: 'How many primes are below 20?' }] });
    assert.equal(result.type, 'response');
    if (result.type !== 'response') return;
    const msg = result.response.choices[0]!.message;
    assert.equal(msg.content, 'There are 8 prime numbers below 20.');
    assert.match(msg.reasoning_content ?? '', /Counting the primes/);
    assert.deepEqual(result.response.usage, {
      prompt_tokens: 11,
      completion_tokens: 255,
      total_tokens: 266,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 245 },
    });
  });

  it('maps finish reasons', async () => {
    const base = fixture('generate-content-text.json');
    const cases: Array<[string, string]> = [
      ['STOP', 'stop'],
      ['MAX_TOKENS', 'length'],
      ['SAFETY', 'content_filter'],
      ['RECITATION', 'content_filter'],
      ['BLOCKLIST', 'content_filter'],
      ['PROHIBITED_CONTENT', 'content_filter'],
      ['OTHER', 'stop'],
    ];
    for (const [gemini, expected] of cases) {
      h.upstream.setHandler((_req, res) => sendJson(res, 200, { ...base, candidates: [{ ...base.candidates[0], finishReason: gemini }] }));
      const result = await chat(h, { messages: [{ role: 'user', content: 'x' }] });
      assert.equal(result.type === 'response' && result.response.choices[0]!.finish_reason, expected, gemini);
    }
  });

  it('turns a blocked prompt (promptFeedback.blockReason) into content_filter', async () => {
    h.upstream.setHandler((_req, res) =>
      sendJson(res, 200, { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 } }),
    );
    const result = await chat(h, { messages: [{ role: 'user', content: 'x' }] });
    assert.equal(result.type, 'response');
    if (result.type !== 'response') return;
    assert.deepEqual(result.response.choices, [
      { index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter' },
    ]);
    assert.equal(result.response.usage?.prompt_tokens, 9);
  });

  it('returns every candidate as a choice when n > 1', async () => {
    const base = fixture('generate-content-text.json');
    h.upstream.setHandler((_req, res) =>
      sendJson(res, 200, {
        ...base,
        candidates: [
          base.candidates[0],
          { content: { role: 'model', parts: [{ text: 'Second.' }] }, finishReason: 'MAX_TOKENS', index: 1 },
        ],
      }),
    );
    const result = await chat(h, { messages: [{ role: 'user', content: 'x' }], n: 2 });
    assert.equal(result.type, 'response');
    if (result.type !== 'response') return;
    assert.deepEqual(
      result.response.choices.map((c) => [c.index, c.message.content, c.finish_reason]),
      [
        [0, 'AI learns patterns from data to make predictions or decisions.', 'stop'],
        [1, 'Second.', 'length'],
      ],
    );
    assert.equal(h.upstream.requests.at(-1)!.json.generationConfig.candidateCount, 2);
  });
});
