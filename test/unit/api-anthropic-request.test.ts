/**
 * /v1/messages request validation (issue #10, item 8): every malformed body is an
 * InvalidRequestError (400) naming the field path and the rule, checked before translation, so
 * nothing reaches the pipeline as a TypeError (500) or an unchecked value forwarded upstream.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidRequestError } from '../../src/errors.js';
import { anthropicRequestToCanonical } from '../../src/providers/anthropic/inbound.js';

const valid = { model: 'chat-default', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] };

function rejects(body: unknown, param: string | null, code = 'invalid_request'): InvalidRequestError {
  let caught: unknown;
  try {
    anthropicRequestToCanonical(body);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof InvalidRequestError, `expected InvalidRequestError, got ${String(caught)}`);
  assert.equal(caught.status, 400);
  assert.equal(caught.param, param);
  assert.equal(caught.code, code);
  if (param) assert.ok(caught.message.includes(`'${param}'`), caught.message);
  return caught;
}

describe('/v1/messages request schema', () => {
  it('refuses the issue #10 bodies that used to crash with a 500', () => {
    rejects({ ...valid, messages: [null] }, 'messages[0]');
    rejects({ ...valid, messages: [{ role: 'user', content: [null] }] }, 'messages[0].content[0]');
    rejects({ ...valid, tools: 'x' }, 'tools');
    rejects({ ...valid, tool_choice: 5 }, 'tool_choice');
    rejects({ ...valid, system: [null] }, 'system[0]');
    rejects({ ...valid, system: 5 }, 'system');
    rejects({ ...valid, metadata: 'x' }, 'metadata');
    rejects({ ...valid, thinking: { type: 'enabled' } }, 'thinking.budget_tokens');
  });

  it('refuses values that used to be forwarded upstream unchecked', () => {
    rejects({ ...valid, max_tokens: -1 }, 'max_tokens');
    rejects({ ...valid, max_tokens: 1.5 }, 'max_tokens');
    rejects({ model: 'm', messages: valid.messages }, 'max_tokens');
    rejects({ ...valid, temperature: 'hot' }, 'temperature');
    rejects({ ...valid, temperature: 1.5 }, 'temperature');
    rejects({ ...valid, top_p: -0.1 }, 'top_p');
    rejects({ ...valid, top_k: 0 }, 'top_k');
    rejects({ ...valid, stop_sequences: [1] }, 'stop_sequences[0]');
    rejects({ ...valid, stream: 'yes' }, 'stream');
  });

  it('names the deepest failing field inside content blocks', () => {
    const e = rejects(
      { ...valid, messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'video' }] }] },
      'messages[0].content[1].type',
    );
    assert.match(e.message, /discriminator|expected/i);
    rejects({ ...valid, messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] }, 'messages[0].content[0].text');
    rejects({ ...valid, messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role');
    rejects(
      {
        ...valid,
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'AA' } }] }],
      },
      'messages[0].content[0].source.media_type',
    );
    rejects(
      { ...valid, messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: 'x' }] }] },
      'messages[0].content[0].input',
    );
    rejects({ ...valid, tools: [{ name: 'has space', input_schema: {} }] }, 'tools[0].name');
    rejects({ ...valid, tools: [{ name: 'f' }] }, 'tools[0].input_schema');
    rejects({ ...valid, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'tools[0].type');
    rejects({ ...valid, tool_choice: { type: 'tool' } }, 'tool_choice.name');
  });

  it('refuses blocks the canonical request cannot carry instead of dropping them', () => {
    rejects(
      { ...valid, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] }] },
      'messages[0].content[0]',
    );
    rejects(
      { ...valid, messages: [{ role: 'assistant', content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }] },
      'messages[0].content[0]',
    );
    rejects(
      {
        ...valid,
        messages: [
          { role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'AA' } }] },
        ],
      },
      'messages[0].content[0].source.type',
    );
  });

  it('refuses free-form JSON nested deeper than 64 levels', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) deep = { a: deep };
    rejects({ ...valid, tools: [{ name: 'f', input_schema: deep }] }, 'tools[0].input_schema.a.a.a…');
  });

  it('accepts every documented block and option, and translates them', () => {
    const req = anthropicRequestToCanonical({
      ...valid,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'doc text' }, title: 'T' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 's' },
            { type: 'redacted_thinking', data: 'xx' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }], is_error: false }],
        },
      ],
      metadata: { user_id: 'user-42' },
      stop_sequences: ['\n\nHuman:'],
      stream: true,
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      thinking: { type: 'enabled', budget_tokens: 2048 },
      service_tier: 'auto',
    });
    assert.equal(req.max_tokens, 64);
    assert.equal(req.user, 'user-42');
    assert.equal(req.tool_choice, 'required');
    assert.equal(req.parallel_tool_calls, false);
    assert.equal(req.reasoning_effort, 'medium');
    assert.deepEqual(req.stop, ['\n\nHuman:']);
    assert.deepEqual(
      req.messages.map((m) => m.role),
      ['system', 'user', 'assistant', 'tool'],
    );
    const user = req.messages[1]!.content as Array<{ type: string; text?: string }>;
    assert.deepEqual(
      user.map((p) => p.type),
      ['text', 'image_url', 'image_url', 'text'],
    );
    assert.equal(user[3]!.text, 'doc text');
    assert.equal(req.messages[2]!.tool_calls?.[0]?.function.arguments, '{"city":"Paris"}');
    assert.equal(req.messages[2]!.reasoning_content, 'hmm');
    assert.equal(req.messages[3]!.content, 'sunny');
  });
});
