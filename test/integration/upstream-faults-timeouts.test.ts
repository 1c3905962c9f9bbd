/**
 * Issue #10 (6): a stream that stalls after its first chunk times out. Two bounds, both ending
 * the canonical stream with an UpstreamTimeoutError and cancelling the upstream body:
 * - `providers[].streamIdleTimeoutMs`, the longest silence between two chunks (every adapter);
 * - `router.deadlineMs`, the whole request including the stream after the attempt committed,
 *   even when the upstream keeps sending.
 * Real loopback upstreams and real short timeouts; the tests wait on the events themselves.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { StreamEvent } from '../../src/api/types.js';
import { UpstreamTimeoutError } from '../../src/errors.js';
import type { ChatResult, Deployment } from '../../src/providers/spec.js';
import { policiesConfigSchema, routerConfigSchema } from '../../src/router/config.js';
import { createRouter } from '../../src/router/router.js';
import type { RequestFacts } from '../../src/router/types.js';
import { chatOn, deploymentFor, providerFor, startStream, wires } from '../contract/fixtures/wires.js';
import { startUpstream, type FakeUpstream } from '../helpers/upstream.js';

let upstream: FakeUpstream;
let behave: (res: ServerResponse) => void;
let closed: Promise<void> = Promise.resolve();

before(async () => {
  upstream = await startUpstream((_req, res) => {
    closed = new Promise((resolve) => res.on('close', () => resolve()));
    behave(res);
  });
});
after(() => upstream.close());

async function readAll(it: AsyncIterator<StreamEvent>, text: string[]): Promise<void> {
  for (let n = await it.next(); !n.done; n = await it.next()) text.push(n.value.chunk.choices[0]?.delta.content ?? '');
}

describe('streamIdleTimeoutMs: a stream silent after its first chunk fails, on every adapter', () => {
  for (const wire of wires) {
    it(
      `${wire.type}: UpstreamTimeoutError after the text already sent, and the upstream body is cancelled`,
      { timeout: 10_000 },
      async () => {
        behave = (res) => {
          startStream(res, wire);
          res.write(wire.head); // …and nothing more, ever
        };
        const d = deploymentFor(providerFor(wire, upstream.url, { streamIdleTimeoutMs: 50 }));
        try {
          const r = await chatOn(d, true);
          assert.equal(r.type, 'stream');
          const text: string[] = [];
          const it = (r as Extract<ChatResult, { type: 'stream' }>).events[Symbol.asyncIterator]();
          await assert.rejects(readAll(it, text), (e: unknown) => {
            assert.ok(e instanceof UpstreamTimeoutError, `got ${String(e)}`);
            assert.equal(e.code, 'upstream_timeout');
            assert.match(e.message, /50 ms.*streamIdleTimeoutMs/);
            return true;
          });
          assert.equal(text.join(''), 'Hi', 'what came before the stall was delivered');
          await closed; // the upstream saw its connection closed
        } finally {
          await d.provider.http.destroy();
        }
      },
    );
  }
});

describe('router.deadlineMs bounds the whole stream', () => {
  const facts: RequestFacts = {
    kind: 'chat',
    alias: 'm',
    tags: [],
    pii: {},
    hasTools: false,
    hasImages: false,
    estimatedPromptTokens: 10,
    responseFormat: 'text',
    stream: true,
  };

  it('a committed stream that keeps trickling is cut at the deadline with UpstreamTimeoutError', { timeout: 10_000 }, async () => {
    const wire = wires.find((w) => w.type === 'openai-compatible')!;
    let sent = 0;
    behave = (res) => {
      startStream(res, wire);
      res.write(wire.head);
      // Never idle, never done: only the deadline can end it.
      const t = setInterval(() => {
        sent++;
        res.write(wire.more);
      }, 10);
      res.on('close', () => clearInterval(t));
    };
    const deadlineMs = 200;
    const router = createRouter({
      router: routerConfigSchema.parse({ retries: 0, deadlineMs, attemptTimeoutMs: 5_000 }),
      policies: policiesConfigSchema.parse([]),
    });
    const d: Deployment = deploymentFor(providerFor(wire, upstream.url, { streamIdleTimeoutMs: 0 }));
    try {
      const t0 = performance.now();
      const result = await router.execute(
        router.plan(facts, [d]),
        async (dep, signal) => {
          const r = await chatOn(dep, true, signal);
          const it = (r as Extract<ChatResult, { type: 'stream' }>).events[Symbol.asyncIterator]();
          await it.next();
          return it;
        },
        new AbortController().signal,
      );
      const text: string[] = [];
      await assert.rejects(readAll(result.value, text), (e: unknown) => {
        assert.ok(e instanceof UpstreamTimeoutError, `got ${String(e)}`);
        assert.match(e.message, /deadline of 200 ms/);
        return true;
      });
      const took = performance.now() - t0;
      result.release({ ok: false });
      assert.ok(took >= deadlineMs - 5, `cut at the deadline, not before (${Math.round(took)} ms)`);
      assert.ok(sent > 0 && text.join('').includes('.'), 'the stream was flowing when it was cut');
      await closed;
    } finally {
      await d.provider.http.destroy();
    }
  });
});
