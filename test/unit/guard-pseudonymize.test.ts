import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatChunk, ChatRequest, ChatResponse } from '../../src/api/types.js';
import type { StreamEvent } from '../../src/api/types.js';
import { createGuard, guardConfigSchema } from '../../src/guard/index.js';

const guard = createGuard(guardConfigSchema.parse({}));
const EMAIL = 'ana.silva@example.com';
const PHONE = '+44 20 7946 0958';
const CARD = '4111 1111 1111 1111';

function request(): ChatRequest {
  return {
    model: 'chat',
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: [{ type: 'text', text: `Email ${EMAIL}, phone ${PHONE}, card ${CARD}. Again: ${EMAIL}` }] },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'lookup', arguments: JSON.stringify({ email: EMAIL, note: 'say "hi"' }) } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: `found ${EMAIL} with card ${CARD}` },
    ],
  };
}

function chunk(delta: ChatChunk['choices'][number]['delta'], finish: ChatChunk['choices'][number]['finish_reason'] = null): StreamEvent {
  const c: ChatChunk = {
    id: 'x',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
  return { chunk: c, raw: JSON.stringify(c) };
}
async function* from(events: StreamEvent[]): AsyncIterable<StreamEvent> {
  for (const e of events) yield e;
}
async function collect(it: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('guard inspect + pseudonymize + restore', async () => {
  it('inspects content parts, tool results and tool-call arguments', async () => {
    const inspection = await guard.inspect(request());
    assert.equal(inspection.counts.email, 4);
    assert.equal(inspection.counts.phone, 1);
    assert.equal(inspection.counts.credit_card, 2);
    assert.equal(inspection.action, 'pseudonymize');
    assert.ok(inspection.findings.some((f) => f.path.join('.') === 'messages.2.tool_calls.0.function.arguments'));
  });

  it('replaces values with consistent placeholders and does not mutate the input', async () => {
    const req = request();
    const before = JSON.stringify(req);
    const { request: safe, restorer } = guard.pseudonymize(req, await guard.inspect(req));
    assert.equal(JSON.stringify(req), before);
    const wire = JSON.stringify(safe);
    for (const v of [EMAIL, PHONE, CARD]) assert.ok(!wire.includes(v), 'value leaked');
    assert.ok(wire.includes('⟦EMAIL_1⟧') && !wire.includes('EMAIL_2'), 'same value → same placeholder');
    assert.equal(JSON.parse(safe.messages[2]?.tool_calls?.[0]?.function.arguments ?? '').email, '⟦EMAIL_1⟧');
    assert.equal(restorer.restoreText(JSON.stringify(safe)), JSON.stringify(req));
  });

  it('restores a non-streamed response, with JSON escaping in tool-call arguments', async () => {
    const tricky = 'Dr. Zoë "Q" O\'Neil';
    const req: ChatRequest = { model: 'm', messages: [{ role: 'user', content: `My name is ${tricky}, mail ${EMAIL}` }] };
    const { restorer } = guard.pseudonymize(req, await guard.inspect(req));
    const person = [...Array(3).keys()].map((i) => `⟦PERSON_${i + 1}⟧`).find((p) => restorer.restoreText(p) !== p) ?? '';
    assert.ok(person, 'a person placeholder exists');
    const res: ChatResponse = {
      id: 'r',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: 'Hi ⟦EMAIL_1⟧',
            reasoning_content: 'user ⟦EMAIL_1⟧',
            tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: `{"to":"⟦EMAIL_1⟧","who":"${person}"}` } }],
          },
        },
      ],
    };
    const out = restorer.restoreResponse(res);
    assert.equal(out.choices[0]?.message.content, `Hi ${EMAIL}`);
    assert.equal(out.choices[0]?.message.reasoning_content, `user ${EMAIL}`);
    const args = JSON.parse(out.choices[0]?.message.tool_calls?.[0]?.function.arguments ?? '');
    assert.equal(args.to, EMAIL);
    assert.equal(args.who, restorer.restoreText(person));
    assert.equal(res.choices[0]?.message.content, 'Hi ⟦EMAIL_1⟧', 'input response not mutated');
  });

  it('restores a stream with placeholders split at every point (content and tool arguments)', async () => {
    const req = request();
    const { restorer } = guard.pseudonymize(req, await guard.inspect(req));
    const content = 'Mail ⟦EMAIL_1⟧ and card ⟦CREDIT_CARD_1⟧ done ⟦UNKNOWN_9⟧';
    const expected = `Mail ${EMAIL} and card ${CARD} done ⟦UNKNOWN_9⟧`;
    for (let i = 0; i <= content.length; i++) {
      const events = [chunk({ role: 'assistant', content: content.slice(0, i) }), chunk({ content: content.slice(i) }), chunk({}, 'stop')];
      const out = await collect(restorer.restoreStream(from(events)));
      assert.equal(out.map((e) => e.chunk.choices[0]?.delta.content ?? '').join(''), expected, `split at ${i}`);
      for (const e of out) {
        const text = e.chunk.choices[0]?.delta.content ?? '';
        if (text.includes('⟦EMAIL') || text.includes('⟦CREDIT')) assert.fail('placeholder leaked');
        if (e.raw !== undefined) assert.equal(e.raw, JSON.stringify(e.chunk), 'changed chunk kept raw');
      }
    }
    const args = '{"email":"⟦EMAIL_1⟧"}';
    for (let i = 0; i <= args.length; i++) {
      for (let k = i; k <= args.length; k += 3) {
        const events = [
          chunk({ tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'f', arguments: args.slice(0, i) } }] }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, k) } }] }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(k) } }] }),
          chunk({}, 'tool_calls'),
        ];
        const out = await collect(restorer.restoreStream(from(events)));
        const joined = out
          .flatMap((e) => e.chunk.choices[0]?.delta.tool_calls ?? [])
          .map((t) => t.function?.arguments ?? '')
          .join('');
        assert.deepEqual(JSON.parse(joined), { email: EMAIL }, `split at ${i}/${k}`);
      }
    }
  });

  it('restores tool-call arguments whose placeholder arrives JSON-escaped and split across chunks', async () => {
    const req = request();
    const { restorer } = guard.pseudonymize(req, await guard.inspect(req));
    for (const args of ['{"email":"\\u27e6EMAIL_1\\u27e7"}', '{"email":"\\u27E6EMAIL_1⟧"}', '{"email":"⟦EMAIL_1\\u27e7"}']) {
      for (let i = 0; i <= args.length; i++) {
        for (let k = i; k <= args.length; k++) {
          const events = [
            chunk({ tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'f', arguments: args.slice(0, i) } }] }),
            chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, k) } }] }),
            chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(k) } }] }),
            chunk({}, 'tool_calls'),
          ];
          const out = await collect(restorer.restoreStream(from(events)));
          const joined = out
            .flatMap((e) => e.chunk.choices[0]?.delta.tool_calls ?? [])
            .map((t) => t.function?.arguments ?? '')
            .join('');
          assert.deepEqual(JSON.parse(joined), { email: EMAIL }, `${args} split at ${i}/${k}`);
        }
      }
    }
    // A JSON backslash that is not a placeholder is held back only until the next chunk.
    const plain = [
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"p":"C:\\\\' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'x"}' } }] }),
      chunk({}, 'tool_calls'),
    ];
    const out = await collect(restorer.restoreStream(from(plain)));
    assert.equal(
      out
        .flatMap((e) => e.chunk.choices[0]?.delta.tool_calls ?? [])
        .map((t) => t.function?.arguments ?? '')
        .join(''),
      '{"p":"C:\\\\x"}',
    );
  });

  it('flushes a held suffix when the stream ends without a finish chunk', async () => {
    const req = request();
    const { restorer } = guard.pseudonymize(req, await guard.inspect(req));
    const out = await collect(restorer.restoreStream(from([chunk({ content: 'price ⟦' }), chunk({ content: 'EMAI' })])));
    assert.equal(out.map((e) => e.chunk.choices[0]?.delta.content ?? '').join(''), 'price ⟦EMAI');
  });

  it('passes a stream through untouched when nothing was pseudonymized', async () => {
    const req: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'nothing here' }] };
    const { restorer } = guard.pseudonymize(req, await guard.inspect(req));
    const events = [chunk({ content: 'hi ⟦EMAIL_1⟧' }), chunk({}, 'stop')];
    const out = await collect(restorer.restoreStream(from(events)));
    assert.equal(out[0], events[0]);
  });
});
