/** Every string sent upstream is scanned and pseudonymized, not only message text (issue #10). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatRequest } from '../../src/api/types.js';
import { createGuard, guardConfigSchema } from '../../src/guard/index.js';

const guard = createGuard(guardConfigSchema.parse({}));
const EMAIL = 'jane.doe@example.com';
const OTHER = 'bob.ray@example.org';
const base = (): ChatRequest => ({ model: 'm', messages: [{ role: 'user', content: 'hello' }] });

/** Each case puts EMAIL in one field; `at` reads that field back from a request. */
const cases: Array<{ field: string; request: ChatRequest; path: string; at: (r: ChatRequest) => unknown }> = [
  { field: 'user', request: { ...base(), user: EMAIL }, path: 'user', at: (r) => r.user },
  {
    field: 'messages[].name',
    request: { model: 'm', messages: [{ role: 'user', name: EMAIL, content: 'hi' }] },
    path: 'messages.0.name',
    at: (r) => r.messages[0]?.name,
  },
  {
    field: 'tool description',
    request: { ...base(), tools: [{ type: 'function', function: { name: 'send', description: `Sends mail as ${EMAIL}` } }] },
    path: 'tools.0.function.description',
    at: (r) => r.tools?.[0]?.function.description,
  },
  {
    field: 'tool parameters: enum value',
    request: {
      ...base(),
      tools: [
        {
          type: 'function',
          function: { name: 'send', parameters: { type: 'object', properties: { to: { type: 'string', enum: ['x', EMAIL] } } } },
        },
      ],
    },
    path: 'tools.0.function.parameters.properties.to.enum.1',
    at: (r) => (r.tools?.[0]?.function.parameters as { properties: { to: { enum: string[] } } }).properties.to.enum[1],
  },
  {
    field: 'tool parameters: nested description',
    request: {
      ...base(),
      tools: [
        {
          type: 'function',
          function: {
            name: 'send',
            parameters: { type: 'object', properties: { cc: { type: 'string', description: `default ${EMAIL}` } } },
          },
        },
      ],
    },
    path: 'tools.0.function.parameters.properties.cc.description',
    at: (r) => (r.tools?.[0]?.function.parameters as { properties: { cc: { description: string } } }).properties.cc.description,
  },
  { field: 'stop (string)', request: { ...base(), stop: EMAIL }, path: 'stop', at: (r) => r.stop },
  {
    field: 'stop (array)',
    request: { ...base(), stop: ['END', EMAIL] },
    path: 'stop.1',
    at: (r) => (r.stop as string[])[1],
  },
  {
    field: 'response_format json_schema',
    request: {
      ...base(),
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'reply', schema: { type: 'object', properties: { to: { const: EMAIL } } } },
      },
    },
    path: 'response_format.json_schema.schema.properties.to.const',
    at: (r) =>
      r.response_format?.type === 'json_schema'
        ? (r.response_format.json_schema.schema as { properties: { to: { const: string } } }).properties.to.const
        : undefined,
  },
  {
    field: 'response_format description',
    request: { ...base(), response_format: { type: 'json_schema', json_schema: { name: 'reply', description: `for ${EMAIL}` } } },
    path: 'response_format.json_schema.description',
    at: (r) => (r.response_format?.type === 'json_schema' ? r.response_format.json_schema.description : undefined),
  },
  {
    field: 'a field the canonical type does not name (passed through upstream)',
    request: { ...base(), prediction: { type: 'content', content: `Dear ${EMAIL}` } } as ChatRequest,
    path: 'prediction.content',
    at: (r) => (r as unknown as { prediction: { content: string } }).prediction.content,
  },
  {
    field: 'an unnamed message field',
    request: { model: 'm', messages: [{ role: 'user', content: 'hi', note: EMAIL } as ChatRequest['messages'][number]] },
    path: 'messages.0.note',
    at: (r) => (r.messages[0] as unknown as { note: string }).note,
  },
  { field: 'metadata value', request: { ...base(), metadata: { owner: EMAIL } }, path: 'metadata.owner', at: (r) => r.metadata?.owner },
];

describe('guard: every string field sent upstream', () => {
  for (const c of cases) {
    it(`finds and pseudonymizes an email in ${c.field}`, async () => {
      const before = JSON.stringify(c.request);
      const inspection = await guard.inspect(c.request);
      assert.deepEqual(inspection.counts, { email: 1 });
      assert.deepEqual(
        inspection.findings.map((f) => f.path.join('.')),
        [c.path],
      );
      const { request: safe, restorer } = guard.pseudonymize(c.request, inspection);
      assert.equal(JSON.stringify(c.request), before, 'input not mutated');
      assert.ok(!JSON.stringify(safe).includes(EMAIL), 'the value reaches the upstream');
      assert.match(String(c.at(safe)), /⟦EMAIL_1⟧/);
      assert.equal(restorer.restoreText(JSON.stringify(safe)), before, 'only that field changed');
    });
  }

  it('leaves identifiers and keys alone (tool names, property names, tool_call_id)', async () => {
    const request: ChatRequest = {
      model: 'm',
      messages: [{ role: 'tool', tool_call_id: 'call_1', content: 'done' }],
      tools: [
        { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { email: { type: 'string' } } } } },
      ],
    };
    assert.deepEqual((await guard.inspect(request)).counts, {});
  });
});

describe('guard: placeholders are unforgeable', () => {
  it("a client's own placeholder-like token is never replaced by another finding's value", async () => {
    const request: ChatRequest = {
      model: 'm',
      messages: [
        { role: 'user', content: `Keep the literal ⟦EMAIL_1⟧ and \\u27e6EMAIL_2\\u27e7 as they are; mail ${EMAIL} and ${OTHER}.` },
      ],
    };
    const { request: safe, restorer } = guard.pseudonymize(request, await guard.inspect(request));
    const sent = String(safe.messages[0]?.content);
    assert.ok(!sent.includes(EMAIL) && !sent.includes(OTHER));
    // The model echoes every token; only the ones this request created come back as values.
    const echoed = restorer.restoreText(sent);
    assert.equal(echoed, request.messages[0]?.content);
    assert.ok(restorer.restoreText('⟦EMAIL_1⟧ ⟦EMAIL_2⟧').startsWith('⟦EMAIL_1⟧ ⟦EMAIL_2⟧'));
    assert.equal(
      restorer.restoreJsonText('{"a":"⟦EMAIL_1⟧","b":"\\u27e6EMAIL_2\\u27e7"}'),
      '{"a":"⟦EMAIL_1⟧","b":"\\u27e6EMAIL_2\\u27e7"}',
    );
  });
});
