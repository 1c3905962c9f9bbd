/**
 * The inbound direction (Anthropic wire on the client side) against the outbound adapter code:
 * request, response and stream round trips, and the validity of the event sequence we produce.
 * Fixtures: test/contract/fixtures/anthropic/ (sources in its README).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ChatChunk, ChatRequest, ChatResponse } from '../../src/api/types.js';
import { UpstreamError } from '../../src/errors.js';
import type { AnthropicStreamEvent } from '../../src/providers/anthropic/anthropic-api.js';
import { anthropicEventsToChunks } from '../../src/providers/anthropic/anthropic-stream.js';
import { convertAnthropicRequest } from '../../src/providers/anthropic/convert-anthropic-request.js';
import { convertAnthropicResponse } from '../../src/providers/anthropic/convert-anthropic-response.js';
import {
  anthropicEventToSse,
  anthropicRequestToCanonical,
  canonicalResponseToAnthropic,
  canonicalStreamToAnthropicEvents,
  errorToAnthropic,
  type AnthropicOutboundEvent,
} from '../../src/providers/anthropic/inbound.js';

const FIXTURES = new URL('./fixtures/anthropic/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');
const fixtureJson = (name: string): any => JSON.parse(fixture(name));

/** Minimal SSE reading for recorded files: the `data:` line of each blank-line-separated event. */
function parseSse(text: string): Array<{ event: string; data: any }> {
  return text
    .split(/\n\n+/)
    .filter((b) => b.trim())
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? '';
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6));
      return { event, data };
    });
}

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const i of items) yield i;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function toChunks(events: AnthropicStreamEvent[]): Promise<ChatChunk[]> {
  const out = await collect(anthropicEventsToChunks(from(events), { model: 'm', deployment: 'anthropic/m' }));
  return out.map((e) => e.chunk);
}

/** Checks the ordering rules of https://docs.anthropic.com/en/docs/build-with-claude/streaming. */
function assertValidAnthropicSequence(events: AnthropicOutboundEvent[]): void {
  const types = events.map((e) => e.event);
  assert.equal(types[0], 'message_start');
  assert.equal(types[types.length - 1], 'message_stop');
  assert.equal(types[types.length - 2], 'message_delta');
  let open: number | null = null;
  let nextIndex = 0;
  for (const e of events) {
    const d = e.data as any;
    assert.equal(d.type, e.event, 'data.type matches the event name');
    if (e.event === 'content_block_start') {
      assert.equal(open, null, 'blocks do not overlap');
      assert.equal(d.index, nextIndex++, 'block indexes count up from 0');
      open = d.index;
    } else if (e.event === 'content_block_delta') {
      assert.equal(d.index, open, 'deltas belong to the open block');
    } else if (e.event === 'content_block_stop') {
      assert.equal(d.index, open);
      open = null;
    } else if (e.event === 'message_delta' || e.event === 'message_stop') {
      assert.equal(open, null, 'all blocks closed before message_delta');
    }
  }
}

const stripCreated = (chunks: ChatChunk[]) => chunks.map(({ created: _c, ...rest }) => rest);

describe('anthropic inbound: requests', () => {
  it('canonical → Anthropic → canonical is lossless for representable requests', () => {
    const original: ChatRequest = {
      model: 'claude-sonnet-4-20250514',
      messages: [
        { role: 'system', content: 'You are a weather assistant.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is the weather like here?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'toolu_01A09q90qw90lq917835lq9',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
        { role: 'user', content: 'And tomorrow?' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Get the weather',
            parameters: { type: 'object', properties: { location: { type: 'string' } } },
          },
        },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      stop: ['END'],
      top_p: 0.97,
      max_tokens: 8000,
      user: 'user-42',
      stream: true,
      reasoning_effort: 'medium',
    };
    const { body } = convertAnthropicRequest(original);
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 4096 });
    assert.deepEqual(anthropicRequestToCanonical(body), original);
  });

  it('Anthropic → canonical → Anthropic reproduces the documented request', () => {
    const body = fixtureJson('request-tools.expected.json').body;
    const canonical = anthropicRequestToCanonical(body);
    assert.deepEqual(
      canonical.messages.map((m) => m.role),
      ['system', 'system', 'user', 'assistant', 'tool', 'tool', 'user'],
    );
    assert.deepEqual(convertAnthropicRequest(canonical).body, body);
  });

  it('rejects malformed bodies with a 400', () => {
    assert.throws(
      () => anthropicRequestToCanonical({ model: 'x' } as any),
      (e: any) => e.status === 400 && e.param === 'messages',
    );
    assert.throws(
      () => anthropicRequestToCanonical({ model: 'x', max_tokens: 5, messages: [{ role: 'system' as any, content: 'hi' }] }),
      (e: any) => e.status === 400,
    );
  });
});

describe('anthropic inbound: responses', () => {
  it('Anthropic → canonical → Anthropic round trip (tool use)', () => {
    const msg = fixtureJson('message-tool-use.json');
    assert.deepEqual(canonicalResponseToAnthropic(convertAnthropicResponse(msg)), msg);
  });

  it('canonical → Anthropic → canonical round trip (reasoning, cached usage)', () => {
    const res: ChatResponse = {
      id: 'msg_01RoundTrip',
      object: 'chat.completion',
      created: 1,
      model: 'claude-sonnet-4-20250514',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: '27 * 453 = 12,231', reasoning_content: 'Break it down.' },
          finish_reason: 'length',
        },
      ],
      usage: { prompt_tokens: 1010, completion_tokens: 7, total_tokens: 1017, prompt_tokens_details: { cached_tokens: 1000 } },
    };
    const anthropic = canonicalResponseToAnthropic(res);
    assert.equal(anthropic.stop_reason, 'max_tokens');
    assert.deepEqual(anthropic.usage, { input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 1000 });
    const back = convertAnthropicResponse(anthropic);
    assert.deepEqual({ ...back, created: 1 }, res);
  });
});

describe('anthropic inbound: streams', () => {
  for (const file of ['stream-text.sse', 'stream-tool-use.sse', 'stream-thinking.sse']) {
    it(`round trips ${file} through canonical chunks and back`, async () => {
      const upstreamEvents = parseSse(fixture(file)).map((e) => e.data as AnthropicStreamEvent);
      const canonical = await toChunks(upstreamEvents);
      const produced = await collect(canonicalStreamToAnthropicEvents(from(canonical)));
      assertValidAnthropicSequence(produced);
      // What we produce must itself be readable by our own (spec-following) reader, to the same chunks.
      const reparsed = parseSse(produced.map(anthropicEventToSse).join('')).map((e) => e.data as AnthropicStreamEvent);
      assert.deepEqual(stripCreated(await toChunks(reparsed)), stripCreated(canonical));
      // And block structure matches the upstream's (same kinds, same order).
      const kinds = (evs: Array<{ type: string; content_block?: { type: string } }>) =>
        evs.filter((e) => e.type === 'content_block_start').map((e) => e.content_block!.type);
      assert.deepEqual(kinds(produced.map((e) => e.data as any)), kinds(upstreamEvents as any));
    });
  }

  it('rethrows a failure of the canonical stream (the writer renders it as an error event), never a clean end', async () => {
    async function* failing(): AsyncGenerator<ChatChunk> {
      yield {
        id: 'c1',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { role: 'assistant', content: 'Once' }, finish_reason: null }],
      };
      throw new UpstreamError('Upstream overloaded', { upstreamStatus: 529 });
    }
    const events: Array<{ event: string }> = [];
    await assert.rejects(async () => {
      for await (const e of canonicalStreamToAnthropicEvents(failing())) events.push(e);
    }, /Upstream overloaded/);
    assert.deepEqual(
      events.map((e) => e.event),
      ['message_start', 'content_block_start', 'content_block_delta'],
    );
    assert.deepEqual(errorToAnthropic(new UpstreamError('Upstream overloaded', { upstreamStatus: 529 })), {
      type: 'overloaded_error',
      message: 'Upstream overloaded',
    });
  });
});
