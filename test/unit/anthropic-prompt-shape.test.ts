/** How a rendered prompt becomes an Anthropic Messages body (gateway/anthropic-wire.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicPromptShape } from '../../src/gateway/anthropic-wire.js';

describe('anthropicPromptShape', () => {
  const rendered = [
    { role: 'system', content: 'Be kind.' },
    { role: 'developer', content: 'Use French.' },
    { role: 'user', content: 'hi' },
  ];

  it('system and developer messages lead the request system blocks; Anthropic names for the parameters', () => {
    const out = anthropicPromptShape(
      rendered,
      { temperature: 0.1, top_p: 0.5, max_completion_tokens: 30, stop: 'END', seed: 3, presence_penalty: 1 },
      { model: 'm', system: [{ type: 'text', text: 'Own.', cache_control: { type: 'ephemeral' } }], messages: [] },
    );
    assert.deepEqual(out, {
      max_tokens: 30,
      temperature: 0.1,
      top_p: 0.5,
      stop_sequences: ['END'],
      model: 'm',
      system: [
        { type: 'text', text: 'Be kind.' },
        { type: 'text', text: 'Use French.' },
        { type: 'text', text: 'Own.', cache_control: { type: 'ephemeral' } },
      ],
      messages: [{ role: 'user', content: 'hi' }],
    });
  });

  it('the request overrides the defaults; no prompt system leaves the request system as it is', () => {
    const out = anthropicPromptShape(
      [{ role: 'user', content: 'x' }],
      { max_tokens: 10, stop: ['a', 'b'] },
      {
        max_tokens: 5,
        stop_sequences: ['z'],
        system: 'Own.',
      },
    );
    assert.deepEqual(out, { max_tokens: 5, stop_sequences: ['z'], system: 'Own.', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(anthropicPromptShape(rendered, {}, {}).system, 'Be kind.\n\nUse French.');
  });

  it("the request's own messages stay in messages, whatever their role (validation judges them)", () => {
    const history = [null, { role: 'system', content: 'sneaky' }] as unknown as Array<{ role: string; content: unknown }>;
    const out = anthropicPromptShape([{ role: 'system', content: 'Prompt.' }, ...history], {}, { messages: history });
    assert.equal(out.system, 'Prompt.');
    assert.deepEqual(out.messages, history);
  });
});
