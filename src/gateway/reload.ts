/**
 * Config reload without a restart (SIGHUP or `POST /admin/reload`): providers, models, policies,
 * router settings, guard, pricing and budgets are rebuilt from the new config and swapped in as
 * a whole, so a request sees either the old set or the new one. What a running process cannot
 * change (listen address, store, auth mode) is reported as needing a restart.
 */
import type { MeridianConfig } from '../config/schema.js';
import { createGuard } from '../guard/index.js';
import { createBudgets } from '../meter/index.js';
import type { ProviderHandle } from '../providers/spec.js';
import { createRouter } from '../router/index.js';
import { Catalog } from './catalog.js';
import { catalogLookup, createMeterService } from './meter-service.js';
import type { GatewayServices } from './services.js';

export interface ReloadReport {
  /** Top-level config sections whose value changed. */
  changed: string[];
  /** Changed sections that only take effect after a restart. */
  needsRestart: string[];
}

const RESTART_ONLY = ['server.port', 'server.host', 'store', 'auth'] as const;

/** Builds the new services first (a bad config throws and nothing changes), then swaps them in. */
export function swapConfig(services: GatewayServices, next: MeridianConfig): { report: ReloadReport; retired: ProviderHandle[] } {
  const prev = services.config;
  const catalog = new Catalog(next, catalogLookup);
  const meter = createMeterService(next);
  const fresh: Partial<GatewayServices> = {
    config: next,
    catalog,
    router: createRouter({ router: next.router, policies: next.policies }, { priceOf: (d) => meter.priceOf(d) }),
    meter,
  };
  if (services.guard) fresh.guard = createGuard(next.guard);
  if (services.budgets && services.store) fresh.budgets = createBudgets(next.budgets, services.store.spend);
  const retired = [...services.catalog.providers.values()];
  Object.assign(services, fresh);
  services.logger.level = next.log.level;

  const changed = Object.keys({ ...prev, ...next }).filter(
    (k) => json(prev[k as keyof MeridianConfig]) !== json(next[k as keyof MeridianConfig]),
  );
  const needsRestart = RESTART_ONLY.filter((path) => json(pick(prev, path)) !== json(pick(next, path)));
  return { report: { changed, needsRestart }, retired };
}

function pick(config: MeridianConfig, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], config);
}

function json(v: unknown): string {
  return JSON.stringify(v) ?? 'undefined';
}
