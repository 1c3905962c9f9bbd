/**
 * Bounds on client strings (issue #10, items 3/4 and 10): model names, `user`, `metadata` and
 * free-form JSON are limited in every endpoint's schema (chat, explain — which parses as chat —,
 * embeddings, messages); errors name the field and the rule, never the value.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseChatRequest, parseEmbeddingsRequest } from '../../src/api/schemas.js';
import { InvalidRequestError } from '../../src/errors.js';
import { anthropicRequestToCanonical } from '../../src/providers/anthropic/inbound.js';

const SECRET = 'jane.doe@example.com';

const endpoints = {
  chat: (model: unknown, extra: Record<string, unknown> = {}) =>
    parseChatRequest({ model, messages: [{ role: 'user', content: 'Hi' }], ...extra }),
  embeddings: (model: unknown, extra: Record<string, unknown> = {}) => parseEmbeddingsRequest({ model, input: 'Hi', ...extra }),
  messages: (model: unknown, extra: Record<string, unknown> = {}) =>
    anthropicRequestToCanonical({ model, max_tokens: 8, messages: [{ role: 'user', content: 'Hi' }], ...extra }),
};

function error(fn: () => unknown): InvalidRequestError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InvalidRequestError, `expected InvalidRequestError, got ${String(err)}`);
    assert.equal(err.status, 400);
    return err;
  }
  assert.fail('expected the request to be refused');
}

const badModels: Array<[string, unknown]> = [
  ['empty', ''],
  ['too long', 'm'.repeat(257)],
  ['LF', 'chat\ndefault'],
  ['CR', 'chat\rdefault'],
  ['NUL', 'chat\u0000'],
  ['space', 'chat default'],
  ['bidi override', 'chat\u202edefault'],
  ['zero-width', 'chat\u200bdefault'],
  ['line separator', 'chat\u2028default'],
  ['lone surrogate', 'chat\ud800'],
  // Outside Latin-1, Node refuses it in the x-meridian-route header (a 500 before this rule).
  ['Cyrillic', 'local/модель'],
  ['emoji', 'cloud/😀'],
  ['Latin-1', 'local/é'],
  ['number', 5],
  ['null', null],
  ['missing', undefined],
];

describe('model names', () => {
  for (const [name, call] of Object.entries(endpoints)) {
    it(`${name}: refuses malformed model names with invalid_model naming 'model'`, () => {
      for (const [label, model] of badModels) {
        const e = error(() => call(model));
        assert.equal(e.code, 'invalid_model', label);
        assert.equal(e.param, 'model', label);
      }
    });

    it(`${name}: accepts real model ids and aliases up to 256 characters`, () => {
      for (const model of [
        'chat-default',
        'ollama/llama3.1:8b',
        'hf.co/bartowski/Qwen2.5-GGUF:Q4_K_M',
        'models/gemini-2.0-flash@001',
        'm'.repeat(256),
      ])
        assert.equal(call(model).model, model);
    });
  }

  it('never quotes the model name in the error', () => {
    const e = error(() => endpoints.chat(`${SECRET}\n`));
    assert.ok(!e.message.includes(SECRET), e.message);
  });
});

describe('user and metadata', () => {
  it('bounds user on chat and embeddings, metadata.user_id on messages', () => {
    assert.equal(error(() => endpoints.chat('m', { user: 'u'.repeat(257) })).param, 'user');
    assert.equal(error(() => endpoints.chat('m', { user: 'a\r\nb' })).param, 'user');
    assert.equal(error(() => endpoints.embeddings('m', { user: 'u'.repeat(257) })).param, 'user');
    assert.equal(error(() => endpoints.messages('m', { metadata: { user_id: 'u'.repeat(257) } })).param, 'metadata.user_id');
    assert.equal(error(() => endpoints.messages('m', { metadata: { user_id: 'a\nb' } })).param, 'metadata.user_id');
    assert.equal(endpoints.chat('m', { user: 'Jane Doe 42' }).user, 'Jane Doe 42');
  });

  it('bounds metadata pairs, key and value length and characters', () => {
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    assert.equal(error(() => endpoints.chat('m', { metadata: many })).param, 'metadata');
    assert.equal(error(() => endpoints.chat('m', { metadata: { team: 'v'.repeat(513) } })).param, 'metadata.team');
    assert.equal(error(() => endpoints.chat('m', { metadata: { team: 'a\nb' } })).param, 'metadata.team');
    assert.match(error(() => endpoints.chat('m', { metadata: { ['k'.repeat(65)]: 'v' } })).param ?? '', /^metadata/);
    assert.equal(error(() => endpoints.chat('m', { metadata: { team: 5 } })).param, 'metadata.team');
    const ok = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v'.repeat(512)]));
    assert.deepEqual(endpoints.chat('m', { metadata: ok }).metadata, ok);
  });

  it('names a metadata key only when it is a plain identifier (keys are client data too)', () => {
    const e = error(() => endpoints.chat('m', { metadata: { [SECRET]: 'a\nb' } }));
    assert.equal(e.param, 'metadata[…]');
    assert.ok(!e.message.includes(SECRET), e.message);
  });
});

describe('tool names and ids', () => {
  it('bounds names and ids the client echoes back, and checks tool_choice like a declared tool', () => {
    const call = (id: string, name: string) => ({
      messages: [{ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name, arguments: '{}' } }] }],
    });
    assert.equal(error(() => endpoints.chat('m', call('c'.repeat(257), 'f'))).param, 'messages[0].tool_calls[0].id');
    assert.equal(error(() => endpoints.chat('m', call('c', 'f\nx'))).param, 'messages[0].tool_calls[0].function.name');
    const choice = { tool_choice: { type: 'function', function: { name: 'a b' } } };
    assert.equal(error(() => endpoints.chat('m', choice)).param, 'tool_choice.function.name');
    const use = (name: string) => ({ messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name, input: {} }] }] });
    assert.equal(error(() => endpoints.messages('m', use(''))).param, 'messages[0].content[0].name');
    assert.equal(error(() => endpoints.messages('m', use('n'.repeat(257)))).param, 'messages[0].content[0].name');
  });
});

describe('validation messages never echo values', () => {
  // Each body puts a PII-looking value where the rule fails; the message must name the field only.
  const bodies: Array<[keyof typeof endpoints, Record<string, unknown>]> = [
    ['chat', { user: `${SECRET}\n` }],
    ['chat', { metadata: { owner: `${SECRET}\u0000` } }],
    ['chat', { tool_choice: SECRET }],
    ['chat', { temperature: SECRET }],
    ['chat', { response_format: { type: SECRET } }],
    ['chat', { messages: [{ role: SECRET, content: 'x' }] }],
    ['chat', { messages: [{ role: 'user', content: [{ type: SECRET }] }] }],
    ['chat', { tools: [{ type: 'function', function: { name: SECRET } }] }],
    ['embeddings', { encoding_format: SECRET }],
    ['embeddings', { input: [SECRET, 5] }],
    ['messages', { temperature: SECRET }],
    ['messages', { max_tokens: SECRET }],
    ['messages', { tool_choice: { type: SECRET } }],
    ['messages', { messages: [{ role: SECRET, content: 'x' }] }],
    ['messages', { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: SECRET, data: 'A' } }] }] }],
    ['messages', { tools: [{ name: SECRET, input_schema: {} }] }],
    ['messages', { thinking: { type: SECRET } }],
  ];
  for (const [endpoint, extra] of bodies) {
    it(`${endpoint} ${JSON.stringify(Object.keys(extra))}`, () => {
      const e = error(() => endpoints[endpoint]('m', extra));
      assert.ok(!e.message.includes(SECRET), e.message);
      assert.ok(!e.message.includes('jane'), e.message);
    });
  }
});

describe('nesting depth', () => {
  it('refuses a body nested deeper than 64 levels anywhere, unknown fields included, without recursing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const e = error(() => endpoints.chat('m', { x_unknown: deep }));
    assert.equal(e.param, 'x_unknown[0][0][0][0][0]…');
    assert.match(e.message, /at most 64 levels/);
    assert.match(error(() => endpoints.embeddings('m', { extra: deep })).param ?? '', /^extra/);
    assert.match(error(() => endpoints.messages('m', { extra: deep })).param ?? '', /^extra/);
  });

  it('names the tool schema that nests too deep, and never a key that is client data', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) deep = { [i % 2 ? 'properties' : SECRET]: deep };
    const tools = [{ type: 'function', function: { name: 'f', parameters: deep } }];
    const e = error(() => endpoints.chat('m', { tools }));
    assert.equal(e.param, 'tools[0].function.parameters.properties[…]…');
    assert.ok(!e.message.includes(SECRET), e.message);
    const response_format = { type: 'json_schema', json_schema: { name: 'x', schema: deep } };
    assert.match(error(() => endpoints.chat('m', { response_format })).param ?? '', /^response_format\.json_schema\.schema/);
  });

  it('accepts 64 levels', () => {
    let deep: Record<string, unknown> = {};
    // The body, tools[], [0], function, parameters: 5 levels before the schema itself.
    for (let i = 0; i < 59; i++) deep = { properties: deep };
    const tools = [{ type: 'function', function: { name: 'f', parameters: deep } }];
    assert.equal(endpoints.chat('m', { tools }).tools?.length, 1);
  });
});
