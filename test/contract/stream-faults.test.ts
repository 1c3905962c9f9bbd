/**
 * Conformance suite run against every adapter: an upstream that fails after answering 200 never
 * looks like success. A stream cut before its end marker throws `upstream_truncated`; an error
 * event inside a stream or an error object as a 200 body throws a retryable UpstreamError (so
 * the router falls back); a complete stream still ends cleanly with one finish chunk.
 * Wire shapes and the docs they follow: ./fixtures/wires.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChatChunk } from '../../src/api/types.js';
import { UpstreamError } from '../../src/errors.js';
import type { ChatResult } from '../../src/providers/spec.js';
import { sendJson, startUpstream, type FakeUpstream } from '../helpers/upstream.js';
import { chatOn, deploymentFor, providerFor, startStream, wires } from './fixtures/wires.js';

let upstream: FakeUpstream;
/** What the next upstream response body is (streamed as is), or a JSON body for non-streamed calls. */
let reply: { raw: string } | { json: unknown };

before(async () => {
  upstream = await startUpstream((req, res) => {
    const wire = wires.find((w) => req.url.startsWith(w.basePath || '/'))!;
    if ('json' in reply) return sendJson(res, 200, reply.json);
    startStream(res, wire);
    res.end(reply.raw);
  });
});
after(() => upstream.close());

async function drain(result: ChatResult): Promise<ChatChunk[]> {
  assert.equal(result.type, 'stream');
  const out: ChatChunk[] = [];
  if (result.type === 'stream') for await (const e of result.events) out.push(e.chunk);
  return out;
}

/** Runs `p` and returns the UpstreamError it must reject with, plus the chunks seen before. */
async function failure(p: Promise<ChatResult>, seen: ChatChunk[] = []): Promise<UpstreamError> {
  try {
    const result = await p;
    if (result.type === 'stream') for await (const e of result.events) seen.push(e.chunk);
  } catch (err) {
    assert.ok(err instanceof UpstreamError, `expected an UpstreamError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail, it ended as a success');
}

for (const wire of wires) {
  describe(`${wire.type} adapter: failures after a 200 are never success`, () => {
    const d = () => deploymentFor(providerFor(wire, upstream.url));

    it('a complete stream ends cleanly with one finish chunk (baseline)', async () => {
      reply = { raw: wire.head + wire.end };
      const chunks = await drain(await chatOn(d(), true));
      assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Hi');
      assert.equal(chunks.filter((c) => c.choices[0]?.finish_reason).length, 1);
    });

    it('a stream cut after some text throws upstream_truncated (after the text was delivered)', async () => {
      reply = { raw: wire.head };
      const seen: ChatChunk[] = [];
      const e = await failure(chatOn(d(), true), seen);
      assert.equal(e.code, 'upstream_truncated');
      assert.equal(e.status, 502);
      assert.ok(e.isRetryable, 'retryable: the executor may fall back while nothing reached the client');
      assert.ok(
        seen.some((c) => c.choices[0]?.delta.content === 'Hi'),
        'text before the cut was delivered',
      );
      assert.ok(!seen.some((c) => c.choices[0]?.finish_reason), 'no finish chunk was invented');
    });

    it('a 200 stream with no events at all throws upstream_truncated', async () => {
      reply = { raw: '' };
      const e = await failure(chatOn(d(), true));
      assert.equal(e.code, 'upstream_truncated');
    });

    it('an error event mid-stream throws a retryable UpstreamError carrying the upstream message', async () => {
      reply = { raw: wire.head + wire.errorEvent };
      const e = await failure(chatOn(d(), true));
      assert.notEqual(e.code, 'upstream_truncated');
      assert.ok(e.isRetryable);
      assert.ok(e.status >= 500, `5xx-equivalent, got ${e.status}`);
      assert.match(e.message, /mid-stream/);
    });

    it('a non-streamed 200 whose body is an error object throws a retryable UpstreamError', async () => {
      reply = { json: wire.errorBody };
      const e = await failure(chatOn(d(), false));
      assert.ok(e.isRetryable);
      assert.ok(e.status >= 500, `5xx-equivalent, got ${e.status}`);
      assert.ok(e.message.includes(wire.errorBodyMessage), `keeps the upstream message: ${e.message}`);
    });

    it('a non-streamed complete answer still succeeds (baseline)', async () => {
      reply = { json: wire.okBody };
      const r = await chatOn(d(), false);
      assert.equal(r.type, 'response');
      if (r.type === 'response') assert.equal(r.response.choices[0]?.message.content, 'Hi');
    });
  });
}
