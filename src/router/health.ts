/**
 * Active health checks for local engines: local engines are watched, not assumed. One liveness
 * probe per provider (default: the adapter's `listModels`), then one engine-state read
 * (`adapter.engineState`: Ollama `/api/ps`, vLLM / llama-server `/metrics`, llama-server `/slots`,
 * LM Studio's model list) that says which models are loaded — a *cold* model (reachable, weights
 * not loaded yet: its first request will be slow, which must not trip a breaker) is told from a
 * warm one — and how many requests wait in the engine's own queue. Results feed
 * `router.setHealth` and `router.setEngineState`.
 */
import type { Deployment, EngineState, Location, ProviderHandle } from '../providers/spec.js';
import type { HealthState, Router } from './types.js';

export interface HealthMonitorOptions {
  intervalMs: number;
  /** Where results go (the router). */
  router: Pick<Router, 'setHealth' | 'setEngineState'>;
  /** Liveness probe per provider; resolves = up, throws = down. Default: `adapter.listModels`. */
  probe?: (provider: ProviderHandle, signal: AbortSignal) => Promise<unknown>;
  /** The engine's own view of its load, or undefined when it says nothing. The gateway passes `adapter.engineState`. */
  engineState?: (provider: ProviderHandle, signal: AbortSignal) => Promise<EngineState | undefined>;
  /** Model names loaded right now, or undefined when the engine does not say (then: warm). Older form of `engineState`. */
  loadedModels?: (provider: ProviderHandle, signal: AbortSignal) => Promise<string[] | undefined>;
  /** Told when reading an up engine's state fails (e.g. llama-server with `--no-slots` and no `--metrics`). */
  onEngineError?: (provider: ProviderHandle, err: unknown) => void;
  /** Per-probe timeout; default min(intervalMs, 5000). */
  timeoutMs?: number;
  /** Which deployments to watch; default local engines only (cloud APIs are judged by breakers). */
  locations?: Location[];
}

export interface HealthMonitor {
  start(): void;
  stop(): void;
  /**
   * Probes every watched provider and reports; returns deployment id → state. A call made while
   * a check is running waits for it and then runs a fresh one, so its result reflects the
   * engines as they are after the call.
   */
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
  let queued: Promise<Record<string, HealthState>> | undefined;

  async function readEngine(provider: ProviderHandle): Promise<EngineState | undefined> {
    let state: EngineState | undefined;
    if (opts.engineState) state = await opts.engineState(provider, AbortSignal.timeout(timeoutMs));
    if (state?.loadedModels === undefined && opts.loadedModels) {
      const names = await opts.loadedModels(provider, AbortSignal.timeout(timeoutMs));
      if (names) state = { ...state, loadedModels: names };
    }
    return state;
  }

  async function checkProvider(provider: ProviderHandle, list: Deployment[], out: Record<string, HealthState>): Promise<void> {
    const probe =
      opts.probe ?? (provider.adapter.listModels ? (p: ProviderHandle, s: AbortSignal) => p.adapter.listModels!(p, s) : undefined);
    if (!probe) return; // nothing to ask: leave it to the breaker
    let up = true;
    try {
      await probe(provider, AbortSignal.timeout(timeoutMs));
    } catch {
      up = false;
    }
    let engine: EngineState | undefined;
    if (up) {
      try {
        engine = await readEngine(provider);
      } catch (err) {
        // The engine answered the liveness probe; not knowing its load is not "down".
        opts.onEngineError?.(provider, err);
      }
    }
    const loaded = engine?.loadedModels ? new Set(engine.loadedModels) : undefined;
    for (const d of list) {
      const state: HealthState = !up ? 'down' : loaded && !loaded.has(d.model) ? 'cold' : 'up';
      out[d.id] = state;
      opts.router.setHealth(d.id, state);
      // A down or silent engine's last report is forgotten: stale queue depth must not hold traffic back.
      opts.router.setEngineState?.(d.id, engine);
    }
  }

  function runCheck(): Promise<Record<string, HealthState>> {
    const out: Record<string, HealthState> = {};
    running = Promise.all([...byProvider].map(([p, list]) => checkProvider(p, list, out)))
      .then(() => out)
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  function checkNow(): Promise<Record<string, HealthState>> {
    if (!running) return runCheck();
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return running ?? runCheck();
      });
    return queued;
  }

  return {
    start() {
      if (timer) return;
      void checkNow();
      // Interval ticks skip while a check is still running (a slow engine must not pile them up).
      timer = setInterval(() => void (running ?? runCheck()), opts.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    checkNow,
  };
}
