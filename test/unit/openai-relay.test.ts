/**
 * The relay (src/providers/openai-compatible/openai-relay.ts) must mean exactly what the exact
 * parser means: for every stream, split into upstream reads at seeded random points, the chunks it
 * hands over (parsed events, and relayed bytes read back) equal openaiStream's, its relayed bytes
 * are the upstream's own, and it fails where and how openaiStream fails.
 * Wire format: https://platform.openai.com/docs/api-reference/chat-streaming (data-only SSE, `[DONE]`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RelayEvent, StreamEvent } from '../../src/api/types.js';
import { toMeridianError } from '../../src/errors.js';
import { deltaText } from '../../src/gateway/metering.js';
import { createProviderHandle } from '../../src/providers/registry.js';
import { DeltaTemplate, openaiRelay } from '../../src/providers/openai-compatible/openai-relay.js';
import { openaiStream } from '../../src/providers/openai-compatible/openai-stream.js';
import { seededRandom } from '../../src/util/random.js';

const provider = createProviderHandle({ id: 'up', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9', location: 'local' });

const delta = (i: number, content: string, extra = '') =>
  `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}}${extra},"finish_reason":null}]}\n\n`;
const finish =
  'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n';
const usage =
  'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}\n\n';
const done = 'data: [DONE]\n\n';
const deltas = (n: number, word = 'tok') => Array.from({ length: n }, (_, i) => delta(i, `${word}${i} é "q" \\ `)).join('');

/** Named upstream bodies: the ordinary case, every kind of event the relay must hand to the parser, and malformed endings. */
const STREAMS: Record<string, string> = {
  plain: deltas(40) + finish + usage + done,
  'usage null on every delta (OpenAI with include_usage)':
    deltas(5).replaceAll('"finish_reason":null', '"finish_reason":null,"usage":null') + finish + usage + done,
  'usage on the last content chunk':
    deltas(3) +
    delta(3, 'x').replace(
      '"finish_reason":null}]',
      '"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":4,"total_tokens":5}',
    ) +
    done,
  'reasoning to normalize':
    deltas(3) +
    delta(3, '', ',"reasoning":"think"').replace('"delta":{"content":""},"reasoning":"think"', '"delta":{"reasoning":"think"}') +
    deltas(3) +
    finish +
    done,
  'reasoning_content passes': deltas(2) + delta(2, 'a').replace('"content":"a"', '"reasoning_content":"a"') + finish + done,
  'error event mid-stream': deltas(6) + 'data: {"error":{"message":"overloaded","type":"server_error"}}\n\n' + deltas(2),
  'error named event': deltas(2) + 'event: error\ndata: {"message":"boom"}\n\n',
  'no [DONE], finished': deltas(4) + finish,
  'truncated: no [DONE], unfinished': deltas(4),
  'truncated: cut mid-event': deltas(4) + delta(4, 'half').slice(0, 30),
  'not JSON': deltas(2) + 'data: {"id":\n\n' + finish + done,
  'CRLF framing': (deltas(5) + finish + done).replaceAll('\n', '\r\n'),
  'comments and ids': ': keep-alive\n\n' + deltas(2) + 'id: 7\n' + delta(2, 'z') + deltas(2) + finish + done,
  'spaced keys': deltas(2) + delta(2, 'sp').replace('"finish_reason":null', '"finish_reason": "stop"') + done,
  'multi-line data':
    deltas(2) +
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",\ndata: "choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
    done,
  'no space after data:': deltas(2).replaceAll('data: ', 'data:') + finish + done,
  'finish in a tool call name':
    deltas(2) +
    delta(2, '').replace('"content":""', '"tool_calls":[{"index":0,"function":{"name":"finish_reason","arguments":"{}"}}]') +
    finish +
    done,
  'content ending in a backslash, and quotes': deltas(2) + delta(2, 'end\\') + delta(3, '"') + delta(4, '\\"') + finish + done,
  'a new id on every delta':
    Array.from({ length: 60 }, (_, i) => delta(i, `t${i}`).replace('"id":"c1"', `"id":"c${i}"`)).join('') + finish + done,
  'tool-call deltas':
    deltas(2) +
    delta(2, '').replace('"content":""', '"tool_calls":[{"index":0,"function":{"arguments":"{\\"a\\":"}}]') +
    deltas(2) +
    finish +
    done,
  'a delta forged to finish inside its content':
    deltas(3) +
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}\n\n' +
    deltas(1) +
    done,
  'reasoning_content deltas, then content':
    Array.from({ length: 30 }, (_, i) => delta(i, `r${i}`).replace('"content":', '"reasoning_content":')).join('') +
    deltas(10) +
    finish +
    done,
  'tool-call argument deltas':
    deltas(1) +
    delta(1, '').replace(
      '"content":""',
      '"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"lookup","arguments":""}}]',
    ) +
    Array.from({ length: 30 }, (_, i) =>
      delta(i, '').replace('"content":""', `"tool_calls":[{"index":0,"function":{"arguments":${JSON.stringify(`{"k${i}":"v\\"`)}}}]`),
    ).join('') +
    finish.replace('"stop"', '"tool_calls"') +
    done,
  'content beside constant reasoning text':
    Array.from({ length: 10 }, (_, i) => delta(i, `c${i}`).replace('"delta":{', '"delta":{"reasoning_content":"same",')).join('') +
    finish +
    done,
  'a raw line break inside content': deltas(3) + delta(3, 'LB').replace('LB', 'L\nB') + finish + done,
  empty: '',
  'only [DONE]': done,
};

async function* reads(text: string, rand: () => number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  let at = 0;
  while (at < bytes.length) {
    const n = rand() < 0.2 ? 1 + Math.floor(rand() * 8) : 1 + Math.floor(rand() * 2_000);
    yield Buffer.from(bytes.subarray(at, at + n));
    at += n;
  }
}

interface Outcome {
  chunks: unknown[];
  error?: string;
  relayedBytes: number;
}

async function collect(events: AsyncIterable<StreamEvent | RelayEvent>, upstreamText: string): Promise<Outcome> {
  const out: Outcome = { chunks: [], relayedBytes: 0 };
  try {
    for await (const ev of events) {
      if ('sse' in ev) {
        // Relayed bytes are the upstream's own: a slice of its body, whole events only.
        assert.ok(upstreamText.includes(ev.sse.toString('utf8')), 'relayed bytes are not the upstream text');
        assert.match(ev.sse.toString('utf8'), /^(data: \{[^\n]*\}\n\n)+$/);
        out.relayedBytes += ev.sse.length;
        const chunks = ev.sse
          .toString('utf8')
          .split('\n\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line.slice(6)));
        out.chunks.push(...chunks);
        assert.equal(ev.text, chunks.map(deltaText).join(''), 'the text the meter counts');
      } else {
        if (ev.raw !== undefined) assert.deepEqual(JSON.parse(ev.raw), ev.chunk, 'raw must equal its chunk');
        out.chunks.push(ev.chunk);
      }
    }
  } catch (err) {
    const e = toMeridianError(err);
    out.error = `${e.code}: ${e.message}`;
  }
  return out;
}

for (const [name, text] of Object.entries(STREAMS)) {
  test(`relay means what the exact parser means: ${name}`, async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const signal = new AbortController().signal;
      const exact = await collect(openaiStream(reads(text, seededRandom(seed)), signal, provider, 'up'), text);
      const relayed = await collect(openaiRelay(reads(text, seededRandom(seed)), signal, provider, 'up'), text);
      assert.deepEqual(relayed.chunks, exact.chunks, `seed ${seed}`);
      assert.equal(relayed.error, exact.error, `seed ${seed}`);
    }
  });
}

test('deltas after the first (which teaches the template) are relayed as bytes, not parsed', async () => {
  const text = STREAMS.plain!;
  const relayed = await collect(openaiRelay(reads(text, seededRandom(7)), new AbortController().signal, provider, 'up'), text);
  assert.equal(relayed.relayedBytes, Buffer.byteLength(deltas(40)) - Buffer.byteLength(delta(0, 'tok0 é "q" \\ ')));
});

test('reasoning and tool-call argument deltas are relayed too, and reasoning text is not counted', async () => {
  for (const name of ['reasoning_content deltas, then content', 'tool-call argument deltas']) {
    const text = STREAMS[name]!;
    const relayed = await collect(openaiRelay(reads(text, seededRandom(3)), new AbortController().signal, provider, 'up'), text);
    assert.ok(relayed.relayedBytes > text.length / 2, `${name}: ${relayed.relayedBytes} of ${text.length} bytes relayed`);
  }
});

test('a template passes deltas around other strings and nothing else', () => {
  const raw = delta(0, 'hello').slice(6, -2);
  const template = DeltaTemplate.from(raw, JSON.parse(raw))!;
  assert.ok(template);
  const run = deltas(3, 'w') + delta(9, 'a \\"b\\" \\\\');
  assert.equal(template.runEnd(run + finish + deltas(2), 0, []), run.length);
  assert.equal(template.runEnd(finish, 0, []), 0);
  assert.equal(template.runEnd(delta(0, 'x').replace('"c1"', '"c2"'), 0, []), 0, 'another id');
  assert.equal(template.runEnd(delta(0, 'x"},"finish_reason":"stop"}]}').replace('\\"}', '"}'), 0, []), 0, 'an unescaped quote');
  assert.equal(DeltaTemplate.from(finish.slice(6, -2), JSON.parse(finish.slice(6, -2))), undefined, 'the finish chunk is no template');
  assert.equal(DeltaTemplate.from(usage.slice(6, -2), JSON.parse(usage.slice(6, -2))), undefined);
});
