/**
 * Seeded fuzz of the dashboard's admin endpoints: GET /admin/timeseries (since, until, bucket),
 * GET /admin/providers, GET /admin/cost (since) and PATCH /admin/keys (hostile bodies: mutated
 * valid patches, hostile JSON roots, broken JSON); no 5xx, every error in the OpenAI envelope, the
 * event loop never blocked > 100 ms, and the keys still answer afterwards.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertLoopNeverBlocked,
  chance,
  describeFailures,
  getCases,
  hostileString,
  hostileValue,
  int,
  mutate,
  percentEncode,
  pick,
  rng,
  runCases,
  toJsonText,
  watchEventLoop,
  type FuzzCase,
  type FuzzRun,
  type Rand,
} from '../helpers/fuzz.js';
import { fuzzSeed, startFuzzGateway, type FuzzGateway } from '../helpers/fuzz-gateway.js';

const SEED = fuzzSeed(0xda5b);

/** A hostile or plausible time / bucket value. */
function value(r: Rand): string {
  if (chance(r, 0.3)) return pick(r, ['1h', '24h', '7d', '30d', '15m', '1m', '5m', '1d', '1s', '0s', '999999d', '2020-01-01T00:00:00Z']);
  if (chance(r, 0.05)) return pick(r, ['%', '%zz', '%00', '', '&&', '==', '-1h', '1e9d']);
  return percentEncode(hostileString(r).slice(0, 200));
}

function cases(r: Rand, count: number, gw: FuzzGateway, keyIds: string[]): FuzzCase[] {
  const json = { ...gw.master, 'content-type': 'application/json' };
  const out: FuzzCase[] = [
    ...getCases(r, '/admin/timeseries', Math.floor(count / 12), gw.master),
    ...getCases(r, '/admin/providers', Math.floor(count / 20), gw.master),
    ...getCases(r, '/admin/cost', Math.floor(count / 20), gw.master),
  ];
  const template = () => ({
    id: pick(r, keyIds),
    name: 'fuzzed',
    rpm: 100,
    tpm: 100_000,
    models: ['chat-default'],
    budget: { usd: 5, tokens: 1000, period: 'day', mode: 'soft' },
    dataPolicy: 'any',
  });
  while (out.length < count) {
    const which = int(r, 6);
    if (which === 0) {
      const q = ['since', 'until', 'bucket'].filter(() => chance(r, 0.6)).map((k) => `${k}=${value(r)}`);
      out.push({ generator: 'timeseries-query', method: 'GET', path: `/admin/timeseries?${q.join('&')}`, headers: gw.master });
    } else if (which === 1) {
      out.push({ generator: 'cost-query', method: 'GET', path: `/admin/cost?since=${value(r)}`, headers: gw.master });
    } else if (which <= 3) {
      out.push({
        generator: 'patch-mutated',
        method: 'PATCH',
        path: '/admin/keys',
        headers: json,
        body: toJsonText(mutate(r, template())),
      });
    } else if (which === 4) {
      out.push({ generator: 'patch-hostile-root', method: 'PATCH', path: '/admin/keys', headers: json, body: toJsonText(hostileValue(r)) });
    } else {
      const text = toJsonText(template());
      out.push({
        generator: 'patch-broken-json',
        method: 'PATCH',
        path: '/admin/keys',
        headers: json,
        body: text.slice(0, int(r, text.length)),
      });
    }
  }
  return out;
}

describe('fuzz GET /admin/timeseries, /admin/providers, /admin/cost and PATCH /admin/keys', () => {
  let gw: FuzzGateway;
  const keyIds: string[] = [];
  before(async () => {
    gw = await startFuzzGateway();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...gw.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: `hello ${i}` }] }),
      });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      const made = await fetch(`${gw.url}/admin/keys`, {
        method: 'POST',
        headers: { ...gw.master, 'content-type': 'application/json' },
        body: JSON.stringify({ tenant: `fuzz-${i}`, rpm: 10 }),
      });
      assert.equal(made.status, 201);
      keyIds.push(((await made.json()) as { id: string }).id);
    }
  });
  after(() => gw.close());

  it(`answers 1,000 hostile requests without a 5xx, in the OpenAI envelope, never blocking the loop (seed ${SEED})`, async () => {
    const all = cases(rng(SEED), 1000, gw, keyIds);
    await runCases(gw.url, cases(rng(1), 10, gw, keyIds), 'openai'); // warm-up
    let run: FuzzRun = { failures: [], statuses: new Map() };
    const loop = await watchEventLoop(async () => {
      run = await runCases(gw.url, all, 'openai');
    });
    assert.equal(run.failures.length, 0, describeFailures(run));
    assert.ok((run.statuses.get(200) ?? 0) >= 150, `too few requests were answered: ${describeFailures(run)}`);
    assert.ok((run.statuses.get(400) ?? 0) >= 100, `the bounds were never hit: ${describeFailures(run)}`);
    assertLoopNeverBlocked(loop);
    // Whatever was patched, every key still reads back as a valid record.
    const keys = await fetch(`${gw.url}/admin/keys`, { headers: gw.master });
    assert.equal(keys.status, 200);
    const data = ((await keys.json()) as { data: { id: string; models: unknown }[] }).data;
    for (const id of keyIds) assert.ok(Array.isArray(data.find((k) => k.id === id)?.models), id);
  });
});
