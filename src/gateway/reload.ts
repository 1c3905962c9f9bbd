/**
 * The services one config builds (catalog, meter, router, guard, budgets), made by one function
 * used at start and on reload (SIGHUP or `POST /admin/reload`). A reload builds a whole new set
 * first (a bad config throws and nothing changes), then the gateway swaps generations. What a
 * running process cannot change (listen address, store, auth mode) is reported as needing a restart.
 */
import type { Logger } from 'pino';
import type { MeridianConfig } from '../config/schema.js';
import { createGuard } from '../guard/index.js';
import { createBudgets } from '../meter/budgets.js';
import { createRouter } from '../router/index.js';
import type { Store } from '../store/types.js';
import { Catalog } from './catalog.js';
import { checkGuardBackendModels, guardCompletion } from './guard-completion.js';
import { catalogLookup, createMeterService } from './meter-service.js';
import type { ConfigServices } from './services.js';

export interface ReloadReport {
  /** Top-level config sections whose value changed. */
  changed: string[];
  /** Changed sections that only take effect after a restart. */
  needsRestart: string[];
}

/** The listening socket, its timeouts and checks, the store and auth are built once per process. */
const RESTART_ONLY = [
  'server.port',
  'server.host',
  'server.workers',
  'server.headersTimeoutMs',
  'server.requestTimeoutMs',
  'server.keepAliveTimeoutMs',
  'server.maxConnections',
  'server.allowedHosts',
  'server.cors',
  'store',
  'auth',
  'telemetry',
] as const;

/** Builds every config-dependent service; `overrides` (tests, embedding) replace the built ones. */
export function buildConfigServices(
  config: MeridianConfig,
  deps: { store?: Store | undefined; logger?: Logger | undefined; overrides?: Partial<ConfigServices> | undefined },
): ConfigServices {
  const o = deps.overrides ?? {};
  const catalog = o.catalog ?? new Catalog(config, catalogLookup);
  const meter = o.meter ?? createMeterService(config, deps.logger ? { logger: deps.logger } : {});
  const router = o.router ?? createRouter({ router: config.router, policies: config.policies }, { priceOf: (d) => meter.priceOf(d) });
  checkGuardBackendModels(config, catalog);
  const guard = 'guard' in o ? o.guard : createGuard(config.guard, { complete: guardCompletion({ catalog, router }) });
  const budgets = o.budgets ?? (deps.store ? createBudgets(config.budgets, deps.store.spend) : undefined);
  return { config, catalog, meter, router, ...(guard ? { guard } : {}), ...(budgets ? { budgets } : {}) };
}

/** What changed between two configs, and which of the changes need a restart. */
export function diffConfig(prev: MeridianConfig, next: MeridianConfig): ReloadReport {
  const changed = Object.keys({ ...prev, ...next }).filter(
    (k) => json(prev[k as keyof MeridianConfig]) !== json(next[k as keyof MeridianConfig]),
  );
  const needsRestart = RESTART_ONLY.filter((path) => json(pick(prev, path)) !== json(pick(next, path)));
  return { changed, needsRestart };
}

function pick(config: MeridianConfig, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], config);
}

function json(v: unknown): string {
  return JSON.stringify(v) ?? 'undefined';
}
