/**
 * The router driving the real openai-compatible adapter against fake upstreams on loopback:
 * fallback on 500, 429 with a Retry-After header, timeout, connection refused, and fail closed.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ChatRequest } from '../../src/api/types.js';
import { createProviderHandle } from '../../src/providers/registry.js';
import type { ChatResult, Deployment, Location } from '../../src/providers/spec.js';
import { policiesConfigSchema, routerConfigSchema } from '../../src/router/config.js';
import type { ErrorWithAttempts } from '../../src/router/executor.js';
import { createRouter, formatRouteHeader } from '../../src/router/router.js';
import type { RequestFacts } from '../../src/router/types.js';
import { sendJson, startUpstream, type FakeUpstream } from '../helpers/upstream.js';

const completion = (model: string) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model,
  choices: [{ index: 0, message: { role: 'assistant', content: `hi from ${model}` }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
});

const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  kind: 'chat',
  alias: 'smart',
  tags: [],
  pii: {},
  hasTools: false,
  hasImages: false,
  estimatedPromptTokens: 10,
  responseFormat: 'text',
  stream: false,
  ...over,
});

function deployment(id: string, baseUrl: string, location: Location, timeoutMs?: number): Deployment {
  const provider = createProviderHandle({ id, type: 'openai-compatible', baseUrl, location, ...(timeoutMs ? { timeoutMs } : {}) });
  return {
    id: `${id}/m`,
    provider,
    model: 'm',
    location,
    capabilities: { tools: true, vision: false, jsonSchema: true, embeddings: false },
  };
}

const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hello' }] } as ChatRequest;
const run = (d: Deployment, signal: AbortSignal): Promise<ChatResult> =>
  d.provider.adapter.chat({ request: { ...request, model: d.model }, deployment: d, signal });

describe('router + openai-compatible adapter on loopback', () => {
  let failing: FakeUpstream;
  let healthy: FakeUpstream;
  let limited: FakeUpstream;
  let slow: FakeUpstream;
  let closedPort: number;
  const made: Deployment[] = [];
  const mk = (...a: Parameters<typeof deployment>) => {
    const d = deployment(...a);
    made.push(d);
    return d;
  };

  before(async () => {
    failing = await startUpstream((_req, res) => sendJson(res, 500, { error: { message: 'engine crashed' } }));
    healthy = await startUpstream((req, res) => sendJson(res, 200, completion(req.json?.model ?? '?')));
    let hits = 0;
    limited = await startUpstream((req, res) =>
      ++hits === 1
        ? sendJson(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '1' })
        : sendJson(res, 200, completion(req.json.model)),
    );
    slow = await startUpstream((_req, res) => void setTimeout(() => sendJson(res, 200, completion('late')), 1000));
    const srv = createServer();
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    closedPort = (srv.address() as { port: number }).port;
    await new Promise<void>((res) => srv.close(() => res()));
  });

  after(async () => {
    await Promise.all(made.map((d) => d.provider.http.close()));
    await Promise.all([failing, healthy, limited, slow].map((u) => u.close()));
  });

  const router = (raw: object = {}, policies: unknown[] = []) =>
    createRouter({
      router: routerConfigSchema.parse({ backoffBaseMs: 5, backoffMaxMs: 10, ...raw }),
      policies: policiesConfigSchema.parse(policies),
    });

  it('falls back from a 500 upstream to the next deployment', async () => {
    const r = router({ retries: 1 });
    const plan = r.plan(facts(), [mk('local1', failing.url, 'local'), mk('cloud1', healthy.url, 'cloud')]);
    const res = await r.execute(plan, run, new AbortController().signal);
    assert.equal(res.value.type, 'response');
    assert.equal(res.deployment.id, 'cloud1/m');
    assert.equal(failing.requests.length, 2, 'one retry on the failing upstream');
    assert.deepEqual(
      res.attempts.map((a) => [a.deployment, a.ok, a.error?.status]),
      [
        ['local1/m', false, 502],
        ['local1/m', false, 502],
        ['cloud1/m', true, undefined],
      ],
    );
    assert.match(res.attempts[0]!.error!.message, /engine crashed/);
    assert.equal(formatRouteHeader(res), 'cloud1/m; reason=priority; strategy=priority');
    res.release();
  });

  it('obeys a Retry-After header from a 429 upstream', async () => {
    const r = router({ retries: 1 });
    const t0 = performance.now();
    const res = await r.execute(r.plan(facts(), [mk('lim', limited.url, 'cloud')]), run, new AbortController().signal);
    assert.equal(res.deployment.id, 'lim/m');
    assert.ok(performance.now() - t0 >= 990);
    assert.equal(limited.requests.length, 2);
    res.release();
  });

  it('times out a slow upstream and falls back; connection refused falls back too', async () => {
    const r = router({ retries: 0 });
    const plan = r.plan(facts(), [
      mk('slow', slow.url, 'local', 100),
      mk('gone', `http://127.0.0.1:${closedPort}`, 'local'),
      mk('ok', healthy.url, 'cloud'),
    ]);
    const res = await r.execute(plan, run, new AbortController().signal);
    assert.equal(res.deployment.id, 'ok/m');
    assert.deepEqual(
      res.attempts.map((a) => a.error?.code ?? 'ok'),
      ['upstream_timeout', 'upstream_error', 'ok'],
    );
    assert.match(res.attempts[1]!.error!.message, /ECONNREFUSED/);
    res.release();
  });

  it('fail closed: a local-only request whose local engines fail never reaches the healthy cloud', async () => {
    const r = router({ retries: 1 }, [{ name: 'acme-health-local', when: { tenant: 'acme-health' }, require: { location: ['local'] } }]);
    const before = healthy.requests.length;
    const plan = r.plan(facts({ tenant: 'acme-health' }), [
      mk('l1', failing.url, 'local'),
      mk('l2', `http://127.0.0.1:${closedPort}`, 'local'),
      mk('c', healthy.url, 'cloud'),
    ]);
    let err: ErrorWithAttempts | undefined;
    await r.execute(plan, run, new AbortController().signal).catch((e: ErrorWithAttempts) => (err = e));
    assert.ok(err, 'the request failed');
    assert.equal(healthy.requests.length, before, 'the cloud upstream saw nothing');
    assert.deepEqual([...new Set(err.attempts.map((a) => a.location))], ['local']);
    assert.equal(err.attempts.length, 4);
  });
});
