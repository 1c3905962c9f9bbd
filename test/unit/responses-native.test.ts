/**
 * The Responses pass-through's pure parts: the body sent upstream, the stored conversation as
 * input items, usage in canonical terms, the guard on the native body (same placeholders as the
 * canonical pseudonymizer, fail-safe to translation) and the event-stream restore (a placeholder
 * split across deltas, JSON-escaped arguments, a held tail flushed before `.done`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { messagesToInputItems, nativeRequestBody, nativeUsage } from '../../src/api/responses/native.js';
import { parseResponsesRequest } from '../../src/api/responses/schema.js';
import { responsesRequestToCanonical } from '../../src/api/responses/request.js';
import { createGuard, guardConfigSchema } from '../../src/guard/index.js';
import { guardNativeBody, restoreNative, restoreNativeEvents } from '../../src/gateway/responses-native-guard.js';
import type { ResponsesWireEvent } from '../../src/providers/spec.js';

const EMAIL = 'jane.doe@example.com';
const guard = createGuard(guardConfigSchema.parse({ defaultAction: 'pseudonymize' }));

async function guarded(body: Record<string, unknown>) {
  const inbound = parseResponsesRequest(body);
  const request = responsesRequestToCanonical(inbound);
  const inspection = await guard.inspect(request);
  return guardNativeBody(guard, inspection, request, nativeRequestBody(inbound, undefined, 'up'), 'cloud');
}

async function* from(events: ResponsesWireEvent[]): AsyncGenerator<ResponsesWireEvent> {
  yield* events;
}

describe('native Responses body', () => {
  it('passes the client fields through; Meridian owns model, store, previous_response_id and prompt', () => {
    const inbound = parseResponsesRequest({
      model: 'alias',
      input: 'Hi',
      store: true,
      previous_response_id: 'resp_1',
      include: ['reasoning.encrypted_content'],
      truncation: 'auto',
    });
    const body = nativeRequestBody(inbound, [{ role: 'user', content: 'Before' }], 'gpt-x');
    assert.deepEqual(body, {
      input: [
        { role: 'user', content: 'Before' },
        { role: 'user', content: 'Hi' },
      ],
      include: ['reasoning.encrypted_content'],
      truncation: 'auto',
      model: 'gpt-x',
      store: false,
    });
  });

  it('turns a stored conversation into input items (tool calls and results included)', () => {
    assert.deepEqual(
      messagesToInputItems([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'see' },
            { type: 'image_url', image_url: { url: 'https://x/i.png', detail: 'low' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'done' },
        { role: 'assistant', content: 'ok' },
      ]),
      [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'see' },
            { type: 'input_image', image_url: 'https://x/i.png', detail: 'low' },
          ],
        },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'done' },
        { role: 'assistant', content: 'ok' },
      ],
    );
  });

  it('reads usage with cached and reasoning tokens; none when absent', () => {
    assert.deepEqual(
      nativeUsage({
        usage: {
          input_tokens: 10,
          output_tokens: 5,
          total_tokens: 15,
          input_tokens_details: { cached_tokens: 2 },
          output_tokens_details: { reasoning_tokens: 3 },
        },
      }),
      {
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        prompt_tokens_details: { cached_tokens: 2 },
        completion_tokens_details: { reasoning_tokens: 3 },
      },
    );
    assert.equal(nativeUsage({ usage: null }), undefined);
    assert.equal(nativeUsage({ usage: { input_tokens: -1, output_tokens: 2 } }), undefined);
  });
});

describe('guard on the native body', () => {
  it('replaces every real value with the canonical placeholder, metadata and function-call arguments included', async () => {
    const g = await guarded({
      model: 'a',
      instructions: `Answer ${EMAIL}`,
      input: [
        { role: 'user', content: [{ type: 'input_text', text: `I am ${EMAIL}` }] },
        { type: 'function_call', call_id: 'c1', name: 'send', arguments: JSON.stringify({ to: EMAIL }) },
        { type: 'function_call_output', call_id: 'c1', output: 'sent' },
      ],
      metadata: { name: EMAIL },
    });
    assert.ok(g?.restorer);
    const text = JSON.stringify(g.body);
    assert.ok(!text.includes(EMAIL), text);
    assert.equal(g.body.instructions, 'Answer ⟦EMAIL_1⟧');
    assert.deepEqual(g.body.metadata, { name: '⟦EMAIL_1⟧' });
    assert.equal((g.body.input as any[])[1].arguments, '{"to":"⟦EMAIL_1⟧"}');
    assert.equal(g.restorer.restoreText('to ⟦EMAIL_1⟧'), `to ${EMAIL}`);
  });

  it('leaves a body without findings as it is, and no restorer', async () => {
    const g = await guarded({ model: 'a', input: 'Hello there' });
    assert.equal(g?.restorer, undefined);
    assert.equal(g?.body.input, 'Hello there');
  });

  it('is undefined (translate) when uninspected text has findings, or a value survives in an id', async () => {
    assert.equal(
      await guarded({
        model: 'a',
        input: [
          { type: 'reasoning', summary: [{ type: 'summary_text', text: `user ${EMAIL}` }] },
          { role: 'user', content: 'hi' },
        ],
      }),
      undefined,
    );
    assert.equal(await guarded({ model: 'a', input: 'hi', unknown_field: { note: `mail ${EMAIL}` } }), undefined);
    // Object keys go upstream too (found by the native fuzz): a key with findings, or a key holding a replaced value.
    assert.equal(await guarded({ model: 'a', input: 'hi', unknown_field: { [EMAIL]: 'x' } }), undefined);
    assert.equal(await guarded({ model: 'a', input: `I am ${EMAIL}`, metadata: { [EMAIL]: 'x' } }), undefined);
    assert.equal(
      await guarded({
        model: 'a',
        input: [
          { type: 'function_call', call_id: EMAIL, name: 'f', arguments: `{"to":"${EMAIL}"}` },
          { type: 'function_call_output', call_id: EMAIL, output: 'ok' },
        ],
      }),
      undefined,
    );
  });
});

describe('restoring native answers', () => {
  it('restores a response object, JSON-escaping values inside arguments', async () => {
    const g = (await guarded({ model: 'a', input: `Mail "x" ${EMAIL}` }))!;
    const restored = restoreNative(
      {
        output: [
          { type: 'function_call', arguments: '{"to":"⟦EMAIL_1⟧"}' },
          { type: 'message', content: [{ type: 'output_text', text: 'Hi ⟦EMAIL_1⟧' }] },
        ],
      },
      g.restorer!,
    );
    assert.deepEqual(restored.output[0], { type: 'function_call', arguments: `{"to":"${EMAIL}"}` });
    assert.equal((restored.output[1] as any).content[0].text, `Hi ${EMAIL}`);
  });

  it('restores deltas with a placeholder split across two events and flushes a held tail before .done', async () => {
    const g = (await guarded({ model: 'a', input: `Mail ${EMAIL}` }))!;
    const where = { item_id: 'msg_1', output_index: 0, content_index: 0 };
    const ev = (type: string, fields: Record<string, unknown>): ResponsesWireEvent => ({ event: type, data: { type, ...fields } });
    const out: ResponsesWireEvent[] = [];
    for await (const e of restoreNativeEvents(
      from([
        ev('response.output_text.delta', { ...where, delta: 'To ⟦EM' }),
        ev('response.output_text.delta', { ...where, delta: 'AIL_1⟧ and ⟦EMA' }),
        ev('response.output_text.done', { ...where, text: 'To ⟦EMAIL_1⟧ and ⟦EMA' }),
        ev('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 1, delta: '{"to":"\\u27e6EMA' }),
        ev('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 1, delta: 'IL_1\\u27e7"}' }),
        ev('response.completed', { response: { output: [{ type: 'message', content: [{ type: 'output_text', text: '⟦EMAIL_1⟧' }] }] } }),
      ]),
      g.restorer!,
    ))
      out.push(e);
    const text = out.filter((e) => e.event === 'response.output_text.delta').map((e) => e.data.delta);
    assert.deepEqual(text, ['To ', `${EMAIL} and `, '⟦EMA'], 'the unfinished tail goes out whole before .done');
    assert.equal(out[3]!.event, 'response.output_text.done');
    assert.equal(out[3]!.data.text, `To ${EMAIL} and ⟦EMA`);
    const args = out
      .filter((e) => e.event === 'response.function_call_arguments.delta')
      .map((e) => e.data.delta)
      .join('');
    assert.deepEqual(JSON.parse(args), { to: EMAIL });
    assert.equal((out.at(-1)!.data.response as any).output[0].content[0].text, EMAIL);
  });
});
