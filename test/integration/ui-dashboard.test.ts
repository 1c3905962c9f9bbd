/**
 * The admin endpoints behind the dashboard's views, against a gateway that served mixed traffic
 * (test/helpers/dashboard-traffic.ts): GET /admin/timeseries, GET /admin/providers, GET /admin/cost,
 * PATCH /admin/keys; every number checked against the request log (GET /admin/requests).
 * The page itself: test/browser/dashboard-views.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DASHBOARD_MASTER, startMixedGateway, type MixedTraffic } from '../helpers/dashboard-traffic.js';
import type { RunningGateway } from '../helpers/gateway.js';
import type { RequestLogEntry, RequestLogSeries } from '../../src/store/types.js';

const auth = { authorization: `Bearer ${DASHBOARD_MASTER}` };

describe('dashboard admin endpoints', () => {
  let gw: RunningGateway & { traffic: MixedTraffic };
  let log: RequestLogEntry[];
  const get = async (path: string, headers: Record<string, string> = auth) => {
    const res = await fetch(`${gw.url}${path}`, { headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; param?: string } } };
  };
  const patch = async (body: unknown) => {
    const res = await fetch(`${gw.url}/admin/keys`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; param?: string } } };
  };
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

  before(async () => {
    gw = await startMixedGateway();
    log = (await get('/admin/requests?limit=1000')).body.data as RequestLogEntry[];
  });
  after(() => gw?.close());

  it('the log holds the traffic sent', () => {
    const s = gw.traffic.sent;
    assert.equal(log.length, s.local + s.cloud + s.failed + s.blocked + s.refused);
    const refused = log.find((r) => r.alias === 'cloud-only')!;
    assert.deepEqual(
      refused.excluded?.map((x) => x.rule),
      ['confidential-stays-local'],
      'a refusal says why',
    );
  });

  it('GET /admin/timeseries: buckets add up to the log, split by location, with percentiles, PII and guard actions', async () => {
    const { status, body } = await get('/admin/timeseries?since=1h&bucket=1m');
    assert.equal(status, 200);
    const s = body as unknown as RequestLogSeries;
    assert.equal(s.bucketMs, 60_000);
    assert.ok(s.buckets.length >= 60 && s.buckets.length <= 62, `${s.buckets.length} buckets`);
    assert.equal(sum(s.buckets.map((b) => b.requests)), log.length);
    assert.equal(sum(s.buckets.map((b) => b.errors)), log.filter((r) => r.status >= 400).length);
    close(sum(s.buckets.map((b) => b.costUsd)), sum(log.map((r) => r.costUsd ?? 0)));
    for (const loc of ['local', 'cloud'] as const)
      assert.equal(sum(s.buckets.map((b) => b.byLocation[loc]?.requests ?? 0)), log.filter((r) => r.location === loc).length, loc);
    const emails = sum(s.buckets.map((b) => b.pii.email ?? 0));
    assert.equal(emails, sum(log.map((r) => r.pii?.email ?? 0)));
    assert.ok(emails > 0);
    assert.equal(sum(s.buckets.map((b) => b.guard.block ?? 0)), 1);
    const busy = s.buckets.filter((b) => b.requests > 0);
    assert.ok(busy.every((b) => b.latencyMs.p50 !== null && b.latencyMs.p50 <= b.latencyMs.p95! && b.latencyMs.p95! <= b.latencyMs.p99!));
    assert.ok(s.buckets.filter((b) => b.requests === 0).every((b) => b.latencyMs.p50 === null));
    // Whole buckets: since is floored to the minute.
    assert.equal(Date.parse(s.since) % 60_000, 0);
  });

  it('GET /admin/timeseries picks a bucket from the window and refuses bad parameters without echoing them', async () => {
    assert.equal(((await get('/admin/timeseries?since=24h')).body as unknown as RequestLogSeries).bucketMs, 900_000);
    assert.equal(((await get('/admin/timeseries')).body as unknown as RequestLogSeries).bucketMs, 30_000, 'the last hour by default');
    for (const [q, param] of [
      ['bucket=0s', 'bucket'],
      ['bucket=<b>', 'bucket'],
      ['since=30d&bucket=1s', 'bucket'],
      ['since=<script>', 'since'],
      ['since=1h&until=2h', 'since'],
    ]) {
      const { status, body } = await get(`/admin/timeseries?${q}`);
      assert.equal(status, 400, q);
      assert.equal(body.error!.param, param, q);
      assert.ok(!JSON.stringify(body).includes('<'), 'the value is not echoed');
    }
    assert.equal((await get('/admin/timeseries', {})).status, 401);
  });

  it('GET /admin/providers: every deployment with health, breaker, load, EWMA speed and price', async () => {
    const { status, body } = await get('/admin/providers');
    assert.equal(status, 200);
    const data = body.data as Record<string, unknown>[];
    assert.deepEqual(data.map((d) => d.id).sort(), ['mock-cloud/gpt-test', 'mock-local/llama-test']);
    const cloud = data.find((d) => d.id === 'mock-cloud/gpt-test')!;
    assert.deepEqual([cloud.location, cloud.health, cloud.breaker, cloud.inFlight], ['cloud', 'up', 'closed', 0]);
    assert.deepEqual(cloud.price, { input: 2.5, output: 10 });
    assert.ok((cloud.samples as number) > 0 && typeof cloud.ttftEwmaMs === 'number');
    const local = data.find((d) => d.id === 'mock-local/llama-test')!;
    assert.equal((local.price as { input: number }).input, 0, 'a local cost model prices output tokens only (no prefill rate given)');
    assert.equal(body.queueLength, 0);
  });

  it('GET /admin/cost: spend by day, model, tenant and location; all-cloud and all-local; break-even; budgets', async () => {
    const { status, body } = await get('/admin/cost?since=7d');
    assert.equal(status, 200);
    const spent = sum(log.map((r) => r.costUsd ?? 0));
    close(sum((body.byDay as { costUsd: number }[]).map((d) => d.costUsd)), spent);
    assert.equal((body.byDay as unknown[]).length, 8, '7 days ago, floored to the day, to today');
    close(sum((body.byModel as { costUsd: number }[]).map((d) => d.costUsd)), spent);
    assert.deepEqual(
      (body.byTenant as { key: string }[]).map((t) => t.key),
      ['acme'],
    );
    const cf = body.counterfactual as { actualUsd: number; allCloudUsd: number; allLocalUsd: number };
    close(cf.actualUsd, spent);
    // All-cloud: every token at the cloud price (2.5 in / 10 out per 1M).
    const tokens = { in: sum(log.map((r) => r.promptTokens ?? 0)), out: sum(log.map((r) => r.completionTokens ?? 0)) };
    close(cf.allCloudUsd, (tokens.in * 2.5 + tokens.out * 10) / 1e6);
    assert.ok(cf.allLocalUsd < cf.allCloudUsd);
    const be = body.breakeven as { result: { breakevenTokensOutPerDay: number; selfHostUsdPerDay: number }; curve: unknown[] };
    assert.equal(be.result.selfHostUsdPerDay, 24, '$1/h × 24 h');
    assert.ok(be.result.breakevenTokensOutPerDay > 0);
    assert.equal(be.curve.length, 25);
    const budgets = body.budgets as { scope: string; subject: string; used: number; limit: number; metric: string }[];
    const tenant = budgets.find((b) => b.scope === 'tenant' && b.subject === 'acme')!;
    assert.equal(tenant.limit, 5);
    // Budgets count whole micro-dollars per request (src/meter/budgets.ts).
    assert.ok(Math.abs(tenant.used - spent) <= log.length * 1e-6, `${tenant.used} ≈ ${spent}`);
    assert.ok(budgets.some((b) => b.scope === 'key' && b.limit === 1));
  });

  it('PATCH /admin/keys edits limits (null removes one), audits it, and the new limit applies at once', async () => {
    const created = await fetch(`${gw.url}/admin/keys`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'edit-me', rpm: 1000 }),
    });
    const { id, key } = (await created.json()) as { id: string; key: string };
    const chat = () =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'local', messages: [{ role: 'user', content: 'hi' }] }),
      }).then(async (r) => (await r.arrayBuffer(), r.status));
    assert.equal(await chat(), 200);
    const edited = await patch({ id, rpm: 1, name: 'edited', budget: { usd: 3, period: 'month' } });
    assert.equal(edited.status, 200);
    assert.deepEqual([edited.body.rpm, edited.body.name, edited.body.budget], [1, 'edited', { usd: 3, period: 'month' }]);
    assert.equal(edited.body.hash, undefined, 'never the hash');
    assert.equal(await chat(), 429, 'rpm 1: the request before the edit used this minute');
    const cleared = await patch({ id, rpm: null, budget: null });
    assert.equal(cleared.status, 200);
    assert.deepEqual([cleared.body.rpm, cleared.body.budget, cleared.body.name], [undefined, undefined, 'edited']);
    assert.equal(await chat(), 200, 'no rpm limit any more');
    const audit = (await get('/admin/audit')).body.data as { action: string; target: string }[];
    assert.ok(audit.some((a) => a.action === 'key.updated' && a.target === id));

    assert.equal((await patch({ id: 'key_nope', rpm: 1 })).status, 404);
    assert.equal((await patch({ id, rpm: -1 })).body.error!.param, 'rpm');
    assert.equal((await patch({ id, secret: 'x' })).status, 400);
    await fetch(`${gw.url}/admin/keys/revoke`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ id }),
    });
    assert.equal((await patch({ id, rpm: 5 })).body.error!.code, 'key_revoked');
  });

  it('serves uPlot from the gateway itself', async () => {
    const js = await fetch(`${gw.url}/ui/vendor/uplot.esm.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type')!, /javascript/);
    assert.match(await js.text(), /export \{ uPlot as default \}|export default/);
    const css = await fetch(`${gw.url}/ui/vendor/uplot.min.css`);
    assert.equal(css.status, 200);
    assert.equal((await fetch(`${gw.url}/ui/vendor/package.json`)).status, 404);
  });
});
