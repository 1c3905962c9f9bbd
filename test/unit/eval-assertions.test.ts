/** Every assertion type decides pass and fail correctly; `not-`, weights and case thresholds score like promptfoo. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage, FunctionTool, ToolCall } from '../../src/api/types.js';
import type { AssertionContext, Grader } from '../../src/eval/assertions/context.js';
import { runAssertion, scoreCase } from '../../src/eval/assertions/index.js';
import { cosine, extractJsonObject } from '../../src/eval/assertions/model-graded.js';
import type { EvalAssertion } from '../../src/eval/types.js';

const weatherTool: FunctionTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

function call(name: string, args: string): ToolCall {
  return { id: 'call_1', type: 'function', function: { name, arguments: args } };
}

/** A grader that answers from a script and records what it was asked. */
function fakeGrader(judgeAnswer: string, vectors: Record<string, number[]> = {}): Grader & { asked: ChatMessage[][]; models: string[] } {
  const g = {
    asked: [] as ChatMessage[][],
    models: [] as string[],
    complete: async (model: string, messages: ChatMessage[]) => {
      g.models.push(model);
      g.asked.push(messages);
      return judgeAnswer;
    },
    embed: async (model: string, inputs: string[]) => {
      g.models.push(model);
      return inputs.map((t) => vectors[t] ?? [0, 0, 1]);
    },
  };
  return g;
}

function ctx(over: Partial<AssertionContext> = {}): AssertionContext {
  return { output: '', toolCalls: [], latencyMs: 100, vars: {}, tools: [weatherTool], prompt: 'Q?', grader: fakeGrader('{}'), ...over };
}

async function check(a: EvalAssertion, c: Partial<AssertionContext>) {
  return runAssertion(a, ctx(c));
}

describe('deterministic assertions', () => {
  const cases: Array<[string, EvalAssertion, Partial<AssertionContext>, boolean]> = [
    ['equals text', { type: 'equals', value: 'OK' }, { output: 'OK' }, true],
    ['equals text differs', { type: 'equals', value: 'OK' }, { output: 'OK.' }, false],
    ['equals object compares JSON', { type: 'equals', value: { a: 1 } }, { output: '{ "a": 1 }' }, true],
    ['equals object, other JSON', { type: 'equals', value: { a: 1 } }, { output: '{"a":2}' }, false],
    ['contains', { type: 'contains', value: 'Paris' }, { output: 'It is Paris.' }, true],
    ['contains is case-sensitive', { type: 'contains', value: 'paris' }, { output: 'It is Paris.' }, false],
    ['icontains', { type: 'icontains', value: 'paris' }, { output: 'It is PARIS.' }, true],
    ['contains-any', { type: 'contains-any', value: ['x', 'Paris'] }, { output: 'Paris' }, true],
    ['contains-any none', { type: 'contains-any', value: 'x, y' }, { output: 'Paris' }, false],
    ['contains-all', { type: 'contains-all', value: ['a', 'b'] }, { output: 'a b' }, true],
    ['contains-all missing one', { type: 'contains-all', value: ['a', 'c'] }, { output: 'a b' }, false],
    ['icontains-any (comma list)', { type: 'icontains-any', value: 'bonjour,salut' }, { output: 'SALUT' }, true],
    ['icontains-all', { type: 'icontains-all', value: ['RED', 'blue'] }, { output: 'red and Blue' }, true],
    ['starts-with', { type: 'starts-with', value: 'Yes' }, { output: 'Yes, sir' }, true],
    ['regex', { type: 'regex', value: 'A-\\d{4}' }, { output: 'order A-1234' }, true],
    ['regex no match', { type: 'regex', value: '^A-\\d{4}$' }, { output: 'order A-1234' }, false],
    ['is-json', { type: 'is-json' }, { output: ' {"a":1} ' }, true],
    ['is-json on prose', { type: 'is-json' }, { output: 'Sure! {"a":1}' }, false],
    ['is-json with schema', { type: 'is-json', value: { type: 'object', required: ['b'] } }, { output: '{"a":1}' }, false],
    [
      'json-schema',
      { type: 'json-schema', value: { type: 'object', properties: { n: { type: 'integer' } } } },
      { output: '{"n":3}' },
      true,
    ],
    [
      'json-schema wrong type',
      { type: 'json-schema', value: { type: 'object', properties: { n: { type: 'integer' } } } },
      { output: '{"n":"3"}' },
      false,
    ],
    ['latency under', { type: 'latency', threshold: 500 }, { latencyMs: 120 }, true],
    ['latency over', { type: 'latency', threshold: 100 }, { latencyMs: 120 }, false],
    ['cost under', { type: 'cost', threshold: 0.01 }, { costUsd: 0.002 }, true],
    ['cost over', { type: 'cost', threshold: 0.001 }, { costUsd: 0.002 }, false],
    ['cost unknown fails', { type: 'cost', threshold: 1 }, {}, false],
    ['valid tools call', { type: 'is-valid-openai-tools-call' }, { toolCalls: [call('get_weather', '{"city":"Paris"}')] }, true],
    ['tools call, bad args', { type: 'is-valid-openai-tools-call' }, { toolCalls: [call('get_weather', '{"city":42}')] }, false],
    ['tools call, args not JSON', { type: 'is-valid-openai-tools-call' }, { toolCalls: [call('get_weather', '{city')] }, false],
    ['tools call, tool not offered', { type: 'is-valid-openai-tools-call' }, { toolCalls: [call('rm_rf', '{}')] }, false],
    ['tools call, none made', { type: 'is-valid-openai-tools-call' }, { output: 'It is sunny.' }, false],
    ['tool-call by name', { type: 'tool-call', value: 'get_weather' }, { toolCalls: [call('get_weather', '{"city":"Oslo"}')] }, true],
    ['tool-call wrong tool', { type: 'tool-call', value: 'get_time' }, { toolCalls: [call('get_weather', '{"city":"Oslo"}')] }, false],
    [
      'tool-call with arguments',
      { type: 'tool-call', value: { name: 'get_weather', arguments: { city: 'Paris' } } },
      { toolCalls: [call('get_weather', '{"city":"Paris"}')] },
      true,
    ],
    [
      'tool-call, other arguments',
      { type: 'tool-call', value: { name: 'get_weather', arguments: { city: 'Paris' } } },
      { toolCalls: [call('get_weather', '{"city":"Lyon"}')] },
      false,
    ],
    ['tool-call, invalid against schema', { type: 'tool-call', value: 'get_weather' }, { toolCalls: [call('get_weather', '{}')] }, false],
  ];
  for (const [name, a, c, expected] of cases) {
    it(`${name} → ${expected ? 'pass' : 'fail'}`, async () => {
      const out = await check(a, c);
      assert.equal(out.pass, expected, out.reason);
      assert.equal(out.score, expected ? 1 : 0);
      assert.ok(out.reason.length > 0);
    });
  }

  it('not-<type> negates any assertion and its score', async () => {
    const yes = await check({ type: 'not-contains', value: 'refund' }, { output: 'We will look into it.' });
    assert.equal(yes.pass, true);
    const no = await check({ type: 'not-icontains', value: 'REFUND' }, { output: 'we will refund you' });
    assert.deepEqual([no.pass, no.score], [false, 0]);
    assert.match(no.reason, /^not: /);
  });

  it('assertion values take {{vars}} from the case', async () => {
    const out = await check({ type: 'icontains', value: '{{city}}' }, { output: 'Weather in Oslo', vars: { city: 'oslo' } });
    assert.equal(out.pass, true);
    const missing = await check({ type: 'icontains', value: '{{nope}}' }, { output: 'x' });
    assert.equal(missing.pass, false);
    assert.match(missing.reason, /nope/);
  });

  it('an unknown type fails with a message instead of passing', async () => {
    const out = await check({ type: 'javascript', value: 'true' }, { output: 'x' });
    assert.equal(out.pass, false);
    assert.match(out.reason, /unknown assertion type 'javascript'/);
  });
});

describe('model-graded and similarity assertions', () => {
  it('llm-rubric passes and scores from the judge, sends output and rubric, uses the named judge', async () => {
    const grader = fakeGrader('Here you go: {"reason":"polite","pass":true,"score":0.8}');
    const out = await check(
      { type: 'llm-rubric', value: 'Is polite', provider: 'judge-a' },
      { output: 'Thank you!', grader, judge: 'judge-b' },
    );
    assert.deepEqual([out.pass, out.score], [true, 0.8]);
    assert.deepEqual(grader.models, ['judge-a']);
    const user = grader.asked[0]!.find((m) => m.role === 'user')!.content as string;
    assert.match(user, /Thank you!/);
    assert.match(user, /Is polite/);
  });

  it('llm-rubric fails on the judge saying so, on a threshold above its score, and on a judge without JSON', async () => {
    const no = await check(
      { type: 'llm-rubric', value: 'x' },
      { grader: fakeGrader('{"pass":false,"score":0.2,"reason":"rude"}'), judge: 'j' },
    );
    assert.deepEqual([no.pass, no.score], [false, 0.2]);
    const low = await check(
      { type: 'llm-rubric', value: 'x', threshold: 0.9 },
      { grader: fakeGrader('{"pass":true,"score":0.7}'), judge: 'j' },
    );
    assert.equal(low.pass, false);
    const prose = await check({ type: 'llm-rubric', value: 'x' }, { grader: fakeGrader('Looks fine to me'), judge: 'j' });
    assert.equal(prose.pass, false);
    assert.match(prose.reason, /without a JSON verdict/);
    const noJudge = await check({ type: 'llm-rubric', value: 'x' }, {});
    assert.match(noJudge.reason, /judge model/);
  });

  it('tone and policy ask the judge about that tone or policy', async () => {
    for (const [type, phrase] of [
      ['tone', "The output's tone is: friendly"],
      ['policy', 'The output complies with this policy: friendly'],
    ] as const) {
      const grader = fakeGrader('{"pass":true,"score":1,"reason":"ok"}');
      const out = await check({ type, value: 'friendly' }, { output: 'Hi!', grader, judge: 'j' });
      assert.equal(out.pass, true);
      assert.ok((grader.asked[0]!.at(-1)!.content as string).includes(phrase));
    }
  });

  it('factuality: categories A, B, C and E pass, D fails; the question and reference reach the judge', async () => {
    for (const [category, pass] of [
      ['A', true],
      ['B', true],
      ['C', true],
      ['E', true],
      ['D', false],
      ['(D)', false],
    ] as const) {
      const grader = fakeGrader(JSON.stringify({ category, reason: 'r' }));
      const out = await check(
        { type: 'factuality', value: 'Shakespeare wrote Hamlet.' },
        { output: 'Marlowe did', grader, judge: 'j', prompt: 'Who wrote Hamlet?' },
      );
      assert.equal(out.pass, pass, `${category}: ${out.reason}`);
      const user = grader.asked[0]![0]!.content as string;
      assert.match(user, /\[Question\]: Who wrote Hamlet\?/);
      assert.match(user, /\[Expert\]: Shakespeare wrote Hamlet\./);
      assert.match(user, /\[Submission\]: Marlowe did/);
    }
    const bad = await check({ type: 'factuality', value: 'x' }, { grader: fakeGrader('{"category":"Z"}'), judge: 'j' });
    assert.equal(bad.pass, false);
  });

  it('similar: cosine against the reference, default threshold 0.75, best of several references', async () => {
    const vectors = { out: [1, 0, 0], same: [2, 0, 0], near: [1, 1, 0], far: [0, 1, 0] };
    const grader = fakeGrader('', vectors);
    const same = await check({ type: 'similar', value: 'same' }, { output: 'out', grader, embedding: 'emb' });
    assert.deepEqual([same.pass, same.score], [true, 1]);
    const near = await check({ type: 'similar', value: 'near' }, { output: 'out', grader, embedding: 'emb' });
    assert.equal(near.pass, false, near.reason); // cos = 0.707 < 0.75
    const nearLow = await check({ type: 'similar', value: 'near', threshold: 0.7 }, { output: 'out', grader, embedding: 'emb' });
    assert.equal(nearLow.pass, true);
    const any = await check({ type: 'similar', value: ['far', 'same'] }, { output: 'out', grader, embedding: 'emb' });
    assert.equal(any.pass, true);
    assert.deepEqual(grader.models, ['emb', 'emb', 'emb', 'emb']);
  });

  it('a failing grader call fails the assertion with its message', async () => {
    const grader: Grader = {
      complete: async () => {
        throw new Error("judge 'j' failed: HTTP 404: unknown model");
      },
      embed: async () => [],
    };
    const out = await check({ type: 'llm-rubric', value: 'x' }, { grader, judge: 'j' });
    assert.equal(out.pass, false);
    assert.match(out.reason, /HTTP 404/);
  });

  it('helpers: cosine and JSON extraction', () => {
    assert.equal(cosine([1, 0], [0, 1]), 0);
    assert.throws(() => cosine([1], [1, 2]), /sizes differ/);
    assert.deepEqual(extractJsonObject('```json\n{"a":1}\n```'), { a: 1 });
    assert.equal(extractJsonObject('no json'), undefined);
  });
});

describe('case scoring', () => {
  const o = (pass: boolean, score: number, weight = 1) => ({ type: 't', name: 't', pass, score, weight, reason: '' });

  it('passes only when every weighted assertion passes; score is the weighted mean', () => {
    assert.deepEqual(scoreCase([o(true, 1), o(false, 0, 3)], undefined), { pass: false, score: 0.25 });
    assert.deepEqual(scoreCase([o(true, 1), o(true, 0.5)], undefined), { pass: true, score: 0.75 });
  });

  it('weight 0 is reported but never fails the case or moves its score', () => {
    assert.deepEqual(scoreCase([o(true, 1), o(false, 0, 0)], undefined), { pass: true, score: 1 });
  });

  it('with a case threshold, the score decides', () => {
    assert.equal(scoreCase([o(true, 1), o(false, 0)], 0.5).pass, true);
    assert.equal(scoreCase([o(true, 1), o(false, 0)], 0.6).pass, false);
  });

  it('a case without assertions passes with score 1', () => {
    assert.deepEqual(scoreCase([], undefined), { pass: true, score: 1 });
  });
});
