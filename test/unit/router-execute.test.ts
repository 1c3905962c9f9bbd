import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeridianError, UpstreamError, UpstreamTimeoutError } from '../../src/errors.js';
import type { Deployment } from '../../src/providers/spec.js';
import type { ErrorWithAttempts } from '../../src/router/executor.js';
import { dep, facts, hybridSet, never, router, upstream } from './router-fixtures.js';

const fast = { backoffBaseMs: 1, backoffMaxMs: 2 };

async function rejects(p: Promise<unknown>): Promise<ErrorWithAttempts> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MeridianError, `expected a MeridianError, got ${String(e)}`);
    return e as ErrorWithAttempts;
  }
  assert.fail('expected a rejection');
}

describe('router execute: retries and fallback', () => {
  it('falls back on 500 after retrying, and records every attempt', async () => {
    const r = router({ router: { ...fast, retries: 1 } });
    const plan = r.plan(facts(), [dep('a/one', 'local'), dep('b/two', 'cloud')]);
    const calls: string[] = [];
    const res = await r.execute(
      plan,
      async (d) => {
        calls.push(d.id);
        if (d.id === 'a/one') throw upstream(500);
        return 'ok from ' + d.id;
      },
      never,
    );
    assert.equal(res.value, 'ok from b/two');
    assert.deepEqual(calls, ['a/one', 'a/one', 'b/two']);
    assert.deepEqual(
      res.attempts.map((a) => [a.deployment, a.ok, a.retries, a.error?.status]),
      [
        ['a/one', false, 0, 502],
        ['a/one', false, 1, 502],
        ['b/two', true, 0, undefined],
      ],
    );
    assert.equal(r.inFlight('b/two'), 1, 'slot held until release');
    res.release();
    res.release();
    assert.equal(r.inFlight('b/two'), 0);
    assert.equal(r.inFlight('a/one'), 0);
  });

  it('obeys Retry-After on 429 before retrying the same deployment (measured)', async () => {
    const r = router({ router: { ...fast, retries: 1 } });
    const plan = r.plan(facts(), [dep('a/one', 'cloud'), dep('b/two', 'cloud')]);
    const times: number[] = [];
    const res = await r.execute(
      plan,
      async (d) => {
        times.push(performance.now());
        if (times.length === 1) throw upstream(429, 1);
        return d.id;
      },
      never,
    );
    assert.equal(res.value, 'a/one', 'retried the same deployment after waiting');
    const waited = times[1]! - times[0]!;
    assert.ok(waited >= 990, `waited ${waited} ms, Retry-After was 1 s`);
    assert.equal(r.breakerState('a/one'), 'closed');
  });

  it('falls back immediately when Retry-After exceeds maxRetryAfterMs or the deadline', async () => {
    const r = router({ router: { ...fast, retries: 3, maxRetryAfterMs: 500 } });
    const plan = r.plan(facts(), [dep('a/one', 'cloud'), dep('b/two', 'cloud')]);
    const t0 = performance.now();
    const res = await r.execute(plan, async (d) => (d.id === 'a/one' ? Promise.reject(upstream(429, 60)) : d.id), never);
    assert.equal(res.value, 'b/two');
    assert.ok(performance.now() - t0 < 400);
    assert.equal(res.attempts.length, 2);
  });

  it('times out an attempt (provider timeoutMs) and falls back', async () => {
    const r = router({ router: { ...fast, retries: 0 } });
    const plan = r.plan(facts(), [dep('slow/model', 'local', { timeoutMs: 50 }), dep('b/two', 'cloud')]);
    let sawAbort = false;
    const res = await r.execute(
      plan,
      (d, signal) =>
        d.id === 'slow/model'
          ? new Promise((_, reject) =>
              signal.addEventListener('abort', () => {
                sawAbort = true;
                reject(signal.reason);
              }),
            )
          : Promise.resolve(d.id),
      never,
    );
    assert.equal(res.value, 'b/two');
    assert.ok(sawAbort, 'the attempt signal fired');
    assert.equal(res.attempts[0]!.error?.code, 'upstream_timeout');
    assert.ok(res.attempts[0]!.latencyMs >= 45);
  });

  it('enforces the attempt timeout even when run ignores the signal', async () => {
    const r = router({ router: { ...fast, retries: 0, attemptTimeoutMs: 40 } });
    const plan = r.plan(facts(), [dep('a/deaf', 'cloud')]);
    const e = await rejects(r.execute(plan, () => new Promise(() => {}), never));
    assert.ok(e instanceof UpstreamTimeoutError);
    assert.equal(e.attempts.length, 1);
  });

  it('connection errors (UpstreamError without status) are retried then fall back', async () => {
    const r = router({ router: { ...fast, retries: 1 } });
    const plan = r.plan(facts(), [dep('a/down', 'local'), dep('b/up', 'cloud')]);
    const res = await r.execute(
      plan,
      async (d) => {
        if (d.id === 'a/down') throw new UpstreamError("Could not reach 'a' (ECONNREFUSED).");
        return d.id;
      },
      never,
    );
    assert.equal(res.value, 'b/up');
    assert.equal(res.attempts.filter((a) => a.deployment === 'a/down').length, 2);
  });

  it('a 400-class upstream error stops immediately and is thrown with the attempts', async () => {
    const r = router({ router: { ...fast, retries: 2 } });
    const plan = r.plan(facts(), [dep('a/one', 'cloud'), dep('b/two', 'cloud')]);
    let calls = 0;
    const e = await rejects(
      r.execute(
        plan,
        async () => {
          calls++;
          throw upstream(400);
        },
        never,
      ),
    );
    assert.equal(calls, 1);
    assert.equal(e.status, 400);
    assert.equal(e.attempts.length, 1);
    assert.equal(r.breakerState('a/one'), 'closed');
    assert.equal(r.inFlight('a/one'), 0);
  });

  it('all attempts fail → the last error is thrown with every attempt attached', async () => {
    const r = router({ router: { ...fast, retries: 0 } });
    const plan = r.plan(facts(), [dep('a/one', 'cloud'), dep('b/two', 'cloud')]);
    const e = await rejects(
      r.execute(plan, async (d) => Promise.reject(new UpstreamError(`boom ${d.id}`, { upstreamStatus: 503 })), never),
    );
    assert.equal(e.message, 'boom b/two');
    assert.deepEqual(
      e.attempts.map((a) => a.deployment),
      ['a/one', 'b/two'],
    );
  });

  it('the overall deadline caps retries and attempts', async () => {
    const r = router({ router: { backoffBaseMs: 1, backoffMaxMs: 1, retries: 10, deadlineMs: 120, attemptTimeoutMs: 1000 } });
    const plan = r.plan(facts(), [dep('a/one', 'cloud'), dep('b/two', 'cloud')]);
    const t0 = performance.now();
    const e = await rejects(
      r.execute(plan, (_d, signal) => new Promise((_, rej) => signal.addEventListener('abort', () => rej(signal.reason))), never),
    );
    const took = performance.now() - t0;
    assert.ok(e instanceof UpstreamTimeoutError);
    assert.ok(took < 400, `deadline respected (${took} ms)`);
    assert.equal(e.attempts.length, 1);
  });

  it('a client abort stops everything and frees the slot', async () => {
    const r = router({ router: { ...fast, retries: 3 } });
    const plan = r.plan(facts(), [dep('a/one', 'cloud'), dep('b/two', 'cloud')]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const e = await rejects(r.execute(plan, () => new Promise(() => {}), ac.signal));
    assert.equal(e.code, 'request_cancelled');
    assert.equal(r.inFlight('a/one'), 0);
    assert.equal(r.breakerState('a/one'), 'closed');
  });
});

describe('router execute: fail closed', () => {
  it('a restricted plan never contains a cloud attempt and never runs one, whatever fails', async () => {
    const r = router({
      router: { ...fast, retries: 1 },
      policies: [{ name: 'conf', when: { tags: ['confidential'] }, require: { location: ['local', 'private'] } }],
    });
    const plan = r.plan(facts({ tags: ['confidential'] }), hybridSet(), 'local-first');
    assert.ok(plan.attempts.every((a) => a.deployment.location !== 'cloud'));
    const ran: Deployment[] = [];
    const e = await rejects(
      r.execute(
        plan,
        async (d) => {
          ran.push(d);
          throw ran.length % 2 ? upstream(503) : new UpstreamTimeoutError('slow');
        },
        never,
      ),
    );
    assert.ok(ran.length >= 3);
    assert.ok(ran.every((d) => d.location !== 'cloud'));
    assert.ok(e.attempts.every((a) => a.location !== 'cloud'));
  });

  it('even a hand-made plan with a cloud attempt outside allowedLocations is not run', async () => {
    const r = router({ router: fast });
    const plan = r.plan(facts({ dataPolicy: 'local-only' }), [dep('a/local', 'local')]);
    const forged = { ...plan, attempts: [...plan.attempts, { deployment: dep('c/cloud', 'cloud'), reason: 'forged' }] };
    const ran: string[] = [];
    await rejects(
      r.execute(
        forged,
        async (d) => {
          ran.push(d.id);
          throw upstream(500);
        },
        never,
      ),
    );
    assert.deepEqual([...new Set(ran)], ['a/local']);
  });
});

describe('router execute: the attempt signal lives as long as the attempt', () => {
  const aborted = (s: AbortSignal) =>
    new Promise<unknown>((resolve) => s.addEventListener('abort', () => resolve(s.reason), { once: true }));

  it('after commit the attempt timeout no longer applies, but the request deadline still does', async () => {
    const r = router({ router: { ...fast, retries: 0, attemptTimeoutMs: 20, deadlineMs: 120 } });
    const plan = r.plan(facts(), [dep('a/stream', 'cloud')]);
    const t0 = performance.now();
    const res = await r.execute(plan, async (_d, signal) => signal, never);
    // The deadline timer after commit does not hold the process open (an open upstream socket
    // does, in real use); here nothing else would, so keep the loop alive while waiting for it.
    const keepAlive = setInterval(() => {}, 1_000);
    const reason = (await aborted(res.value).finally(() => clearInterval(keepAlive))) as DOMException;
    const took = performance.now() - t0;
    assert.equal(reason.name, 'TimeoutError');
    assert.match(reason.message, /deadline of 120 ms/);
    assert.ok(took >= 110, `fired at the deadline, not at the 20 ms attempt timeout (${Math.round(took)} ms)`);
    res.release();
  });

  it('release() aborts the signal, so anything still open upstream is cancelled', async () => {
    const r = router({ router: fast });
    const plan = r.plan(facts(), [dep('a/one', 'cloud')]);
    const res = await r.execute(plan, async (_d, signal) => signal, never);
    assert.equal(res.value.aborted, false, 'still open while the caller streams');
    res.release({ ok: true });
    assert.equal(res.value.aborted, true);
    assert.equal((res.value.reason as DOMException).name, 'AbortError');
  });

  it('release({ settled: true }) frees the slot and detaches from the client without aborting the signal', async () => {
    const r = router({ router: fast });
    const plan = r.plan(facts(), [dep('a/one', 'cloud')]);
    const client = new AbortController();
    const res = await r.execute(plan, async (_d, signal) => signal, client.signal);
    res.release({ ok: true, settled: true });
    assert.equal(r.inFlight('a/one'), 0);
    client.abort();
    assert.equal(res.value.aborted, false, 'nothing open upstream: neither release nor a late client abort reaches it');
  });

  it('an attempt that ignores its signal is cut by a client abort, with the abort reason', async () => {
    const r = router({ router: { ...fast, retries: 0 } });
    const plan = r.plan(facts(), [dep('a/one', 'cloud')]);
    const client = new AbortController();
    let seen: AbortSignal | undefined;
    const p = r.execute(
      plan,
      (_d, signal) => {
        seen = signal;
        return new Promise(() => {});
      },
      client.signal,
    );
    client.abort(new DOMException('gone', 'AbortError'));
    const e = await rejects(p);
    assert.equal(e.code, 'request_cancelled');
    assert.equal(seen!.aborted, true);
    assert.equal((seen!.reason as DOMException).message, 'gone');
    assert.equal(r.inFlight('a/one'), 0);
  });

  it('a failed attempt has its signal aborted before the next attempt runs', async () => {
    const r = router({ router: { ...fast, retries: 0 } });
    const plan = r.plan(facts(), [dep('a/one', 'cloud'), dep('b/two', 'cloud')]);
    const signals: AbortSignal[] = [];
    const res = await r.execute(
      plan,
      async (d, signal) => {
        signals.push(signal);
        if (d.id === 'a/one') throw new UpstreamError('converted badly', { upstreamStatus: 502 });
        return d.id;
      },
      never,
    );
    assert.equal(res.value, 'b/two');
    assert.equal(signals[0]!.aborted, true, 'the failed attempt was ended');
    assert.equal(signals[1]!.aborted, false);
    res.release();
    assert.equal(signals[1]!.aborted, true);
  });
});
