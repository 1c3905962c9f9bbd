/**
 * Exact token counts come from a worker thread (src/meter/token-counter.ts): the same numbers as
 * the tokenizer on this thread, without blocking it while the rank tables load, and a fallback
 * estimate when the worker cannot answer in time.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ChatRequest } from '../../src/api/types.js';
import { createTokenCounter } from '../../src/meter/token-counter.js';
import { countCompletionTokens, estimatePromptTokens } from '../../src/meter/tokens.js';

const request: ChatRequest = {
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: "Wie spät ist es in 東京? Answer in one line, s'il vous plaît." },
  ],
};

describe('token counter (worker thread)', () => {
  const counter = createTokenCounter();
  after(() => counter.close());

  it('counts what the tokenizer counts, and keeps this thread free while its tables load', async () => {
    let turns = 0;
    let counting = true;
    const spin = () => {
      turns++;
      if (counting) setImmediate(spin);
    };
    setImmediate(spin);
    const prompt = await counter.promptTokens(request, () => -1);
    counting = false;
    // Loading the ranks here would have held the loop for the whole call: no turn in between.
    assert.ok(turns > 5, `event loop turns while the worker loaded: ${turns}`);
    assert.equal(prompt, estimatePromptTokens(request).tokens);
    const text = 'The answer is 42, and here is why: ∑ of squares.';
    assert.equal(await counter.completionTokens(text, 'gpt-4o', () => -1), countCompletionTokens(text, [], 'gpt-4o').tokens);
    assert.equal(await counter.completionTokens(text, 'llama3', () => -1), countCompletionTokens(text, [], 'llama3').tokens);
  });

  it('answers with the fallback when the worker is too slow, and after the worker is gone', async () => {
    const slow = createTokenCounter({ timeoutMs: 1 });
    try {
      assert.equal(await slow.promptTokens(request, () => 777), 777);
    } finally {
      await slow.close();
    }
    const closed = createTokenCounter();
    const pending = closed.completionTokens('x'.repeat(10), 'gpt-4o', () => 5);
    await closed.close();
    assert.equal(await pending, 5);
  });
});
