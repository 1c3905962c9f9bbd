/**
 * The event-stream reader (src/providers/bedrock/event-stream.ts) under seeded random input:
 * frames cut at random byte boundaries decode to the same messages, and corrupted bytes end in an
 * UpstreamError (never another exception, never a hang, never a huge allocation).
 * Framing: https://smithy.io/2.0/aws/amazon-eventstream.html
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UpstreamError } from '../../src/errors.js';
import { eventStreamMessages, stringHeader } from '../../src/providers/bedrock/event-stream.js';
import { createProviderHandle } from '../../src/providers/registry.js';
import { eventFrame, exceptionFrame } from '../contract/fixtures/bedrock/fake-bedrock.js';
import { chance, int, rng } from '../helpers/fuzz.js';

const SEED = Number(process.env.FUZZ_SEED ?? 19);
const provider = createProviderHandle({ id: 'bedrock', type: 'bedrock' });

async function* pieces(bytes: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    yield bytes.subarray(at, c);
    at = c;
  }
}

async function decode(bytes: Buffer, cuts: number[]): Promise<Array<[string | undefined, string]>> {
  const out: Array<[string | undefined, string]> = [];
  for await (const m of eventStreamMessages(pieces(bytes, cuts), AbortSignal.timeout(5000), provider, 'bedrock/x')) {
    out.push([stringHeader(m, ':event-type') ?? stringHeader(m, ':exception-type'), Buffer.from(m.body).toString('utf8')]);
  }
  return out;
}

describe(`bedrock event-stream reader (seed ${SEED})`, () => {
  const frames = [
    eventFrame('messageStart', { role: 'assistant' }),
    ...Array.from({ length: 20 }, (_, i) => eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: `tok${i} ☃ ` } })),
    eventFrame('messageStop', { stopReason: 'end_turn' }),
    exceptionFrame('throttlingException', 'slow down'),
  ];
  const bytes = Buffer.concat(frames);

  it('random cut points give the same messages as whole frames', async () => {
    const expected = await decode(bytes, []);
    assert.equal(expected.length, frames.length);
    const r = rng(SEED);
    for (let round = 0; round < 200; round++) {
      const cuts = [...new Set(Array.from({ length: int(r, 40) }, () => int(r, bytes.length)))].sort((a, b) => a - b);
      assert.deepEqual(await decode(bytes, cuts), expected, `round ${round} cuts ${cuts.join(',')}`);
    }
  });

  it('corrupted or cut bodies fail with an UpstreamError', async () => {
    const r = rng(SEED + 1);
    let failed = 0;
    for (let round = 0; round < 300; round++) {
      const bad = Buffer.from(bytes);
      const flips = 1 + int(r, 4);
      for (let i = 0; i < flips; i++) bad[int(r, bad.length)] = int(r, 256);
      const body = chance(r, 0.3) ? bad.subarray(0, int(r, bad.length)) : bad;
      try {
        await decode(
          body,
          [int(r, body.length)].filter((c) => c > 0),
        );
      } catch (err) {
        assert.ok(err instanceof UpstreamError, `round ${round}: ${String(err)}`);
        assert.equal(err.status, 502);
        failed++;
      }
    }
    // A random byte can equal the one it replaces; nearly every round must still be caught by the CRCs.
    assert.ok(failed >= 280, `${failed} of 300 corrupted bodies were refused`);
  });
});
