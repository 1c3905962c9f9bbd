/**
 * Seeded fuzz of the stored-response endpoints (issue #13): GET and DELETE /v1/responses/{id} and
 * GET /v1/responses/{id}/input_items with hostile ids in the path (any characters, percent-encoded
 * or raw, up to ~12 KB), hostile query strings, headers and credentials; no 5xx, every error in the
 * OpenAI envelope without client values, the event loop never blocked > 100 ms.
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
  pick,
  rng,
  runCases,
  watchEventLoop,
  type FuzzCase,
  type FuzzRun,
  type Rand,
} from '../helpers/fuzz.js';
import { fuzzSeed, startFuzzGateway, type FuzzGateway } from '../helpers/fuzz-gateway.js';

const SEED = fuzzSeed(0x51d0);

/** Percent-encodes any string, lone surrogates included (encodeURIComponent throws on those). */
function encodeAny(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`))
    .join('');
}

function hostileId(r: Rand, real: string[]): string {
  const k = r();
  if (k < 0.5) return encodeAny(hostileString(r).slice(0, pick(r, [8, 256, 4000])));
  if (k < 0.65)
    return pick(r, ['resp_', 'resp_x', 'RESP_1', 'resp_🙂', 'resp_%00', '%2e%2e', 'resp_%2F..', '%', '%zz', "resp_1'--", 'resp_1;DROP']);
  if (k < 0.8) return `${pick(r, real)}${pick(r, ['x', '%00', '%20', '_', 'A'.repeat(200), '%2Fa'])}`;
  if (k < 0.9) return `resp_${'a'.repeat(pick(r, [99, 100, 101, 4000]))}`;
  return pick(r, real).toUpperCase();
}

function storedCases(r: Rand, count: number, auth: Record<string, string>, real: string[]): FuzzCase[] {
  const out: FuzzCase[] = [];
  while (out.length < count) {
    const k = r();
    if (k < 0.3) {
      const id = hostileId(r, real);
      const method = chance(r, 0.3) ? 'DELETE' : 'GET';
      const path = method === 'GET' && chance(r, 0.4) ? `/v1/responses/${id}/input_items` : `/v1/responses/${id}`;
      out.push({ generator: 'hostile-id', method, path, headers: auth });
    } else if (k < 0.55) {
      // Real ids, so the pipeline's success path runs under fuzz too.
      const id = pick(r, real);
      out.push({
        generator: 'real-id',
        method: 'GET',
        path: chance(r, 0.5) ? `/v1/responses/${id}` : `/v1/responses/${id}/input_items?limit=${1 + int(r, 100)}`,
        headers: auth,
      });
    } else {
      // Hostile queries (limit, after…), headers and credentials on a real response's input items.
      out.push(
        ...getCases(r, `/v1/responses/${pick(r, real)}/input_items`, 1, auth).map((c) => ({
          ...c,
          generator: `input-items-${c.generator}`,
        })),
      );
    }
  }
  return out;
}

describe('fuzz GET/DELETE /v1/responses/{id}', () => {
  let gw: FuzzGateway;
  const real: string[] = [];
  before(async () => {
    gw = await startFuzzGateway();
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${gw.url}/v1/responses`, {
        method: 'POST',
        headers: { ...gw.auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'chat-default',
          input: [
            { role: 'user', content: `turn ${i}` },
            { role: 'user', content: 'more' },
          ],
        }),
      });
      assert.equal(res.status, 200);
      real.push(((await res.json()) as { id: string }).id);
    }
  });
  after(() => gw.close());

  it(`answers 1,000 hostile requests without a 5xx, in the OpenAI envelope, never blocking the loop (seed ${SEED})`, async () => {
    const cases = storedCases(rng(SEED), 1000, gw.auth, real);
    await runCases(gw.url, storedCases(rng(1), 10, gw.auth, real), 'openai'); // warm-up
    let run: FuzzRun = { failures: [], statuses: new Map() };
    const loop = await watchEventLoop(async () => {
      run = await runCases(gw.url, cases, 'openai');
    });
    assert.equal(run.failures.length, 0, describeFailures(run));
    assert.ok((run.statuses.get(200) ?? 0) >= 50, `too few requests were answered: ${describeFailures(run)}`);
    assert.ok((run.statuses.get(404) ?? 0) >= 50, `too few hostile ids reached the lookup: ${describeFailures(run)}`);
    assertLoopNeverBlocked(loop);
  });

  it('never deleted a real response by a hostile id: all five are still there', async () => {
    for (const id of real) {
      const res = await fetch(`${gw.url}/v1/responses/${id}`, { headers: gw.auth });
      assert.equal(res.status, 200, id);
    }
  });
});
