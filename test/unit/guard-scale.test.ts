/** Large requests: bounded work, no event-loop stall, same findings as a small scan (issue #10). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ChatRequest } from '../../src/api/types.js';
import { createGuard, guardConfigSchema } from '../../src/guard/index.js';

const req = (...contents: string[]): ChatRequest => ({ model: 'm', messages: contents.map((content) => ({ role: 'user', content })) });

describe('guard at scale', () => {
  it('scans a 1 MB prompt of dense findings without stalling the event loop', async () => {
    const guard = createGuard(guardConfigSchema.parse({}));
    // 150,000 overlap-resolution candidates: the quadratic resolution blocked for over a minute.
    const text = 'a@b.co '.repeat(Math.ceil((1024 * 1024) / 7));
    let turns = 0;
    let scanning = true;
    const countTurns = (): void => {
      turns++;
      if (scanning) setImmediate(countTurns);
    };
    setImmediate(countTurns);
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    const inspection = await guard.inspect(req(text));
    lag.disable();
    scanning = false;
    assert.equal(inspection.counts.email, Math.ceil((1024 * 1024) / 7));
    // Other work ran between slices: at least once per 32 KB scanned (the guard yields every ~8 KB).
    assert.ok(turns >= text.length / (32 * 1024), `the event loop ran only ${turns} times`);
    // Wall-clock bound kept loose for a loaded 2-core machine (a blocking scan took 65 s); the
    // p99 ≤ 20 ms target is measured by bench/guard-scale.ts.
    assert.ok(lag.max / 1e6 < 250, `event loop blocked for ${(lag.max / 1e6).toFixed(0)} ms`);
  });

  it('finds spans across slice cuts, also in text without spaces', async () => {
    const guard = createGuard(guardConfigSchema.parse({}));
    const emails = Array.from({ length: 6000 }, (_, i) => `user.${i}@example.com`);
    const text = emails.join(',');
    assert.ok(text.length > 100 * 1024);
    const inspection = await guard.inspect(req(text));
    assert.deepEqual(
      inspection.findings.map((f) => f.value),
      emails,
    );
    for (const f of inspection.findings) assert.equal(text.slice(f.start, f.end), f.value);
    assert.deepEqual(guard.scanText(text), await guard.inspect(req(text)).then((i) => i.findings.map(({ path: _, ...f }) => f)));
  });

  it('a request over guard.maxScanChars is not scanned and fails closed (unscannable)', async () => {
    const big = 'x'.repeat(700);
    const local = createGuard(guardConfigSchema.parse({ maxScanChars: 1024 }));
    // The limit is on the whole request: two fields of 700 characters exceed it.
    assert.deepEqual(await local.inspect(req(big, big)), { findings: [], counts: { unscannable: 1 }, action: 'local-only' });
    assert.equal((await local.inspect(req(big))).action, 'allow');
    const block = createGuard(guardConfigSchema.parse({ maxScanChars: 1024, unscannableAction: 'block' }));
    assert.equal((await block.inspect(req(big, big))).action, 'block');
    assert.equal(guardConfigSchema.parse({}).maxScanChars, 2 * 1024 * 1024);
    assert.throws(() => guardConfigSchema.parse({ unscannableAction: 'pseudonymize' }));
  });

  it('an aborted inspection rejects with the abort reason', async () => {
    const guard = createGuard(guardConfigSchema.parse({}));
    const controller = new AbortController();
    const reason = new Error('client went away');
    const pending = guard.inspect(req('mail a.b@example.com '.repeat(10_000)), controller.signal);
    controller.abort(reason);
    await assert.rejects(pending, (err) => err === reason);
  });
});
