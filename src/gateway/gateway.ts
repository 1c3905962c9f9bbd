/**
 * Builds a running gateway from a validated config: catalog, router, services, HTTP server.
 * Everything here happens once at start; the hot path only reads what it built.
 */
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { MeridianConfig } from '../config/schema.js';
import { createApp, type AppServer, type RouteTable } from '../server/app.js';
import { createHealthMonitor, createRouter, type HealthState } from '../router/index.js';
import { createMeterService, catalogLookup } from './meter-service.js';
import { Catalog } from './catalog.js';
import { swapConfig, type ReloadReport } from './reload.js';
import { coreRoutes } from './routes.js';
import type { GatewayServices } from './services.js';

export interface GatewayOptions {
  logger?: Logger;
  /** Services to use instead of the defaults built from config (tests, embedding). */
  overrides?: Partial<GatewayServices>;
  /** Extra routes (admin API, metrics…). */
  routes?: (g: GatewayServices) => RouteTable;
}

export interface Gateway {
  services: GatewayServices;
  server: AppServer;
  /** Starts listening; resolves with the bound URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, waits for in-flight requests (up to `graceMs`), flushes the log, closes the store. */
  close(graceMs?: number): Promise<void>;
  /** Fetches the model lists of all providers (for /v1/models); failures are logged, not fatal. */
  refreshModels(): Promise<void>;
  /** Probes the local engines now (health, loaded models, queue depth) and feeds the router; {} when health checks are off. */
  checkHealth(): Promise<Record<string, HealthState>>;
  /**
   * Swaps in a new config (providers, models, policies, guard, pricing, budgets); writes an
   * audit entry for `actor`. Throws, changing nothing, when the new config cannot be built.
   */
  reload(next: MeridianConfig, actor: string): Promise<ReloadReport>;
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['apiKey', '*.apiKey', 'authorization', '*.authorization', 'headers.authorization', 'headers["x-api-key"]', 'masterKey'],
      censor: '***',
    },
  });
}

export function createGateway(config: MeridianConfig, opts: GatewayOptions = {}): Gateway {
  const logger = opts.logger ?? createLogger(config.log.level);
  const catalog = opts.overrides?.catalog ?? new Catalog(config, catalogLookup);
  const meter = opts.overrides?.meter ?? createMeterService(config);
  const services: GatewayServices = {
    config,
    catalog,
    router: createRouter({ router: config.router, policies: config.policies }, { priceOf: (d) => meter.priceOf(d) }),
    logger,
    meter,
    ...opts.overrides,
  };
  // Metric labels come only from configured names; the services object is read at each scrape, so reloads are seen.
  const labelNames = (g: GatewayServices) =>
    g.metrics?.setKnownNames(
      g.catalog.aliasNames(),
      g.catalog.allDeployments().map((d) => d.id),
    );
  labelNames(services);
  services.metrics?.watchBreakers(() => {
    // The Router contract has no breakerState (RouterInstance does); a router given as an override may lack it.
    const router = services.router as { breakerState?: (id: string) => 'closed' | 'half-open' | 'open' };
    const state = router.breakerState?.bind(router);
    return state ? services.catalog.allDeployments().map((d) => [d.id, state(d.id)] as const) : [];
  });
  let ready = false;
  let draining = false;
  const routes = coreRoutes({ ready: () => ready && !draining });
  if (opts.routes) for (const [k, v] of opts.routes(services)) routes.set(k, v);
  const server = createApp(services, { routes, isDraining: () => draining });
  const engineErrorsLogged = new Set<string>();
  const watchHealth = (g: GatewayServices) =>
    g.config.router.healthIntervalMs > 0
      ? createHealthMonitor(g.catalog.allDeployments(), {
          intervalMs: g.config.router.healthIntervalMs,
          router: g.router,
          engineState: async (p, signal) => (p.adapter.engineState ? p.adapter.engineState(p, signal) : undefined),
          onEngineError: (p, err) => {
            // Once per provider: an engine that does not expose its load is not worth a warning every interval.
            if (engineErrorsLogged.has(p.id)) return;
            engineErrorsLogged.add(p.id);
            logger.warn({ provider: p.id, err: (err as Error).message }, 'could not read engine state (queue depth, loaded models)');
          },
        })
      : undefined;
  let health = watchHealth(services);

  return {
    services,
    server,
    async listen(port = config.server.port, host = config.server.host) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      ready = true;
      health?.start();
      const addr = server.address() as AddressInfo;
      const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      return `http://${h}:${addr.port}`;
    },
    async close(graceMs = 10_000) {
      draining = true;
      health?.stop();
      // Stop listening (idle keep-alive sockets close now; requests arriving on busy ones get 503).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Wait for handlers, not sockets: a handler settles budgets and appends to the request log
      // after its response (or stream) has ended. Past the grace period, cutting the connections
      // aborts the upstream calls, and the aborted handlers still log their requests.
      if (!(await within(server.idle(), graceMs))) {
        server.closeAllConnections();
        await within(server.idle(), 5_000);
      }
      // Keep-alive sockets stay open after their last response; no handler runs on them any more.
      server.closeIdleConnections();
      if (!(await within(closed, 1_000))) server.closeAllConnections();
      await closed;
      await services.store?.close();
      for (const p of services.catalog.providers.values()) await p.http.close().catch(() => undefined);
    },
    async reload(next, actor) {
      const { report, retired } = swapConfig(services, next);
      labelNames(services);
      health?.stop();
      health = watchHealth(services);
      if (ready) health?.start();
      // undici's close() lets the requests still running on the old pools finish first.
      for (const p of retired) void p.http.close().catch(() => undefined);
      await services.store?.audit.append({ time: new Date().toISOString(), actor, action: 'config.reloaded', details: { ...report } });
      logger.info({ actor, ...report }, 'config reloaded');
      void this.refreshModels();
      return report;
    },
    checkHealth() {
      return health ? health.checkNow() : Promise.resolve({});
    },
    async refreshModels() {
      const catalog = services.catalog;
      await Promise.all([
        ...[...catalog.providers.values()].map(async (p) => {
          if (!p.adapter.listModels) return;
          try {
            catalog.setDiscovered(p.id, await p.adapter.listModels(p, AbortSignal.timeout(3000)));
          } catch (err) {
            logger.warn({ provider: p.id, err: (err as Error).message }, 'could not list models');
          }
        }),
        // Local engines say what their models can do (context window, tools, vision).
        ...catalog.allDeployments().map(async (d) => {
          const adapter = d.provider.adapter;
          if (!adapter.modelCapabilities) return;
          try {
            catalog.applyEngineCapabilities(
              d.provider.id,
              d.model,
              await adapter.modelCapabilities(d.provider, d.model, AbortSignal.timeout(3000)),
            );
          } catch (err) {
            logger.debug({ deployment: d.id, err: (err as Error).message }, 'engine did not describe the model');
          }
        }),
      ]);
    },
  };
}

/** Resolves true when `p` settles within `ms`, false otherwise (never rejects). */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    p.then(
      () => (clearTimeout(timer), resolve(true)),
      () => (clearTimeout(timer), resolve(true)),
    );
  });
}
