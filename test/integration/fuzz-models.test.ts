/**
 * Seeded fuzz of GET /v1/models (issue #10): 1,000+ requests with hostile query strings, headers
 * and credentials; no 5xx, every error in the OpenAI envelope, the event loop never blocked > 100 ms.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertLoopNeverBlocked, describeFailures, getCases, rng, runCases, watchEventLoop, type FuzzRun } from '../helpers/fuzz.js';
import { fuzzSeed, startFuzzGateway, type FuzzGateway } from '../helpers/fuzz-gateway.js';

const SEED = fuzzSeed(0x40de);

describe('fuzz GET /v1/models', () => {
  let gw: FuzzGateway;
  before(async () => {
    gw = await startFuzzGateway();
  });
  after(() => gw.close());

  it(`answers 1,000 hostile requests without a 5xx, in the OpenAI envelope, never blocking the loop (seed ${SEED})`, async () => {
    const cases = getCases(rng(SEED), '/v1/models', 1000, gw.auth);
    await runCases(gw.url, getCases(rng(1), '/v1/models', 10, gw.auth), 'openai'); // warm-up
    let run: FuzzRun = { failures: [], statuses: new Map() };
    const loop = await watchEventLoop(async () => {
      run = await runCases(gw.url, cases, 'openai');
    });
    assert.equal(run.failures.length, 0, describeFailures(run));
    assert.ok((run.statuses.get(200) ?? 0) >= 50, `too few requests were answered: ${describeFailures(run)}`);
    assertLoopNeverBlocked(loop);
  });
});
