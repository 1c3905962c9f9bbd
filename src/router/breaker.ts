/**
 * Circuit breaker per deployment, in memory per replica (each replica learns on its own; sharing
 * through Redis can come later without changing callers).
 *
 * closed ──N consecutive failures──▶ open ──cool-down──▶ half-open (one probe at a time)
 *   ▲                                  ▲                      │
 *   └──────────── probe succeeds ──────┼──── probe fails ─────┘
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

interface Entry {
  failures: number;
  openedAt?: number;
  probing: boolean;
  lastFailureAt?: number;
}

export class CircuitBreakers {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly opts: { failureThreshold: number; cooldownMs: number },
    private readonly now: () => number,
  ) {}

  private entry(id: string): Entry {
    let e = this.entries.get(id);
    if (!e) {
      e = { failures: 0, probing: false };
      this.entries.set(id, e);
    }
    return e;
  }

  /** Pure read: `half-open` means a probe may go now; an in-flight probe reads as `open`. */
  state(id: string): BreakerState {
    const e = this.entries.get(id);
    if (!e || e.openedAt === undefined) return 'closed';
    if (this.now() - e.openedAt < this.opts.cooldownMs || e.probing) return 'open';
    return 'half-open';
  }

  /** When the deployment last failed (for "all open: try the least-recently-failed one"). */
  lastFailureAt(id: string): number {
    return this.entries.get(id)?.lastFailureAt ?? 0;
  }

  /** Called right before an attempt; a half-open breaker lets exactly this one through. */
  onAttemptStart(id: string): void {
    if (this.state(id) === 'half-open') this.entry(id).probing = true;
  }

  onSuccess(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.failures = 0;
    e.probing = false;
    delete e.openedAt;
  }

  onFailure(id: string): void {
    const e = this.entry(id);
    e.failures += 1;
    e.lastFailureAt = this.now();
    if (e.probing || e.failures >= this.opts.failureThreshold) {
      e.openedAt = this.now();
      e.probing = false;
    }
  }

  /** An attempt ended without a verdict (client cancelled): free the probe slot. */
  onAbandon(id: string): void {
    const e = this.entries.get(id);
    if (e) e.probing = false;
  }
}
