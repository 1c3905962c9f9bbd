/**
 * Walks a plan: one in-flight slot per attempt (skipping saturated deployments = overflow, or
 * waiting in a bounded queue when nothing else is allowed), a per-attempt timeout under the
 * overall deadline, retries with backoff on retryable errors, then fallback to the next attempt.
 * Never leaves `plan.allowedLocations` (fail closed).
 *
 * Each attempt's signal lives exactly as long as the attempt: it fires on client disconnect, on
 * the attempt timeout until the attempt commits, on the request deadline after that (a committed
 * stream is still bounded by `router.deadlineMs`), and when the attempt is over — failed, given
 * up, or released — so an upstream response nobody reads any more is always cancelled and its
 * pooled connection given back.
 */
import { MeridianError, NoDeploymentError, UpstreamError, UpstreamTimeoutError, toMeridianError } from '../errors.js';
import type { Deployment } from '../providers/spec.js';
import type { CircuitBreakers } from './breaker.js';
import type { RouterConfig } from './config.js';
import type { LiveState } from './live-state.js';
import type { AttemptRecord, ExecuteResult, PlannedAttempt, RoutePlan } from './types.js';

export interface ExecutorState {
  config: RouterConfig;
  live: LiveState;
  breakers: CircuitBreakers;
  isCold(d: Deployment): boolean;
  random(): number;
}

/** The error `execute` throws carries every attempt, for the request log. */
export type ErrorWithAttempts = MeridianError & { attempts: AttemptRecord[] };

export function attachAttempts(err: MeridianError, attempts: AttemptRecord[]): ErrorWithAttempts {
  return Object.assign(err, { attempts: [...attempts] });
}

/** Not itself `async`: an async function returning a promise costs every request three more microtask turns. */
export function executePlan<T>(
  plan: RoutePlan,
  run: (d: Deployment, signal: AbortSignal) => Promise<T>,
  clientSignal: AbortSignal,
  state: ExecutorState,
): Promise<ExecuteResult<T>> {
  return walkPlan(plan, run, clientSignal, state);
}

/**
 * The overall deadline is a time, not a signal: each attempt's one timer fires at whichever comes
 * first, its own timeout or the deadline (one AbortController per attempt instead of three
 * chained ones — they cost microseconds each on Node 20 and this runs for every request).
 */
async function walkPlan<T>(
  plan: RoutePlan,
  run: (d: Deployment, signal: AbortSignal) => Promise<T>,
  clientSignal: AbortSignal,
  state: ExecutorState,
): Promise<ExecuteResult<T>> {
  const { config, live, breakers } = state;
  const deadlineAt = performance.now() + config.deadlineMs;
  // 1 ms of slack: a timer set for the deadline may fire a hair before performance.now() reaches it.
  const pastDeadline = () => performance.now() >= deadlineAt - 1;
  const overall = clientSignal;
  const records: AttemptRecord[] = [];
  // Fail closed twice over: the planner never puts a disallowed location in a plan, and the
  // executor would not run one if a caller built such a plan by hand.
  const remaining: PlannedAttempt[] = [];
  for (const a of plan.attempts) if (plan.allowedLocations.includes(a.deployment.location)) remaining.push(a);
  if (remaining.length === 0) throw attachAttempts(new NoDeploymentError(`No deployment may serve '${plan.alias}'.`), records);
  let lastError: MeridianError | undefined;

  while (remaining.length > 0) {
    if (clientSignal.aborted) throw attachAttempts(cancelled(plan.alias), records);
    if (pastDeadline()) throw attachAttempts(lastError ?? deadlineError(plan.alias, config.deadlineMs), records);
    skipOpenBreakers(remaining, records, breakers);
    let picked: { attempt: PlannedAttempt; overflow: boolean };
    try {
      // A free slot is taken synchronously (the usual case: no promise, no turn of the microtask queue).
      picked =
        freeSlot(remaining, live, config.queueThreshold) ??
        (await waitForSlot(remaining, live, { ...config, deadlineAt, signal: overall, alias: plan.alias }));
    } catch (err) {
      const e = clientSignal.aborted
        ? cancelled(plan.alias)
        : pastDeadline()
          ? (lastError ?? deadlineError(plan.alias, config.deadlineMs))
          : toMeridianError(err);
      throw attachAttempts(e, records);
    }
    const { attempt } = picked;
    remaining.splice(remaining.indexOf(attempt), 1);
    const d = attempt.deployment;
    const reason = picked.overflow ? 'overflow' : attempt.reason;
    const timeoutMs = d.provider.config.timeoutMs ?? config.attemptTimeoutMs;

    for (let retry = 0; ; retry++) {
      breakers.onAttemptStart(d.id);
      const untilDeadline = Math.max(1, deadlineAt - performance.now());
      const byDeadline = untilDeadline <= timeoutMs;
      const attempt = new AttemptSignal(clientSignal, Math.min(timeoutMs, untilDeadline));
      const attemptTimeout = attempt.signal;
      const t0 = performance.now();
      try {
        const value = await attempt.until(run(d, attempt.signal));
        // Committed: no more attempt timeout, but the stream that follows still ends by the deadline.
        attempt.commit(deadlineAt, `request deadline of ${config.deadlineMs} ms (router.deadlineMs) passed`);
        const commitMs = performance.now() - t0;
        breakers.onSuccess(d.id);
        records.push({ deployment: d.id, location: d.location, ok: true, latencyMs: Math.round(commitMs), retries: retry, reason });
        return {
          value,
          deployment: d,
          reason,
          attempts: records,
          strategy: plan.strategy,
          release: releaser(d, commitMs, state, attempt),
        };
      } catch (err) {
        const e = classify(err, d, { clientSignal, attemptTimeout, byDeadline, timeoutMs, deadlineMs: config.deadlineMs });
        // Whatever the attempt left open upstream (a body nobody will read) is cancelled now.
        attempt.end();
        records.push({
          deployment: d.id,
          location: d.location,
          ok: false,
          error: { code: e.code, message: e.message, status: e.status },
          latencyMs: Math.round(performance.now() - t0),
          retries: retry,
          reason,
        });
        if (clientSignal.aborted) {
          breakers.onAbandon(d.id);
          live.release(d);
          throw attachAttempts(e, records);
        }
        recordFailure(d, e, state);
        lastError = e;
        // A client error (400-class from upstream) will fail the same way everywhere: stop now.
        const cutByDeadline = byDeadline && attemptTimeout.aborted;
        if (!e.isRetryable || cutByDeadline || pastDeadline()) {
          live.release(d);
          throw attachAttempts(e, records);
        }
        const wait = retry < config.retries && breakers.state(d.id) === 'closed' ? backoffMs(retry, e.retryAfter, state) : undefined;
        if (wait !== undefined && performance.now() + wait < deadlineAt) {
          try {
            await sleep(wait, overall);
          } catch {
            live.release(d);
            throw attachAttempts(clientSignal.aborted ? cancelled(plan.alias) : e, records);
          }
          continue;
        }
        live.release(d);
        break;
      }
    }
  }
  throw attachAttempts(lastError ?? new NoDeploymentError(`No deployment may serve '${plan.alias}'.`), records);
}

/** Drops attempts whose breaker opened since planning, unless that would leave nothing to try. */
function skipOpenBreakers(remaining: PlannedAttempt[], records: AttemptRecord[], breakers: CircuitBreakers): void {
  for (let i = remaining.length - 1; i >= 0; i--) {
    const a = remaining[i]!;
    if (remaining.length > 1 && breakers.state(a.deployment.id) === 'open') {
      remaining.splice(i, 1);
      records.push({
        deployment: a.deployment.id,
        location: a.deployment.location,
        ok: false,
        error: { code: 'breaker_open', message: 'skipped: circuit breaker open', status: 503 },
        latencyMs: 0,
        reason: 'breaker-open',
      });
    }
  }
}

/**
 * Takes a slot on the first attempt that has one; skipping a saturated one is overflow. An
 * engine whose own queue is at `queueThreshold` is saturated for overflow only: when nothing
 * later in the plan is free (e.g. a local-only request), the first such engine with a free slot
 * still takes the request and queues it itself, exactly as before engines were watched.
 * Undefined when every remaining attempt is at its maxConcurrency (then `waitForSlot`).
 */
function freeSlot(
  remaining: PlannedAttempt[],
  live: LiveState,
  queueThreshold: RouterConfig['queueThreshold'],
): { attempt: PlannedAttempt; overflow: boolean } | undefined {
  let engineBusy = -1;
  for (let i = 0; i < remaining.length; i++) {
    const a = remaining[i]!;
    if (live.isEngineBusy(a.deployment, queueThreshold)) {
      if (engineBusy < 0 && !live.isSaturated(a.deployment)) engineBusy = i;
      continue;
    }
    if (live.tryAcquire(a.deployment)) return { attempt: a, overflow: i > 0 };
  }
  if (engineBusy >= 0 && live.tryAcquire(remaining[engineBusy]!.deployment)) {
    return { attempt: remaining[engineBusy]!, overflow: engineBusy > 0 };
  }
  return undefined;
}

/** Waits in the bounded queue for any of the remaining attempts' deployments. */
async function waitForSlot(
  remaining: PlannedAttempt[],
  live: LiveState,
  opts: RouterConfig & { deadlineAt: number; signal: AbortSignal; alias: string },
): Promise<{ attempt: PlannedAttempt; overflow: boolean }> {
  const timeoutMs = Math.max(1, Math.min(opts.queueTimeoutMs, opts.deadlineAt - performance.now()));
  const d = await live.waitForSlot(
    remaining.map((a) => a.deployment),
    { maxQueue: opts.maxQueue, timeoutMs, signal: opts.signal, alias: opts.alias },
  );
  return { attempt: remaining.find((a) => a.deployment === d)!, overflow: false };
}

function releaser(d: Deployment, commitMs: number, state: ExecutorState, attempt: AttemptSignal): ExecuteResult<unknown>['release'] {
  let done = false;
  return (outcome) => {
    if (done) return;
    done = true;
    // The caller is finished with the response: anything still open upstream is abandoned
    // (nothing is when the caller says the upstream answer was read to its end).
    attempt.end(outcome?.settled === true);
    state.live.release(d);
    if (outcome && !outcome.ok) {
      // Failed after commit (e.g. mid-stream): it counts against the deployment's health.
      state.breakers.onFailure(d.id);
      return;
    }
    const ttftMs = outcome?.ttftMs ?? commitMs;
    const genMs = outcome?.durationMs !== undefined ? outcome.durationMs - ttftMs : undefined;
    const tokensPerSec = outcome?.outputTokens && genMs && genMs > 0 ? outcome.outputTokens / (genMs / 1000) : undefined;
    state.live.observe(d.id, { ttftMs, ...(tokensPerSec !== undefined ? { tokensPerSec } : {}) });
  };
}

/**
 * Which failures count against the breaker: not rate limits (busy is not broken), not client
 * errors, and not timeouts from a cold local model that is still loading.
 */
function recordFailure(d: Deployment, e: MeridianError, state: ExecutorState): void {
  const rateLimited = e.status === 429 || (e instanceof UpstreamError && e.upstreamStatus === 429);
  const coldTimeout = e instanceof UpstreamTimeoutError && state.isCold(d);
  if (rateLimited || coldTimeout || !e.isRetryable) state.breakers.onAbandon(d.id);
  else state.breakers.onFailure(d.id);
}

/** Exponential backoff with equal jitter; Retry-After wins when longer; too long → undefined (fall back). */
function backoffMs(retry: number, retryAfterSec: number | undefined, state: ExecutorState): number | undefined {
  const { backoffBaseMs, backoffMaxMs, maxRetryAfterMs } = state.config;
  const expo = Math.min(backoffMaxMs, backoffBaseMs * 2 ** retry);
  const jittered = expo / 2 + (state.random() * expo) / 2;
  if (retryAfterSec === undefined) return jittered;
  const ra = retryAfterSec * 1000;
  return ra > maxRetryAfterMs ? undefined : Math.max(ra, jittered);
}

function classify(
  err: unknown,
  d: Deployment,
  s: { clientSignal: AbortSignal; attemptTimeout: AbortSignal; byDeadline: boolean; timeoutMs: number; deadlineMs: number },
): MeridianError {
  if (s.clientSignal.aborted) return err instanceof MeridianError && err.code === 'request_cancelled' ? err : cancelled(d.id);
  if (s.attemptTimeout.aborted && s.byDeadline) return err instanceof UpstreamTimeoutError ? err : deadlineError(d.id, s.deadlineMs);
  if (s.attemptTimeout.aborted) {
    return err instanceof UpstreamTimeoutError ? err : new UpstreamTimeoutError(`'${d.id}' did not answer within ${s.timeoutMs} ms.`, d.id);
  }
  return toMeridianError(err);
}

function cancelled(where: string): MeridianError {
  return new UpstreamError(`Request to '${where}' was cancelled by the client.`, { code: 'request_cancelled', status: 499 });
}

function deadlineError(where: string, ms: number): MeridianError {
  return new UpstreamTimeoutError(`No answer for '${where}' within the request deadline of ${ms} ms.`);
}

/** One reason for every attempt that ends: a DOMException per request costs more than the rest of `end`. */
const ATTEMPT_OVER = new DOMException('The attempt is over.', 'AbortError');

/**
 * client ∪ one timer, made by hand: `AbortSignal.any` + `AbortSignal.timeout` cost ~25 µs per
 * call on Node 20 against ~1 µs here, and this runs for every attempt. A class rather than a
 * closure per operation: one allocation per attempt instead of seven.
 */
class AttemptSignal {
  private readonly controller = new AbortController();
  readonly signal: AbortSignal = this.controller.signal;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Set by `commit`: from then on the timer stands for the request deadline, not the attempt timeout. */
  private deadlineAt: number | undefined;
  private deadlineMessage = '';
  /** Rejects the pending `until`, if any: called right after the signal aborts. */
  private onStop: ((reason: unknown) => void) | undefined;
  private readonly onClient = (): void => this.stop(this.client.reason);
  private readonly onTimer = (): void => this.fired();

  constructor(
    private readonly client: AbortSignal,
    timeoutMs: number,
  ) {
    if (client.aborted) this.controller.abort(client.reason);
    else {
      client.addEventListener('abort', this.onClient, { once: true });
      this.timer = setTimeout(this.onTimer, Math.max(1, timeoutMs));
    }
  }

  /**
   * The attempt committed: no more attempt timeout, but the signal still aborts at `deadlineAt`
   * (`performance.now()` time) with `message`. The running timer is kept, not replaced (it fires
   * no later than the deadline, and re-arms itself for the rest if any): a clear and a new
   * `setTimeout` per request saved. It no longer keeps the process alive (a committed response
   * whose caller never releases it must not hold a CLI or test process open until the deadline).
   */
  commit(deadlineAt: number, message: string): void {
    if (this.signal.aborted) return;
    this.deadlineAt = deadlineAt;
    this.deadlineMessage = message;
    this.timer?.unref();
  }

  private fired(): void {
    this.timer = undefined;
    if (this.deadlineAt === undefined) return this.stop(new DOMException('The operation timed out.', 'TimeoutError'));
    const ms = this.deadlineAt - performance.now();
    if (ms >= 1) {
      this.timer = setTimeout(this.onTimer, ms);
      this.timer.unref();
      return;
    }
    this.stop(new DOMException(this.deadlineMessage, 'TimeoutError'));
  }

  /**
   * The attempt is over: aborts the signal (if it has not fired) and detaches from the client.
   * `settled`: nothing is open upstream any more (the answer was read to its end), so the timer
   * and the client listener go but the signal is left as it is — aborting it would only
   * dispatch an event nobody listens to (≈5–10 µs per request on Node 20).
   */
  end(settled?: boolean): void {
    if (settled) this.detach();
    else this.stop(ATTEMPT_OVER);
  }

  /**
   * `p`, or the abort reason as soon as the signal aborts, even if `p` ignores the signal. Only
   * this attempt's own stop aborts the signal, so the race needs no event listener on it.
   */
  until<T>(p: Promise<T>): Promise<T> {
    if (this.signal.aborted) {
      p.catch(() => {});
      return Promise.reject(this.signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      // Rejecting after `p` settled is a no-op, so `p` settles the race directly.
      this.onStop = reject;
      p.then(resolve, reject);
    });
  }

  private detach(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.client.removeEventListener('abort', this.onClient);
  }

  private stop(reason: unknown): void {
    this.detach();
    if (this.signal.aborted) return;
    this.controller.abort(reason);
    const reject = this.onStop;
    this.onStop = undefined;
    reject?.(this.signal.reason);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
