/**
 * Issue #16, traces: with `telemetry.enabled` the gateway exports OTLP/HTTP (JSON) to an in-process
 * receiver: a SERVER span per request, child of the client's `traceparent`, one CLIENT span per
 * upstream attempt following the GenAI conventions, whose `traceparent` reaches the upstream; the
 * `gen_ai.client.*` histograms; no personal data in any attribute. Off by default: no header upstream.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startGateway } from '../helpers/gateway.js';
import { fail, ok, postChat, startFakeEngine, type FakeEngine } from '../helpers/routing.js';

interface OtlpAttr {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttr[];
  status?: { code?: number };
}

/** An OTLP/HTTP receiver: every JSON export, by path. */
async function startReceiver(): Promise<{ url: string; bodies: Map<string, unknown[]>; server: Server }> {
  const bodies = new Map<string, unknown[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      assert.match(String(req.headers['content-type']), /json/);
      const list = bodies.get(req.url ?? '') ?? [];
      list.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      bodies.set(req.url ?? '', list);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, bodies, server };
}

function spansOf(bodies: unknown[] | undefined): OtlpSpan[] {
  const out: OtlpSpan[] = [];
  for (const b of bodies ?? [])
    for (const rs of (b as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> }).resourceSpans)
      for (const ss of rs.scopeSpans) out.push(...ss.spans);
  return out;
}

function attr(span: OtlpSpan, key: string): string | number | boolean | undefined {
  const v = span.attributes.find((a) => a.key === key)?.value;
  if (!v) return undefined;
  if (v.intValue !== undefined) return Number(v.intValue);
  return v.stringValue ?? v.doubleValue ?? v.boolValue;
}

function metricNames(bodies: unknown[] | undefined): Set<string> {
  const names = new Set<string>();
  for (const b of bodies ?? [])
    for (const rm of (b as { resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: Array<{ name: string }> }> }> }).resourceMetrics)
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) names.add(m.name);
  return names;
}

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

function config(local: FakeEngine, cloud: FakeEngine, telemetry?: Record<string, unknown>) {
  return {
    providers: [
      { id: 'local', type: 'openai-compatible', baseUrl: local.baseUrl, location: 'local' },
      { id: 'cloud', type: 'openai', baseUrl: cloud.baseUrl, location: 'cloud', apiKey: 'sk-test-telemetry-0000000000' },
    ],
    models: {
      smart: [
        { provider: 'local', model: 'm-local' },
        { provider: 'cloud', model: 'm-cloud' },
      ],
    },
    router: { healthIntervalMs: 0, retries: 0, breaker: { failureThreshold: 100 } },
    guard: { enabled: true, defaultAction: 'pseudonymize' },
    ...(telemetry ? { telemetry } : {}),
  };
}

describe('OpenTelemetry export (OTLP/HTTP)', () => {
  let local: FakeEngine;
  let cloud: FakeEngine;
  before(async () => {
    local = await startFakeEngine('local');
    cloud = await startFakeEngine('cloud');
  });
  after(async () => {
    await local.close();
    await cloud.close();
  });

  it('exports a request span under the client trace and one GenAI span per attempt, traceparent sent upstream', async () => {
    const receiver = await startReceiver();
    local.reset();
    cloud.reset();
    local.behave(fail(500));
    const gw = await startGateway(config(local, cloud, { enabled: true, endpoint: receiver.url, metricsIntervalMs: 60_000 }));
    let reply;
    try {
      reply = await postChat(
        gw.url,
        { model: 'smart', messages: [{ role: 'user', content: 'Write to jane.doe@example.com about the invoice.' }] },
        { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` },
      );
    } finally {
      await gw.close(); // shutdown exports what is buffered
      receiver.server.close();
    }
    assert.equal(reply.status, 200, reply.text);

    const spans = spansOf(receiver.bodies.get('/v1/traces'));
    const server = spans.filter((s) => s.kind === SPAN_KIND_SERVER);
    const clients = spans.filter((s) => s.kind === SPAN_KIND_CLIENT);
    assert.equal(server.length, 1, JSON.stringify(spans.map((s) => s.name)));
    assert.equal(clients.length, 2);
    const request = server[0]!;
    assert.equal(request.traceId, CLIENT_TRACE);
    assert.equal(request.parentSpanId, CLIENT_SPAN);
    assert.equal(request.name, 'chat smart');
    assert.equal(attr(request, 'meridian.deployment'), 'cloud/m-cloud');
    assert.equal(attr(request, 'meridian.location'), 'cloud');
    assert.equal(attr(request, 'meridian.route.reason'), 'priority');
    assert.equal(attr(request, 'meridian.attempts'), 2);
    assert.equal(attr(request, 'meridian.guard.action'), 'pseudonymize');
    assert.equal(attr(request, 'meridian.pii.email'), 1);
    assert.equal(attr(request, 'http.response.status_code'), 200);

    const [failed, served] = clients;
    for (const c of clients) {
      assert.equal(c.traceId, CLIENT_TRACE);
      assert.equal(c.parentSpanId, request.spanId);
    }
    assert.equal(failed!.name, 'chat m-local');
    assert.equal(attr(failed!, 'gen_ai.provider.name'), 'openai-compatible');
    assert.equal(failed!.status?.code, STATUS_ERROR);
    assert.ok(attr(failed!, 'error.type'));
    assert.equal(served!.name, 'chat m-cloud');
    assert.equal(attr(served!, 'gen_ai.operation.name'), 'chat');
    assert.equal(attr(served!, 'gen_ai.provider.name'), 'openai');
    assert.equal(attr(served!, 'gen_ai.request.model'), 'm-cloud');
    assert.equal(attr(served!, 'gen_ai.response.model'), 'm-cloud');
    assert.ok(Number(attr(served!, 'gen_ai.usage.input_tokens')) > 0);
    assert.ok(Number(attr(served!, 'gen_ai.usage.output_tokens')) > 0);
    assert.equal(attr(served!, 'server.address'), '127.0.0.1');

    // Each upstream got its own attempt span as parent.
    const sentLocal = String(local.chats[0]!.headers.traceparent);
    const sentCloud = String(cloud.chats[0]!.headers.traceparent);
    assert.equal(sentLocal, `00-${CLIENT_TRACE}-${failed!.spanId}-01`);
    assert.equal(sentCloud, `00-${CLIENT_TRACE}-${served!.spanId}-01`);

    // No personal data in any exported attribute.
    assert.doesNotMatch(JSON.stringify(receiver.bodies.get('/v1/traces')), /jane\.doe/);

    const metrics = metricNames(receiver.bodies.get('/v1/metrics'));
    for (const name of ['gen_ai.client.token.usage', 'gen_ai.client.operation.duration'])
      assert.ok(metrics.has(name), `${name} in ${[...metrics]}`);
  });

  it('starts its own trace without a client traceparent, and samples none at sampleRatio 0', async () => {
    const receiver = await startReceiver();
    local.reset();
    local.behave(ok());
    const gw = await startGateway(config(local, cloud, { enabled: true, endpoint: receiver.url, sampleRatio: 0, metrics: false }));
    try {
      assert.equal((await postChat(gw.url, { model: 'smart' })).status, 200);
    } finally {
      await gw.close();
      receiver.server.close();
    }
    assert.equal(spansOf(receiver.bodies.get('/v1/traces')).length, 0);
    // Not sampled, still propagated: the upstream can join the trace (flags 00).
    assert.match(String(local.chats[0]!.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    assert.equal(receiver.bodies.get('/v1/metrics'), undefined);
  });

  it('is off by default: nothing is sent upstream', async () => {
    local.reset();
    const gw = await startGateway(config(local, cloud));
    try {
      assert.equal((await postChat(gw.url, { model: 'smart' })).status, 200);
      assert.equal(gw.gateway.services.telemetry, undefined);
    } finally {
      await gw.close();
    }
    assert.equal(local.chats[0]!.headers.traceparent, undefined);
  });
});
