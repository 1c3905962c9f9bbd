/**
 * What the router knows about each deployment right now, in memory per replica: requests in
 * flight (and a bounded FIFO of requests waiting for a slot), EWMA of time-to-first-token and
 * tokens/s, and health as reported by the health monitor.
 */
import { RateLimitError } from '../errors.js';
import type { Deployment, EngineState } from '../providers/spec.js';
import type { HealthState } from './types.js';

/** Weight of the newest sample in the moving averages. */
const EWMA_ALPHA = 0.3;

export interface DeploymentStats {
  ttftMs?: number;
  tokensPerSec?: number;
  samples: number;
}

interface Waiter {
  ids: Set<string>;
  grant(d: Deployment): void;
  byId: Map<string, Deployment>;
}

export class LiveState {
  private readonly inFlight = new Map<string, number>();
  private readonly stats = new Map<string, DeploymentStats>();
  private readonly health = new Map<string, HealthState>();
  private readonly engine = new Map<string, EngineState>();
  private readonly waiters: Waiter[] = [];

  inFlightOf(id: string): number {
    return this.inFlight.get(id) ?? 0;
  }

  isSaturated(d: Deployment): boolean {
    return d.maxConcurrency !== undefined && this.inFlightOf(d.id) >= d.maxConcurrency;
  }

  /** Takes a slot when one is free; synchronous, so no two requests can take the last slot. */
  tryAcquire(d: Deployment): boolean {
    if (this.isSaturated(d)) return false;
    this.inFlight.set(d.id, this.inFlightOf(d.id) + 1);
    return true;
  }

  /** Frees a slot and hands it straight to the oldest waiter that can use it. */
  release(d: Deployment): void {
    this.inFlight.set(d.id, Math.max(0, this.inFlightOf(d.id) - 1));
    const i = this.waiters.findIndex((w) => w.ids.has(d.id));
    if (i < 0) return;
    const w = this.waiters[i]!;
    const target = w.byId.get(d.id)!;
    if (!this.tryAcquire(target)) return;
    this.waiters.splice(i, 1);
    w.grant(target);
  }

  queueLength(): number {
    return this.waiters.length;
  }

  /**
   * Waits (bounded) until any of `deployments` has a free slot and takes it. Fails with 429 and
   * Retry-After when the queue is full or the wait times out; rejects with the signal's reason
   * when the client leaves or the deadline passes.
   */
  waitForSlot(
    deployments: Deployment[],
    opts: { maxQueue: number; timeoutMs: number; signal: AbortSignal; alias: string },
  ): Promise<Deployment> {
    const retryAfter = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
    if (this.waiters.length >= opts.maxQueue) {
      return Promise.reject(
        new RateLimitError(
          `All deployments allowed for '${opts.alias}' are busy and the wait queue is full. Retry later.`,
          retryAfter,
          'deployments_saturated',
        ),
      );
    }
    if (opts.signal.aborted) return Promise.reject(opts.signal.reason);
    return new Promise<Deployment>((resolve, reject) => {
      const waiter: Waiter = {
        ids: new Set(deployments.map((d) => d.id)),
        byId: new Map(deployments.map((d) => [d.id, d])),
        grant: (d) => {
          cleanup();
          resolve(d);
        },
      };
      const remove = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      const timer = setTimeout(() => {
        remove();
        cleanup();
        reject(
          new RateLimitError(
            `All deployments allowed for '${opts.alias}' stayed busy for ${opts.timeoutMs} ms. Retry later.`,
            retryAfter,
            'deployments_saturated',
          ),
        );
      }, opts.timeoutMs);
      const onAbort = () => {
        remove();
        cleanup();
        reject(opts.signal.reason);
      };
      const cleanup = () => {
        clearTimeout(timer);
        opts.signal.removeEventListener('abort', onAbort);
      };
      opts.signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  statsOf(id: string): DeploymentStats {
    return this.stats.get(id) ?? { samples: 0 };
  }

  /** Feeds the moving averages from a finished request. */
  observe(id: string, sample: { ttftMs?: number; tokensPerSec?: number }): void {
    const s = { ...this.statsOf(id) };
    if (sample.ttftMs !== undefined && Number.isFinite(sample.ttftMs)) {
      s.ttftMs = s.ttftMs === undefined ? sample.ttftMs : s.ttftMs + EWMA_ALPHA * (sample.ttftMs - s.ttftMs);
    }
    if (sample.tokensPerSec !== undefined && Number.isFinite(sample.tokensPerSec) && sample.tokensPerSec > 0) {
      s.tokensPerSec =
        s.tokensPerSec === undefined ? sample.tokensPerSec : s.tokensPerSec + EWMA_ALPHA * (sample.tokensPerSec - s.tokensPerSec);
    }
    s.samples += 1;
    this.stats.set(id, s);
  }

  healthOf(id: string): HealthState {
    return this.health.get(id) ?? 'up';
  }

  setHealth(id: string, state: HealthState): void {
    this.health.set(id, state);
  }

  engineOf(id: string): EngineState | undefined {
    return this.engine.get(id);
  }

  /** Undefined forgets what the engine said (it stopped answering): unknown is not busy. */
  setEngineState(id: string, state: EngineState | undefined): void {
    if (state) this.engine.set(id, state);
    else this.engine.delete(id);
  }

  /** The engine itself reports a queue of at least `threshold` (0 = never busy). */
  isEngineBusy(d: Deployment, threshold: number): boolean {
    if (threshold <= 0) return false;
    const waiting = this.engine.get(d.id)?.waiting;
    return waiting !== undefined && waiting >= threshold;
  }
}
