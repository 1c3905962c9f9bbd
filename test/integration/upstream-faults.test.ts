/**
 * Issue #10 (4): every way of abandoning an upstream response gives its pooled connection back.
 * A provider with `connections: N` must survive 3N responses that were abandoned or failed while
 * the upstream was still sending (it never ends them): each one's socket is closed, and a normal
 * request afterwards still gets a connection. Run against every adapter over real loopback HTTP.
 * Also: what goes into upstream headers is checked before anything is sent, and upstream error
 * messages are bounded.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { StreamEvent } from '../../src/api/types.js';
import { ConfigError, MAX_UPSTREAM_MESSAGE_CHARS, UpstreamError, UpstreamTimeoutError } from '../../src/errors.js';
import { createProviderHandle } from '../../src/providers/registry.js';
import type { ChatResult, Deployment } from '../../src/providers/spec.js';
import { policiesConfigSchema, routerConfigSchema } from '../../src/router/config.js';
import { createRouter } from '../../src/router/router.js';
import type { RequestFacts } from '../../src/router/types.js';
import { chatOn, deploymentFor, providerFor, startStream, wires, type Wire } from '../contract/fixtures/wires.js';
import { sendJson, startUpstream, type FakeUpstream } from '../helpers/upstream.js';

const N = 2;

let upstream: FakeUpstream;
let behave: (res: ServerResponse) => void;
/** Resolves when the upstream sees each response's connection closed, in arrival order. */
let closed: Promise<void>[] = [];

before(async () => {
  upstream = await startUpstream((_req, res) => {
    closed.push(new Promise((resolve) => res.on('close', () => resolve())));
    behave(res);
  });
});
after(() => upstream.close());

/** The upstream starts an answer and never finishes it: only the client can free the connection. */
const stall =
  (wire: Wire, extra = '') =>
  (res: ServerResponse) => {
    startStream(res, wire);
    res.write(wire.head + extra);
  };

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

function router() {
  return createRouter({ router: routerConfigSchema.parse({ retries: 0 }), policies: policiesConfigSchema.parse([]) });
}

/** Like the gateway: the attempt commits once the first event arrived. */
async function commitFirst(d: Deployment, signal: AbortSignal): Promise<AsyncIterator<StreamEvent>> {
  const r = await d.provider.adapter.chat({
    request: { model: d.model, messages: [{ role: 'user', content: 'hi' }], stream: true },
    deployment: d,
    signal,
  });
  assert.equal(r.type, 'stream');
  const it = (r as Extract<ChatResult, { type: 'stream' }>).events[Symbol.asyncIterator]();
  const first = await it.next();
  assert.equal(first.done, false);
  return it;
}

const garbage: Record<Wire['type'], string> = {
  openai: 'data: {not json\n\n',
  'openai-compatible': 'data: {not json\n\n',
  anthropic: 'event: content_block_delta\ndata: {not json\n\n',
  gemini: 'data: {not json\n\n',
  ollama: '{not json\n',
};

/** Ways a caller or the adapter itself abandons a response the upstream is still sending. */
const abandonments: Array<{
  name: string;
  run(d: Deployment, wire: Wire): Promise<void>;
  /** A timeout may fire before the request reached the upstream: count only that more than N did. */
  timed?: boolean;
}> = [
  {
    name: 'the caller fails after the attempt committed and only releases it (gateway error before writing)',
    async run(d) {
      const r = router();
      const plan = r.plan(facts, [d]);
      const result = await r.execute(plan, (dep, signal) => commitFirst(dep, signal), new AbortController().signal);
      result.release({ ok: false });
    },
  },
  {
    name: 'the router gives up on an attempt whose stream sends headers but no event in time',
    timed: true,
    async run(d, wire) {
      behave = (res) => startStream(res, wire); // 200 and headers, then nothing
      const r = createRouter({ router: routerConfigSchema.parse({ retries: 0, attemptTimeoutMs: 150 }), policies: [] });
      await assert.rejects(
        r.execute(r.plan(facts, [d]), (dep, signal) => commitFirst(dep, signal), new AbortController().signal),
        (e: unknown) => e instanceof UpstreamTimeoutError,
      );
    },
  },
  {
    name: 'the stream iterator is returned before it was ever read',
    async run(d) {
      const r = await chatOn(d, true);
      assert.equal(r.type, 'stream');
      if (r.type === 'stream') await r.events[Symbol.asyncIterator]().return?.();
    },
  },
  {
    name: 'the stream fails on an upstream event it cannot convert',
    async run(d, wire) {
      behave = stall(wire, garbage[wire.type]);
      const r = await chatOn(d, true);
      await assert.rejects(async () => {
        if (r.type === 'stream') for await (const _ of r.events) void _;
      }, UpstreamError);
    },
  },
  {
    name: 'the client goes away mid-stream',
    async run(d) {
      const client = new AbortController();
      const r = await chatOn(d, true, client.signal);
      assert.equal(r.type, 'stream');
      if (r.type !== 'stream') return;
      const it = r.events[Symbol.asyncIterator]();
      await it.next();
      client.abort();
      await assert.rejects(
        async () => {
          for (let n = await it.next(); !n.done; n = await it.next());
        },
        (e: unknown) => e instanceof UpstreamError && e.code === 'request_cancelled',
      );
    },
  },
];

for (const wire of wires) {
  describe(`${wire.type}: a pool of ${N} connections survives ${3 * N} abandoned responses`, () => {
    for (const way of abandonments) {
      it(way.name, { timeout: 10_000 }, async () => {
        const d = deploymentFor(providerFor(wire, upstream.url, { connections: N }));
        try {
          closed = [];
          for (let i = 0; i < 3 * N; i++) {
            behave = stall(wire);
            await way.run(d, wire);
          }
          if (way.timed)
            assert.ok(closed.length > N, `more requests reached the upstream than the pool has connections (${closed.length})`);
          else assert.equal(closed.length, 3 * N, 'every request reached the upstream (none stuck waiting for a connection)');
          await Promise.all(closed);
          // And the pool still serves a normal request.
          behave = (res) => {
            startStream(res, wire);
            res.end(wire.head + wire.end);
          };
          const r = await chatOn(d, true);
          const text: string[] = [];
          if (r.type === 'stream') for await (const e of r.events) text.push(e.chunk.choices[0]?.delta.content ?? '');
          assert.equal(text.join(''), 'Hi');
        } finally {
          await d.provider.http.destroy();
        }
      });
    }
  });
}

describe('a stream truncated before its first event falls back to the next deployment', () => {
  for (const wire of wires) {
    it(wire.type, async () => {
      let calls = 0;
      behave = (res) => {
        startStream(res, wire);
        res.end(++calls === 1 ? '' : wire.head + wire.end);
      };
      const a = deploymentFor(providerFor(wire, upstream.url), 'first');
      const b = deploymentFor(providerFor(wire, upstream.url), 'second');
      try {
        const r = router();
        const result = await r.execute(r.plan(facts, [a, b]), (dep, signal) => commitFirst(dep, signal), new AbortController().signal);
        assert.equal(result.deployment, b);
        assert.equal(result.attempts[0]!.error?.code, 'upstream_truncated');
        result.release({ ok: true });
      } finally {
        await Promise.all([a.provider.http.destroy(), b.provider.http.destroy()]);
      }
    });
  }
});

describe('upstream request building', () => {
  it('a provider header or key that cannot be sent is a start-up error naming the field', () => {
    for (const headers of <Array<Record<string, string>>>[{ 'x-team': 'a\r\nx-injected: 1' }, { 'x-team': '東京' }, { 'bad name': 'v' }]) {
      assert.throws(
        () => createProviderHandle({ id: 'p', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', location: 'local', headers }),
        (e: unknown) => e instanceof ConfigError && /providers\[p\]\.headers/.test(e.message),
      );
    }
    assert.throws(
      () => createProviderHandle({ id: 'p', type: 'openai', apiKey: 'sk-abc\n', location: 'cloud' }),
      (e: unknown) => e instanceof ConfigError && /providers\[p\]\.apiKey/.test(e.message) && !e.message.includes('sk-abc'),
    );
  });

  it('a header computed per request that cannot be sent fails before anything is sent, without echoing the value', async () => {
    const wire = wires.find((w) => w.type === 'anthropic')!;
    const d = deploymentFor(providerFor(wire, upstream.url, { options: { anthropicBeta: 'tools-2024\r\nx-evil: 1' } }));
    const before = upstream.requests.length;
    try {
      await assert.rejects(chatOn(d, false), (e: unknown) => {
        assert.ok(e instanceof UpstreamError);
        assert.equal(e.code, 'upstream_request_invalid');
        assert.match(e.message, /anthropic-beta/);
        assert.ok(!e.message.includes('x-evil'));
        return true;
      });
      assert.equal(upstream.requests.length, before, 'nothing reached the upstream');
    } finally {
      await d.provider.http.destroy();
    }
  });

  it('upstream error messages (which may echo the prompt) are bounded', async () => {
    behave = (res) => sendJson(res, 500, { error: { message: 'prompt was: ' + 'x'.repeat(5_000) } });
    const d = deploymentFor(providerFor(wires[0]!, upstream.url));
    try {
      await assert.rejects(chatOn(d, false), (e: unknown) => {
        assert.ok(e instanceof UpstreamError);
        assert.ok(e.message.length <= MAX_UPSTREAM_MESSAGE_CHARS, `message is ${e.message.length} chars`);
        assert.match(e.message, /^Upstream 'openai' returned 500: prompt was: x+…$/);
        return true;
      });
    } finally {
      await d.provider.http.destroy();
    }
  });
});
