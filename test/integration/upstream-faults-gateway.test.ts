/**
 * Issue #10 (4) through the running gateway: a deployment whose model name cannot go into a
 * response header (outside Latin-1) made every streamed request fail after the upstream had
 * answered, and the upstream body was never read or cancelled — four such requests took a pool
 * of four connections for good. Now the route header percent-encodes the name, the requests are
 * served, and the provider's pool (`connections: 2`) still serves a normal request after 3 × 2.
 * Issue #10 (6, 7) as the client sees them: a started stream that is cut short or goes silent
 * ends with `event: error` (`upstream_truncated`, `upstream_timeout`), never a clean `[DONE]`.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, it } from 'node:test';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { postChat } from '../helpers/routing.js';
import { startUpstream, type FakeUpstream } from '../helpers/upstream.js';
import { startStream, wires } from '../contract/fixtures/wires.js';

const N = 2;
const wire = wires.find((w) => w.type === 'openai-compatible')!;

let upstream: FakeUpstream;
let gw: RunningGateway;
const closed: Promise<void>[] = [];

before(async () => {
  upstream = await startUpstream((req, res: ServerResponse) => {
    closed.push(new Promise((resolve) => res.on('close', () => resolve())));
    startStream(res, wire);
    if (req.json?.model === 'plain' || req.json?.model === 'qwen-中文') res.end(wire.head + wire.end);
    else if (req.json?.model === 'cut')
      res.end(wire.head); // ends without finish_reason or [DONE]
    else res.write(wire.head); // the answer starts and never ends
  });
  gw = await startGateway(
    {
      providers: [
        { id: 'engine', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local', connections: N },
        { id: 'impatient', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local', streamIdleTimeoutMs: 50 },
      ],
      models: {
        wide: [{ provider: 'engine', model: 'qwen-中文' }],
        plain: [{ provider: 'engine', model: 'plain' }],
        cut: [{ provider: 'engine', model: 'cut' }],
        stalls: [{ provider: 'impatient', model: 'stalls' }],
      },
      router: { healthIntervalMs: 0, retries: 0, attemptTimeoutMs: 2_000 },
    },
    { env: { MERIDIAN_MASTER_KEY: 'upstream-faults-master-key-0123' } },
  );
});
after(async () => {
  await gw.close();
  await upstream.close();
});

it(
  `a model name outside Latin-1 is served (route header percent-encoded); a pool of ${N} survives ${3 * N} of them`,
  { timeout: 20_000 },
  async () => {
    for (let i = 0; i < 3 * N; i++) {
      const r = await postChat(gw.url, { model: 'wide', stream: true });
      assert.equal(r.status, 200, r.text);
      assert.match(r.headers.get('x-meridian-route') ?? '', /^engine\/qwen-%E4%B8%AD%E6%96%87; /);
      assert.match(r.text, /data: \[DONE\]/);
    }
    assert.equal(closed.length, 3 * N, 'every request got a connection');
    await Promise.all(closed); // each abandoned upstream response was cancelled
    const r = await postChat(gw.url, { model: 'plain', stream: true });
    assert.equal(r.status, 200);
    assert.match(r.text, /data: \[DONE\]/);
  },
);

/** The SSE `event: error` the client gets when a started stream fails, parsed. */
function streamError(text: string): { code: string; type: string } {
  const m = /event: error\ndata: (.*)\n\n$/.exec(text);
  assert.ok(m, `the stream ends with event: error, got: ${text.slice(-200)}`);
  assert.ok(!text.includes('data: [DONE]'), 'never a clean end');
  return JSON.parse(m[1]!).error;
}

it('a stream the upstream cuts short reaches the client as event: error upstream_truncated, after the text', async () => {
  const r = await postChat(gw.url, { model: 'cut', stream: true });
  assert.equal(r.status, 200);
  assert.match(r.text, /"content":"Hi"/);
  assert.equal(streamError(r.text).code, 'upstream_truncated');
});

it(
  'a stream that goes silent reaches the client as event: error upstream_timeout (providers[].streamIdleTimeoutMs)',
  { timeout: 10_000 },
  async () => {
    const before = closed.length;
    const r = await postChat(gw.url, { model: 'stalls', stream: true });
    assert.equal(r.status, 200);
    assert.match(r.text, /"content":"Hi"/);
    const e = streamError(r.text);
    assert.equal(e.code, 'upstream_timeout');
    assert.equal(e.type, 'timeout_error');
    await closed[before]; // the upstream body was cancelled
  },
);
