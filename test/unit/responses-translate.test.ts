/**
 * The Responses API translation both ways (src/api/responses): request items → canonical
 * messages, canonical answers → response objects, canonical chunks → semantic stream events.
 * Reference: https://platform.openai.com/docs/api-reference/responses
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatChunk, ChatResponse } from '../../src/api/types.js';
import { parseResponsesToCanonical } from '../../src/api/responses/request.js';
import { canonicalResponseToResponses } from '../../src/api/responses/response.js';
import { parseResponsesRequest } from '../../src/api/responses/schema.js';
import { EventSequence, canonicalStreamToResponsesEvents, responsesEventToSse } from '../../src/api/responses/stream.js';
import { InvalidRequestError, UpstreamError } from '../../src/errors.js';

const toCanonical = (body: Record<string, unknown>) => parseResponsesToCanonical({ model: 'm', ...body }).request;

function rejects400(body: Record<string, unknown>, param: string): void {
  assert.throws(
    () => toCanonical(body),
    (e: unknown) => e instanceof InvalidRequestError && e.status === 400 && e.param === param,
  );
}

describe('Responses request → canonical', () => {
  it('puts instructions first as a system message and a string input as one user message', () => {
    assert.deepEqual(toCanonical({ instructions: 'Be brief.', input: 'Hi' }).messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
  });

  it('merges consecutive function_call items into one assistant turn and maps outputs to tool messages', () => {
    const req = toCanonical({
      input: [
        { role: 'user', content: 'both cities' },
        {
          role: 'assistant',
          content: [
            { type: 'output_text', text: 'Checking ' },
            { type: 'output_text', text: 'both.' },
          ],
        },
        { type: 'function_call', call_id: 'c1', name: 'w', arguments: '{"c":"a"}' },
        { type: 'function_call', call_id: 'c2', name: 'w', arguments: '{"c":"b"}' },
        { type: 'function_call_output', call_id: 'c1', output: 'sun' },
        { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'rain' }] },
        { type: 'reasoning', summary: [] },
      ],
    });
    assert.deepEqual(req.messages, [
      { role: 'user', content: 'both cities' },
      {
        role: 'assistant',
        content: 'Checking both.',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'w', arguments: '{"c":"a"}' } },
          { id: 'c2', type: 'function', function: { name: 'w', arguments: '{"c":"b"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'sun' },
      { role: 'tool', tool_call_id: 'c2', content: [{ type: 'text', text: 'rain' }] },
    ]);
  });

  it('keeps images as image_url parts and maps the sampling, output, tool and format fields', () => {
    const req = toCanonical({
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'what?' },
            { type: 'input_image', image_url: 'https://x/i.png', detail: 'high' },
          ],
        },
      ],
      max_output_tokens: 50,
      temperature: 0.5,
      top_p: 0.5,
      user: 'u',
      metadata: { a: 'b' },
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' }, strict: true }],
      tool_choice: { type: 'function', name: 'f' },
      parallel_tool_calls: false,
      text: { format: { type: 'json_object' } },
      reasoning: { effort: 'xhigh' },
      stream: true,
      store: true,
    });
    assert.deepEqual(req.messages[0]!.content, [
      { type: 'text', text: 'what?' },
      { type: 'image_url', image_url: { url: 'https://x/i.png', detail: 'high' } },
    ]);
    assert.equal(req.max_tokens, 50);
    assert.equal(req.temperature, 0.5);
    assert.equal(req.top_p, 0.5);
    assert.equal(req.user, 'u');
    assert.deepEqual(req.metadata, { a: 'b' });
    assert.deepEqual(req.tools, [{ type: 'function', function: { name: 'f', parameters: { type: 'object' }, strict: true } }]);
    assert.deepEqual(req.tool_choice, { type: 'function', function: { name: 'f' } });
    assert.equal(req.parallel_tool_calls, false);
    assert.deepEqual(req.response_format, { type: 'json_object' });
    assert.equal(req.reasoning_effort, 'high');
    assert.equal(req.stream, true);
    assert.equal(toCanonical({ input: 'x', reasoning: { effort: 'none' } }).reasoning_effort, undefined);
  });

  it('refuses what it cannot carry with a 400 naming the path', () => {
    rejects400({ input: 'x', previous_response_id: 'resp_1' }, 'previous_response_id');
    rejects400({ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }] }, 'input[0].content[0]');
    rejects400({ input: [{ role: 'user', content: [{ type: 'input_file', file_data: 'x' }] }] }, 'input[0].content[0]');
    rejects400({ input: [{ role: 'assistant', content: [{ type: 'input_image', image_url: 'https://x' }] }] }, 'input[0].content[0]');
    rejects400({ input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0]');
    rejects400({ instructions: 'only this', input: [] }, 'input');
    rejects400({ input: 'x', tools: [{ type: 'file_search' }] }, 'tools[0].type');
    rejects400({ input: [{ type: 'function_call', call_id: 'c', name: 'f' }] }, 'input[0].arguments');
  });

  it('accepts unknown top-level fields without forwarding them', () => {
    const r = parseResponsesRequest({ model: 'm', input: 'x', include: ['reasoning.encrypted_content'], truncation: 'auto' });
    assert.equal(r.input, 'x');
    assert.equal('include' in toCanonical({ input: 'x', include: [] }), false);
  });
});

const answer = (message: Record<string, unknown>, finish: string): ChatResponse =>
  ({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1700000000,
    model: 'up',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, prompt_tokens_details: { cached_tokens: 1 } },
  }) as ChatResponse;

describe('canonical answer → response object', () => {
  const inbound = parseResponsesRequest({ model: 'alias', input: 'x', instructions: 'I', tools: [{ type: 'function', name: 'f' }] });

  it('has only function_call items for a tool-only answer, and echoes the request', () => {
    const r = canonicalResponseToResponses(
      answer({ content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, 'tool_calls'),
      inbound,
    );
    assert.match(r.id, /^resp_[0-9a-f]{32}$/);
    assert.equal(r.status, 'completed');
    assert.equal(r.output.length, 1);
    assert.deepEqual(
      { ...r.output[0], id: 'x' },
      { type: 'function_call', id: 'x', call_id: 'c1', name: 'f', arguments: '{}', status: 'completed' },
    );
    assert.equal(r.instructions, 'I');
    assert.equal(r.store, false);
    assert.deepEqual(r.usage, {
      input_tokens: 3,
      output_tokens: 2,
      total_tokens: 5,
      input_tokens_details: { cached_tokens: 1 },
      output_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('marks a length cut incomplete, its message too', () => {
    const r = canonicalResponseToResponses(answer({ content: 'half' }, 'length'), inbound);
    assert.equal(r.status, 'incomplete');
    assert.deepEqual(r.incomplete_details, { reason: 'max_output_tokens' });
    const m = r.output[0];
    assert.ok(m?.type === 'message');
    assert.equal(m.status, 'incomplete');
    assert.deepEqual(m.content, [{ type: 'output_text', text: 'half', annotations: [] }]);
  });
});

const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: ChatChunk['choices'][number]['finish_reason'] = null): ChatChunk => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'up',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

async function* from(chunks: ChatChunk[]): AsyncGenerator<ChatChunk> {
  yield* chunks;
}

async function collect(chunks: ChatChunk[]) {
  const inbound = parseResponsesRequest({ model: 'alias', input: 'x' });
  const events = [];
  for await (const e of canonicalStreamToResponsesEvents(from(chunks), inbound, new EventSequence())) events.push(e);
  return events;
}

describe('canonical chunks → Responses stream events', () => {
  it('streams text, then two parallel tool calls, each item with its own output_index', async () => {
    const events = await collect([
      chunk({ role: 'assistant', content: 'Let me ' }),
      chunk({ content: 'check.' }),
      chunk({ tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a"' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'c2', type: 'function', function: { name: 'g', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
      { ...chunk({}), choices: [], usage: { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 } },
    ]);
    assert.deepEqual(
      events.map((e) => e.event),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.output_item.added',
        'response.function_call_arguments.delta',
        'response.output_item.added',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    assert.deepEqual(
      events.map((e) => e.data.sequence_number),
      events.map((_, i) => i),
    );
    assert.deepEqual(
      events.filter((e) => e.event === 'response.function_call_arguments.done').map((e) => [e.data.output_index, e.data.arguments]),
      [
        [1, '{"a":1}'],
        [2, '{}'],
      ],
    );
    const final = events.at(-1)!.data.response as { status: string; output: Array<{ type: string }>; usage: { total_tokens: number } };
    assert.equal(final.status, 'completed');
    assert.equal((events[0]!.data.response as { model: string }).model, 'up', 'the answering model, as in the non-stream object');
    assert.deepEqual(
      final.output.map((o) => o.type),
      ['message', 'function_call', 'function_call'],
    );
    assert.equal(final.usage.total_tokens, 10);
    assert.equal(responsesEventToSse(events[0]!).split('\n')[0], 'event: response.created', 'each SSE block names its event');
  });

  it('streams a refusal as its own message item with a refusal part', async () => {
    const events = await collect([chunk({ role: 'assistant', refusal: "I can't " }), chunk({ refusal: 'help.' }), chunk({}, 'stop')]);
    assert.deepEqual(events.map((e) => e.event).slice(2), [
      'response.output_item.added',
      'response.content_part.added',
      'response.refusal.delta',
      'response.refusal.delta',
      'response.refusal.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    assert.equal(events.find((e) => e.event === 'response.refusal.done')!.data.refusal, "I can't help.");
    const final = events.at(-1)!.data.response as { output: Array<{ content: unknown[] }> };
    assert.deepEqual(final.output[0]!.content, [{ type: 'refusal', refusal: "I can't help." }]);
  });

  it('ends a length cut with response.incomplete', async () => {
    const events = await collect([chunk({ content: 'cut' }), chunk({}, 'length')]);
    assert.equal(events.at(-1)!.event, 'response.incomplete');
    assert.deepEqual((events.at(-1)!.data.response as { incomplete_details: unknown }).incomplete_details, { reason: 'max_output_tokens' });
  });

  it('fails on a tool call whose first fragment has no id (an upstream fault, not a clean end)', async () => {
    await assert.rejects(collect([chunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] })]), UpstreamError);
  });
});
