import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import type { ChatRequest, FunctionTool } from '../../src/api/types.js';
import { MockEngine, type MockPlan } from '../../src/mock/engine.js';
import { extractSayRequest } from '../../src/mock/default-answer.js';
import { parseRules } from '../../src/mock/rules.js';
import { sampleFromSchema } from '../../src/mock/schema-sample.js';

const ajv = new Ajv({ strict: false });

function answer(plan: MockPlan) {
  assert.equal(plan.kind, 'chat');
  if (plan.kind !== 'chat') throw new Error('not a chat plan');
  return plan.response;
}

const weatherTool: FunctionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', minLength: 2 },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer', minimum: 1, maximum: 7 },
        hourly: { type: 'boolean' },
        coords: { type: 'object', properties: { lat: { type: 'number', minimum: -90, maximum: 90 } }, required: ['lat'] },
        tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
      },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};

test('the seed prompt is answered with exactly the requested words, with small usage', () => {
  const res = answer(
    new MockEngine().chat({
      model: 'mock-small',
      messages: [{ role: 'user', content: "Say 'test passed' and nothing else" }],
      max_tokens: 20,
    }),
  );
  assert.equal(res.choices[0]!.message.content, 'test passed');
  assert.equal(res.choices[0]!.finish_reason, 'stop');
  assert.ok(res.usage!.total_tokens < 50);
  assert.equal(res.usage!.total_tokens, res.usage!.prompt_tokens + res.usage!.completion_tokens);
  assert.equal(res.usage!.completion_tokens, 2);
});

test('"say" prompts in several spellings', () => {
  assert.equal(extractSayRequest('Say "hello world"'), 'hello world');
  assert.equal(extractSayRequest('Please say OK and nothing else.'), 'OK');
  assert.equal(extractSayRequest('Just say: `done`'), 'done');
  assert.equal(extractSayRequest('What is the capital of France?'), null);
});

test('same request → byte-identical answer; different prompts → different answers', () => {
  const req: ChatRequest = { model: 'mock-large', messages: [{ role: 'user', content: 'Tell me about the sea' }] };
  const a = JSON.stringify(new MockEngine().chat(req));
  const b = JSON.stringify(new MockEngine().chat(structuredClone(req)));
  assert.equal(a, b);
  const c = answer(new MockEngine().chat({ ...req, messages: [{ role: 'user', content: 'Tell me about the sky' }] }));
  assert.notEqual(c.choices[0]!.message.content, answer(new MockEngine().chat(req)).choices[0]!.message.content);
});

test('a prompt pointing at a tool yields a call whose arguments validate against the schema', () => {
  const req: ChatRequest = { model: 'm', tools: [weatherTool], messages: [{ role: 'user', content: 'What is the weather in Paris?' }] };
  const res = answer(new MockEngine().chat(req));
  const call = res.choices[0]!.message.tool_calls?.[0];
  assert.ok(call, 'expected a tool call');
  assert.equal(call.function.name, 'get_weather');
  assert.equal(res.choices[0]!.finish_reason, 'tool_calls');
  assert.equal(res.choices[0]!.message.content, null);
  const validate = ajv.compile(weatherTool.function.parameters!);
  assert.ok(validate(JSON.parse(call.function.arguments)), ajv.errorsText(validate.errors));
  assert.equal(call.function.arguments, answer(new MockEngine().chat(req)).choices[0]!.message.tool_calls![0]!.function.arguments);
});

test('tool_choice decides: required forces a call, none forbids one, a named tool is used', () => {
  const other: FunctionTool = {
    type: 'function',
    function: { name: 'lookup_stock', parameters: { type: 'object', properties: { ticker: { type: 'string' } } } },
  };
  const base: ChatRequest = { model: 'm', tools: [weatherTool, other], messages: [{ role: 'user', content: 'hello' }] };
  assert.equal(answer(new MockEngine().chat(base)).choices[0]!.message.tool_calls, undefined);
  assert.equal(
    answer(new MockEngine().chat({ ...base, tool_choice: 'required' })).choices[0]!.message.tool_calls![0]!.function.name,
    'get_weather',
  );
  const named = answer(new MockEngine().chat({ ...base, tool_choice: { type: 'function', function: { name: 'lookup_stock' } } }));
  assert.equal(named.choices[0]!.message.tool_calls![0]!.function.name, 'lookup_stock');
  const none = answer(new MockEngine().chat({ ...base, tool_choice: 'none', messages: [{ role: 'user', content: 'weather in Rome?' }] }));
  assert.equal(none.choices[0]!.message.tool_calls, undefined);
});

test('a tool result produces a short answer that mentions the result', () => {
  const res = answer(
    new MockEngine().chat({
      model: 'm',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperature": 21}' },
      ],
    }),
  );
  assert.match(String(res.choices[0]!.message.content), /get_weather returned: .*21/);
  assert.equal(res.choices[0]!.finish_reason, 'stop');
});

test('response_format json_schema → content that validates against the schema', () => {
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string' },
      age: { type: 'integer', minimum: 18, maximum: 20 },
      email: { type: 'string', format: 'email' },
      kind: { anyOf: [{ type: 'null' }, { $ref: '#/$defs/kind' }] },
      scores: { type: 'array', items: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }, minItems: 3 },
    },
    required: ['name', 'age', 'email', 'kind', 'scores'],
    additionalProperties: false,
    $defs: { kind: { type: 'string', enum: ['a', 'b'] } },
  };
  const res = answer(
    new MockEngine().chat({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      response_format: { type: 'json_schema', json_schema: { name: 's', schema } },
    }),
  );
  const validate = new Ajv({ strict: false, validateFormats: false }).compile(schema);
  const value = JSON.parse(String(res.choices[0]!.message.content));
  assert.ok(validate(value), JSON.stringify(validate.errors));
  assert.equal((value.scores as number[]).length, 3);
});

test('schema sampling is deterministic per seed', () => {
  const schema = { type: 'object', properties: { a: { type: 'integer', minimum: 0, maximum: 1000 }, b: { type: 'string' } } };
  assert.deepEqual(sampleFromSchema(schema, 5), sampleFromSchema(schema, 5));
});

test('max_tokens truncates the answer and reports finish_reason length', () => {
  const res = answer(
    new MockEngine().chat({ model: 'm', max_tokens: 3, messages: [{ role: 'user', content: 'Say "one two three four five"' }] }),
  );
  assert.equal(res.choices[0]!.message.content, 'one two three');
  assert.equal(res.choices[0]!.finish_reason, 'length');
  assert.equal(res.usage!.completion_tokens, 3);
});

test('embeddings: fixed dims, unit length, equal text → equal vector', () => {
  const engine = new MockEngine();
  const plan = engine.embed({ model: 'mock-embed', input: ['alpha', 'beta', 'alpha'] });
  assert.equal(plan.kind, 'embeddings');
  if (plan.kind !== 'embeddings') return;
  const [a, b, c] = plan.response.data.map((d) => d.embedding as number[]);
  assert.equal(a!.length, 16);
  assert.ok(Math.abs(Math.hypot(...a!) - 1) < 1e-4);
  assert.deepEqual(a, c);
  assert.notDeepEqual(a, b);
  const sized = engine.embed({ model: 'mock-embed', input: 'x', dimensions: 64 });
  assert.equal(sized.kind === 'embeddings' && (sized.response.data[0]!.embedding as number[]).length, 64);
});

test('rules: model/message/tools match, templates, every Nth, times, probability is seeded', () => {
  const rules = parseRules(`
seed: 3
rules:
  - name: fail-every-3rd
    match: { model: flaky }
    every: 3
    error: { status: 500 }
  - name: first-two-only
    match: { model: limited }
    times: 2
    text: limited answer
  - name: coin
    match: { model: coin }
    probability: 0.5
    error: { status: 429, retry_after: 1 }
  - match: { message: "^echo", tools: false }
    text: "{{model}} got {{last_user}}"
  - match: { message: "^echo", tools: true }
    tool_calls: [{ name: get_weather, arguments: { city: Oslo } }]
`);
  const engine = new MockEngine({ rules });
  const ask = (model: string, content = 'hi', extra: Partial<ChatRequest> = {}) =>
    engine.chat({ model, messages: [{ role: 'user', content }], ...extra });
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map(() => ask('flaky').kind),
    ['chat', 'chat', 'error', 'chat', 'chat', 'error'],
  );
  assert.deepEqual(
    [1, 2, 3]
      .map(() => {
        const p = ask('limited');
        return p.kind === 'chat' ? p.response.choices[0]!.message.content : null;
      })
      .slice(0, 2),
    ['limited answer', 'limited answer'],
  );
  const third = ask('limited');
  assert.notEqual(third.kind === 'chat' && third.response.choices[0]!.message.content, 'limited answer');
  const coins = Array.from({ length: 20 }, () => ask('coin').kind).join();
  const again = new MockEngine({ rules });
  assert.equal(
    Array.from({ length: 20 }, () => again.chat({ model: 'coin', messages: [{ role: 'user', content: 'hi' }] }).kind).join(),
    coins,
  );
  assert.ok(coins.includes('error') && coins.includes('chat'), coins);
  assert.equal(answer(ask('mock-small', 'echo this')).choices[0]!.message.content, 'mock-small got echo this');
  const call = answer(ask('m', 'echo weather', { tools: [weatherTool] })).choices[0]!.message.tool_calls![0]!;
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Oslo' });
  assert.ok(engine.models().includes('flaky'));
});

test('an invalid rules file is reported with its location', () => {
  assert.throws(() => parseRules('rules:\n  - match: { message: "(" }\n', 'bad.yaml'), /bad\.yaml rule #1 match\.message/);
  assert.throws(() => parseRules('rules:\n  - error: { status: nope }\n', 'bad.yaml'), /error\.status must be a number/);
});
