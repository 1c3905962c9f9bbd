/**
 * Metric labels are bounded (issue #10, item 3): client-chosen model names never become label
 * values (`_other`), open-ended labels stop growing, default process metrics have one prefix, and
 * the in-flight and breaker gauges are fed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics, OTHER } from '../../src/observability/metrics.js';
import type { RequestLogEntry } from '../../src/store/types.js';

const entry = (over: Partial<RequestLogEntry>): RequestLogEntry =>
  ({
    id: 'r',
    time: new Date(0).toISOString(),
    kind: 'chat',
    alias: 'chat',
    status: 200,
    latencyMs: 5,
    ...over,
  }) as RequestLogEntry;

describe('metrics labels', () => {
  it('per-request counters reach every read of the registry, between reads and across a change of names', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.setKnownNames(['chat'], ['local/llama']);
    const served = entry({
      alias: 'chat',
      deployment: 'local/llama',
      location: 'local',
      promptTokens: 3,
      completionTokens: 4,
      costUsd: 0.25,
    });
    m.observe(served);
    m.routeDecision('chat', 'local/llama', 'priority');
    const first = await m.registry.metrics();
    assert.match(first, /meridian_requests_total\{kind="chat",alias="chat",deployment="local\/llama",location="local",status="200"\} 1\n/);
    assert.match(first, /meridian_tokens_total\{alias="chat",deployment="local\/llama",location="local",direction="input"\} 3\n/);
    assert.match(first, /meridian_cost_usd_total\{alias="chat",deployment="local\/llama",location="local"\} 0.25\n/);
    m.observe(served);
    m.observe(served);
    // A reload renews the names: what was counted under the old ones is not lost.
    m.setKnownNames(['chat', 'other'], ['local/llama']);
    m.observe(served);
    m.routeDecision('chat', 'local/llama', 'priority');
    const json = await m.registry.getMetricsAsJSON();
    const requests = json.find((x) => x.name === 'meridian_requests_total')!.values;
    assert.deepEqual(
      requests.map((v) => v.value),
      [4],
    );
    const out = json.find((x) => x.name === 'meridian_tokens_total')!.values.find((v) => v.labels.direction === 'output');
    assert.equal(out?.value, 16);
    assert.equal(json.find((x) => x.name === 'meridian_route_decisions_total')!.values[0]?.value, 2);
    assert.match(await m.registry.metrics(), /meridian_cost_usd_total\{alias="chat",deployment="local\/llama",location="local"\} 1\n/);
  });

  it('a counter value prom-client refuses still throws when observed', () => {
    const m = createMetrics({ defaultMetrics: false });
    m.setKnownNames(['chat'], ['local/llama']);
    assert.throws(() => m.observe(entry({ alias: 'chat', deployment: 'local/llama', location: 'local', promptTokens: -1 })), /decrease/);
  });

  it('maps unconfigured aliases and deployments to _other, so 3,000 made-up names make one series', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.setKnownNames(['chat'], ['local/llama']);
    for (let i = 0; i < 3000; i++) {
      const name = `openai/m-${i}-${'x'.repeat(4096)}`;
      m.observe(entry({ alias: name, deployment: name, status: 403, errorCode: 'policy_denied' }));
      m.routeDecision(name, name, 'priority');
    }
    m.observe(entry({ alias: 'chat', deployment: 'local/llama', location: 'local' }));
    const text = await m.registry.metrics();
    assert.ok(text.length < 20_000, `exposition stays small (${text.length} bytes)`);
    assert.doesNotMatch(text, /m-17/);
    assert.match(
      text,
      new RegExp(`meridian_requests_total\\{kind="chat",alias="${OTHER}",deployment="${OTHER}",location="none",status="403"\\} 3000`),
    );
    assert.match(text, /meridian_requests_total\{kind="chat",alias="chat",deployment="local\/llama",location="local",status="200"\} 1/);
    assert.match(text, new RegExp(`meridian_route_decisions_total\\{alias="${OTHER}",deployment="${OTHER}",reason="priority"\\} 3000`));
  });

  it('takes new names on reload', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.setKnownNames(['chat'], []);
    m.observe(entry({ alias: 'fast' }));
    m.setKnownNames(['chat', 'fast'], []);
    m.observe(entry({ alias: 'fast' }));
    const text = await m.registry.metrics();
    assert.match(text, new RegExp(`alias="${OTHER}",deployment="none",location="none",status="200"\\} 1`));
    assert.match(text, /alias="fast",deployment="none",location="none",status="200"\} 1/);
  });

  it('bounds open-ended labels: error codes, PII types, route reasons', async () => {
    const m = createMetrics({ defaultMetrics: false });
    for (let i = 0; i < 1000; i++) {
      m.observe(entry({ status: 500, errorCode: `code_${i}`, pii: { [`type_${i}`]: 1 } }));
      m.routeDecision('chat', 'none', `reason_${i}`);
    }
    m.observe(entry({ status: 502, errorCode: 'bad code with spaces\n' }));
    const text = await m.registry.metrics();
    const codes = new Set([...text.matchAll(/meridian_errors_total\{alias="[^"]*",code="([^"]*)"/g)].map((x) => x[1]));
    assert.ok(codes.size <= 101, `${codes.size} error codes`);
    assert.ok(codes.has(OTHER));
    const types = new Set([...text.matchAll(/meridian_pii_findings_total\{type="([^"]*)"/g)].map((x) => x[1]));
    assert.ok(types.size <= 101, `${types.size} PII types`);
    const reasons = new Set([...text.matchAll(/meridian_route_decisions_total\{[^}]*reason="([^"]*)"/g)].map((x) => x[1]));
    assert.ok(reasons.size <= 101, `${reasons.size} reasons`);
  });

  it('names default process metrics with one prefix', async () => {
    const m = createMetrics();
    const text = await m.registry.metrics();
    assert.doesNotMatch(text, /meridian_process_process_/);
    assert.match(text, /^meridian_process_cpu_seconds_total /m);
    assert.match(text, /^meridian_nodejs_eventloop_lag_seconds /m);
  });

  it('feeds the in-flight gauge and reads breaker states at scrape time', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.setKnownNames(['chat'], ['a/one', 'a/two']);
    const states = new Map<string, 'closed' | 'half-open' | 'open'>([
      ['a/one', 'closed'],
      ['a/two', 'open'],
      ['made/up', 'open'],
    ]);
    m.watchBreakers(() => states);
    m.inflight(1);
    m.inflight(1);
    m.inflight(-1);
    let text = await m.registry.metrics();
    assert.match(text, /^meridian_inflight_requests 1$/m);
    assert.match(text, /^meridian_breaker_state\{deployment="a\/one"\} 0$/m);
    assert.match(text, /^meridian_breaker_state\{deployment="a\/two"\} 2$/m);
    assert.doesNotMatch(text, /made\/up/);
    states.set('a/two', 'half-open');
    text = await m.registry.metrics();
    assert.match(text, /^meridian_breaker_state\{deployment="a\/two"\} 1$/m);
  });
});
