/**
 * Active health checks for local engines: local engines are watched, not assumed. One liveness
 * probe per provider (default: the adapter's `listModels`), plus an optional loaded-models probe
 * (e.g. Ollama `/api/ps`) that tells a *cold* model (reachable, weights not loaded yet — its
 * first request will be slow, which must not trip a breaker) from a warm one. Results feed
 * `router.setHealth`.
 */
import type { Deployment, Location, ProviderHandle } from '../providers/spec.js';
import type { HealthState, Router } from './types.js';

export interface HealthMonitorOptions {
  intervalMs: number;
  /** Where results go (the router). */
  router: Pick<Router, 'setHealth'>;
  /** Liveness probe per provider; resolves = up, throws = down. Default: `adapter.listModels`. */
  probe?: (provider: ProviderHandle, signal: AbortSignal) => Promise<unknown>;
  /** Model names loaded right now, or undefined when the engine does not say (then: warm). */
  loadedModels?: (provider: ProviderHandle, signal: AbortSignal) => Promise<string[] | undefined>;
  /** Per-probe timeout; default min(intervalMs, 5000). */
  timeoutMs?: number;
  /** Which deployments to watch; default local engines only (cloud APIs are judged by breakers). */
  locations?: Location[];
}

export interface HealthMonitor {
  start(): void;
  stop(): void;
  /** Probes every watched provider once and reports; returns deployment id → state. */
  checkNow(): Promise<Record<string, HealthState>>;
}

export function createHealthMonitor(deployments: readonly Deployment[], opts: HealthMonitorOptions): HealthMonitor {
  const locations = opts.locations ?? ['local'];
  const timeoutMs = opts.timeoutMs ?? Math.min(opts.intervalMs, 5_000);
  const byProvider = new Map<ProviderHandle, Deployment[]>();
  for (const d of deployments) {
    if (!locations.includes(d.location)) continue;
    const list = byProvider.get(d.provider) ?? [];
    list.push(d);
    byProvider.set(d.provider, list);
  }
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<Record<string, HealthState>> | undefined;

  async function checkProvider(provider: ProviderHandle, list: Deployment[], out: Record<string, HealthState>): Promise<void> {
    const probe = opts.probe ?? (provider.adapter.listModels ? (p: ProviderHandle, s: AbortSignal) => p.adapter.listModels!(p, s) : undefined);
    if (!probe) return; // nothing to ask: leave it to the breaker
    let up = true;
    try {
      await probe(provider, AbortSignal.timeout(timeoutMs));
    } catch {
      up = false;
    }
    let loaded: Set<string> | undefined;
    if (up && opts.loadedModels) {
      try {
        const names = await opts.loadedModels(provider, AbortSignal.timeout(timeoutMs));
        if (names) loaded = new Set(names);
      } catch {
        // the engine answered the liveness probe; not knowing what is loaded is not "down"
      }
    }
    for (const d of list) {
      const state: HealthState = !up ? 'down' : loaded && !loaded.has(d.model) ? 'cold' : 'up';
      out[d.id] = state;
      opts.router.setHealth(d.id, state);
    }
  }

  async function checkNow(): Promise<Record<string, HealthState>> {
    if (running) return running;
    const out: Record<string, HealthState> = {};
    running = Promise.all([...byProvider].map(([p, list]) => checkProvider(p, list, out)))
      .then(() => out)
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  return {
    start() {
      if (timer) return;
      void checkNow();
      timer = setInterval(() => void checkNow(), opts.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    checkNow,
  };
}
