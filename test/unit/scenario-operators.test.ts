import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getPath, parsePath } from '../../src/scenarios/json-path.js';
import { evaluate } from '../../src/scenarios/operators.js';
import { StreamAssembler } from '../../src/scenarios/stream-assembly.js';
import { interpolate, UnresolvedVariableError } from '../../src/scenarios/template.js';
import type { Operator } from '../../src/scenarios/types.js';

const cases: Array<[Operator, unknown, unknown, boolean]> = [
  ['equals', 200, 200, true],
  ['equals', '2', 2, true],
  ['equals', { a: [1, 2] }, { a: [1, 2] }, true],
  ['equals', 'a', 'b', false],
  ['not_equals', 'a', 'b', true],
  ['not_equals', 3, 3, false],
  ['contains', 'test passed!', 'test passed', true],
  ['contains', ['x', 'y'], 'y', true],
  ['contains', { a: 1, b: 2 }, { a: 1 }, true],
  ['contains', 'nope', 'yes', false],
  ['contains', undefined, 'x', false],
  ['not_contains', 'abc', 'z', true],
  ['not_contains', 'abc', 'b', false],
  ['matches', 'Hello World', '/hello/i', true],
  ['matches', 'Hello', '^h', false],
  ['matches', undefined, '.*', false],
  ['less_than', 16, 50, true],
  ['less_than', 50, 50, false],
  ['less_than', '3', 4, true],
  ['greater_than', 300, 250, true],
  ['greater_than', 'x', 1, false],
  ['exists', 0, undefined, true],
  ['exists', null, undefined, false],
  ['not_exists', undefined, undefined, true],
  ['not_exists', 'x', undefined, false],
  ['type_is', [1], 'array', true],
  ['type_is', 3, 'number', true],
  ['type_is', 3.5, 'integer', false],
  ['type_is', null, 'null', true],
  ['type_is', 'x', 'object', false],
  ['length', [1, 2, 3], 3, true],
  ['length', 'abcd', { min: 2, max: 4 }, true],
  ['length', [1], { min: 2 }, false],
  ['length', 5, 1, false],
  ['one_of', 'stop', ['stop', 'length'], true],
  ['one_of', 'tool_calls', ['stop', 'length'], false],
  ['json_schema', '{"a":1}', { type: 'object', required: ['a'], properties: { a: { type: 'integer' } } }, true],
  ['json_schema', { a: 'x' }, { type: 'object', properties: { a: { type: 'integer' } } }, false],
  ['json_schema', 'not json', { type: 'object' }, false],
  ['json_schema', 'plain', { type: 'string' }, true],
];

for (const [op, actual, expected, passes] of cases) {
  test(`${op}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)} → ${passes ? 'pass' : 'fail'}`, () => {
    const v = evaluate(op, actual, expected);
    assert.equal(v.passed, passes, v.message);
    if (!passes) assert.ok(v.message && v.message.length > 0);
  });
}

test('an unknown operator fails with the list of known ones', () => {
  const v = evaluate('bogus' as Operator, 1, 1);
  assert.equal(v.passed, false);
  assert.match(v.message!, /json_schema/);
});

test('json path: dots, brackets, quoted keys, negative indexes, $ prefix', () => {
  const root = {
    response: { choices: [{ message: { content: 'hi' } }] },
    headers: { 'content-type': 'application/json' },
    chunks: [1, 2, 3],
  };
  assert.deepEqual(parsePath('$.a["b.c"][0]'), ['a', 'b.c', 0]);
  assert.equal(getPath(root, 'response.choices[0].message.content'), 'hi');
  assert.equal(getPath(root, 'headers.content-type'), 'application/json');
  assert.equal(getPath(root, "headers['content-type']"), 'application/json');
  assert.equal(getPath(root, 'chunks[-1]'), 3);
  assert.equal(getPath(root, 'response.choices[3].message'), undefined);
  assert.equal(getPath(root, 'response.choices[0].message.content.length'), 2);
});

test('templates: typed whole values, env lookups, clear unresolved errors', () => {
  const vars = { n: 3, obj: { a: 1 }, base_url: 'http://x' };
  assert.deepEqual(interpolate({ a: '{{n}}', b: '{{base_url}}/v1', c: ['{{obj}}'] }, vars, {}), { a: 3, b: 'http://x/v1', c: [{ a: 1 }] });
  assert.equal(interpolate('key {{env.K}}', vars, { K: 'v' }), 'key v');
  assert.throws(
    () => interpolate('{{model_name}}', vars, {}),
    (e: unknown) => e instanceof UnresolvedVariableError && /--var model_name=/.test(e.message),
  );
  assert.throws(() => interpolate('{{env.MISSING_X}}', vars, {}), /MISSING_X is not set/);
});

test('stream assembly: OpenAI chunks with text and tool-call fragments', () => {
  const a = new StreamAssembler();
  const chunk = (delta: unknown, finish: string | null = null) =>
    JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
  assert.equal(a.push(chunk({ role: 'assistant', content: '' }), 1), false);
  assert.equal(a.push(chunk({ content: 'Hel' }), 5), true);
  a.push(chunk({ content: 'lo' }), 6);
  a.push(chunk({ tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'f', arguments: '' } }] }), 7);
  a.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }), 8);
  a.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }), 9);
  a.push(chunk({}, 'tool_calls'), 10);
  a.push(JSON.stringify({ choices: [], usage: { total_tokens: 9 } }), 11);
  a.push('[DONE]', 12);
  const r = a.result();
  assert.equal(r.text, 'Hello');
  assert.deepEqual(r.tool_calls, [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }]);
  assert.equal(r.finish_reason, 'tool_calls');
  assert.deepEqual(r.usage, { total_tokens: 9 });
  assert.equal(r.done, true);
  assert.equal(r.chunks.length, 8);
  assert.equal(a.firstTokenAt, 5);
});

test('stream assembly: Anthropic events and Ollama lines', () => {
  const an = new StreamAssembler();
  for (const e of [
    { type: 'message_start', message: {} },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
    { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'tu1', name: 'f', input: {} } },
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":2}' } },
    { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 3 } },
    { type: 'message_stop' },
  ])
    an.push(JSON.stringify(e), 0);
  const ar = an.result();
  assert.equal(ar.text, 'Hi');
  assert.equal(ar.tool_calls[0]!.function.arguments, '{"a":2}');
  assert.equal(ar.finish_reason, 'tool_use');
  assert.equal(ar.done, true);

  const ol = new StreamAssembler();
  ol.push(JSON.stringify({ model: 'm', message: { role: 'assistant', content: 'A' }, done: false }), 0);
  ol.push(
    JSON.stringify({
      model: 'm',
      message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'g', arguments: { b: 1 } } }] },
      done: false,
    }),
    0,
  );
  ol.push(JSON.stringify({ model: 'm', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', eval_count: 2 }), 0);
  const or = ol.result();
  assert.equal(or.text, 'A');
  assert.deepEqual(JSON.parse(or.tool_calls[0]!.function.arguments), { b: 1 });
  assert.equal(or.done, true);
});
