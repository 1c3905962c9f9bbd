/**
 * Seeded fuzz of the dashboard's feedback and episode queries: GET /admin/feedback?request_id=…,
 * GET /admin/requests?episode=… and GET /admin/feedback/summary?since=…, with hostile values in
 * those parameters, hostile query strings and headers; no 5xx, every error in the OpenAI envelope,
 * the event loop never blocked > 100 ms.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertLoopNeverBlocked,
  chance,
  describeFailures,
  getCases,
  hostileString,
  int,
  percentEncode,
  pick,
  rng,
  runCases,
  watchEventLoop,
  type FuzzCase,
  type FuzzRun,
  type Rand,
} from '../helpers/fuzz.js';
import { fuzzSeed, startFuzzGateway, type FuzzGateway } from '../helpers/fuzz-gateway.js';

const SEED = fuzzSeed(0xfeed);

/** A hostile value for one parameter, bounded so the URL stays under Node's header limit. */
function value(r: Rand, known: string[]): string {
  if (chance(r, 0.2)) return percentEncode(pick(r, known));
  if (chance(r, 0.05)) return 'r'.repeat(190 + int(r, 40)); // either side of the 200-character bound
  if (chance(r, 0.05)) return pick(r, ['%', '%zz', '%00', '%ff%fe', '', '&&', '==']);
  return percentEncode(hostileString(r).slice(0, 256));
}

function cases(r: Rand, count: number, gw: FuzzGateway, known: { ids: string[]; episodes: string[] }): FuzzCase[] {
  const out: FuzzCase[] = [
    ...getCases(r, '/admin/feedback', Math.floor(count / 10), gw.master),
    ...getCases(r, '/admin/requests', Math.floor(count / 10), gw.master),
  ];
  while (out.length < count) {
    const which = int(r, 3);
    const extra = chance(r, 0.3)
      ? `&${pick(r, ['limit', 'since', 'status', 'episode', 'request_id', 'x'])}=${value(r, ['1', '10m', '200'])}`
      : '';
    const path =
      which === 0
        ? `/admin/feedback?request_id=${value(r, known.ids)}${extra}`
        : which === 1
          ? `/admin/requests?episode=${value(r, known.episodes)}${extra}`
          : `/admin/feedback/summary?since=${value(r, ['1h', '7d', '15m'])}${extra}`;
    out.push({
      generator: ['feedback-by-request', 'requests-by-episode', 'feedback-summary'][which]!,
      method: 'GET',
      path,
      headers: gw.master,
    });
  }
  return out;
}

describe('fuzz GET /admin/feedback, /admin/requests?episode, /admin/feedback/summary', () => {
  let gw: FuzzGateway;
  const known = { ids: [] as string[], episodes: ['ep-1', 'ep-<b>2</b>', 'ep "3"'] };
  before(async () => {
    gw = await startFuzzGateway();
    for (const [i, episode] of known.episodes.entries()) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...gw.auth, 'content-type': 'application/json', 'x-meridian-episode': episode },
        body: JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: `hello ${i}` }] }),
      });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      const id = res.headers.get('x-request-id')!;
      known.ids.push(id);
      const fb = await fetch(`${gw.url}/v1/feedback`, {
        method: 'POST',
        headers: { ...gw.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ request_id: id, score: i, label: `l${i}`, comment: '<script>alert(1)</script>' }),
      });
      assert.equal(fb.status, 201);
    }
  });
  after(() => gw.close());

  it(`answers 1,000 hostile queries without a 5xx, in the OpenAI envelope, never blocking the loop (seed ${SEED})`, async () => {
    const all = cases(rng(SEED), 1000, gw, known);
    await runCases(gw.url, cases(rng(1), 10, gw, known), 'openai'); // warm-up
    let run: FuzzRun = { failures: [], statuses: new Map() };
    const loop = await watchEventLoop(async () => {
      run = await runCases(gw.url, all, 'openai');
    });
    assert.equal(run.failures.length, 0, describeFailures(run));
    assert.ok((run.statuses.get(200) ?? 0) >= 200, `too few requests were answered: ${describeFailures(run)}`);
    assert.ok((run.statuses.get(400) ?? 0) >= 20, `the bounds were never hit: ${describeFailures(run)}`);
    assertLoopNeverBlocked(loop);
  });
});
