import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequest } from '../../src/api/types.js';
import {
  countCompletionTokens,
  countTokens,
  encodingForModel,
  estimatePromptTokens,
  SAMPLE_ABOVE_CHARS,
  warmTokenizers,
} from '../../src/meter/tokens.js';

test('encoders load from the package, with no network access', async () => {
  const realFetch = globalThis.fetch;
  const net = await import('node:net');
  const realConnect = net.Socket.prototype.connect;
  let attempts = 0;
  globalThis.fetch = (() => {
    attempts++;
    throw new Error('network used');
  }) as typeof fetch;
  net.Socket.prototype.connect = function (this: unknown) {
    attempts++;
    throw new Error('network used');
  } as never;
  try {
    await warmTokenizers();
    assert.equal(countTokens('Hello world', 'gpt-4').tokens, 2);
  } finally {
    globalThis.fetch = realFetch;
    net.Socket.prototype.connect = realConnect;
  }
  assert.equal(attempts, 0);
});

test('OpenAI models use their own encoding and count exactly', () => {
  assert.equal(encodingForModel('gpt-4o-mini-2024-07-18'), 'o200k_base');
  assert.equal(encodingForModel('o3-mini'), 'o200k_base');
  assert.equal(encodingForModel('gpt-5-nano'), 'o200k_base');
  assert.equal(encodingForModel('gpt-4-0613'), 'cl100k_base');
  assert.equal(encodingForModel('gpt-3.5-turbo'), 'cl100k_base');
  assert.equal(encodingForModel('claude-sonnet-4-5'), undefined);
  assert.deepEqual(countTokens('Hello world', 'gpt-4o'), { tokens: 2, estimated: false });
  // The two vocabularies really differ: a long Japanese text compresses better in o200k.
  const ja = 'こんにちは、世界。今日はとても良い天気ですね。'.repeat(20);
  assert.ok(countTokens(ja, 'gpt-4o').tokens < countTokens(ja, 'gpt-4').tokens);
});

test('other models get an o200k estimate flagged estimated', () => {
  const c = countTokens('Hello world', 'claude-sonnet-4-5');
  assert.deepEqual(c, { tokens: 2, estimated: true });
  assert.equal(countTokens('Hello world', 'llama3.2:3b').estimated, true);
});

test('chat prompt follows the OpenAI per-message overhead (3 per message, 3 for the reply)', () => {
  const req: ChatRequest = {
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Hello!' },
    ],
  };
  const text = (s: string) => countTokens(s, 'gpt-4o').tokens;
  const expected = 3 + text('system') + text('You are a helpful assistant.') + 3 + text('user') + text('Hello!') + 3;
  assert.deepEqual(estimatePromptTokens(req), { tokens: expected, estimated: false });
});

test('tools, tool calls, names and images are counted (approximate → estimated)', () => {
  const base: ChatRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: 'What is the weather in Paris?' }] };
  const plain = estimatePromptTokens(base).tokens;
  const withTools = estimatePromptTokens({
    ...base,
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ],
  });
  assert.ok(withTools.tokens > plain + 12);
  assert.equal(withTools.estimated, true);
  const withImage = estimatePromptTokens({
    model: 'gpt-4o',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is the weather in Paris?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
        ],
      },
    ],
  });
  assert.equal(withImage.tokens, plain + 85);
  const history = estimatePromptTokens({
    model: 'gpt-4o',
    messages: [
      ...base.messages,
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: '{"temp_c":18}' },
    ],
  });
  assert.ok(history.tokens > plain + 6 + 10);
});

test('completion tokens count text plus tool-call arguments when usage is missing', () => {
  const text = countCompletionTokens('The weather in Paris is sunny.', [], 'gpt-4o');
  const both = countCompletionTokens('The weather in Paris is sunny.', ['{"city":"Paris"}'], 'gpt-4o');
  assert.equal(text.estimated, false);
  assert.ok(both.tokens > text.tokens + 3);
});

test('huge prompts are sampled: fast, flagged estimated, within 5% of the exact count', () => {
  const sentence = 'The quick brown fox jumps over the lazy dog while the cat watches. ';
  const huge = sentence.repeat(Math.ceil((SAMPLE_ABOVE_CHARS * 4) / sentence.length));
  const exactPerSentence = countTokens(sentence.repeat(100), 'gpt-4o').tokens / 100;
  const t0 = performance.now();
  const c = countTokens(huge, 'gpt-4o');
  const ms = performance.now() - t0;
  assert.equal(c.estimated, true);
  const exact = exactPerSentence * (huge.length / sentence.length);
  assert.ok(Math.abs(c.tokens - exact) / exact < 0.05, `${c.tokens} vs ${exact}`);
  assert.ok(ms < 200, `took ${ms} ms`);
});
