/**
 * Builds a running gateway from a validated config: catalog, router, services, HTTP server.
 * Everything here happens once at start; the hot path only reads what it built.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { MeridianConfig } from '../config/schema.js';
import { createApp, type AppServer, type RouteTable } from '../server/app.js';
import { createHealthMonitor, type HealthState } from '../router/index.js';
import { buildConfigServices, diffConfig, type ReloadReport } from './reload.js';
import { coreRoutes } from './routes.js';
import type { ConfigServices, GatewayServices, ProcessServices } from './services.js';

export interface GatewayOptions {
  logger?: Logger;
  /** Services to use instead of the defaults built from config (tests, embedding). */
  overrides?: Partial<ProcessServices & ConfigServices>;
  /** Extra routes (admin API, metrics…). */
  routes?: (g: GatewayServices) => RouteTable;
  /**
   * Where a reload reads the config from (`meridian serve` re-reads its file). Without it,
   * `POST /admin/reload` answers 409 and SIGHUP does nothing.
   */
  configSource?: () => MeridianConfig | Promise<MeridianConfig>;
  /** Told after each successful reload, with its actor (a cluster worker passes an admin-API reload on to the others). */
  onReloaded?: (actor: string) => void;
}

export interface Gateway {
  /** The current generation of services (a request keeps the one it started with). */
  readonly services: GatewayServices;
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

/** One generation of services and the requests still using it; its pools close after the last one. */
interface Generation {
  services: GatewayServices;
  active: number;
  retired: boolean;
}

/**
 * JSON lines by default; `pretty` (the default on a terminal, `log.format: auto`) renders them for
 * people with pino-pretty, synchronously so nothing is lost on exit. Redaction applies to both.
 */
export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  const options = {
    level,
    redact: {
      // prettier-ignore
      paths: [
        'apiKey', '*.apiKey', 'authorization', '*.authorization', 'headers.authorization', 'headers["x-api-key"]', 'masterKey',
        // Private-cloud credentials (azure-openai, vertex): the Azure key header, Entra client secret, service-account key.
        'headers["api-key"]', 'clientSecret', '*.clientSecret', 'options.clientSecret', '*.options.clientSecret',
        'options.credentials', '*.options.credentials', 'private_key', '*.private_key',
      ],
      censor: '***',
    },
  };
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  if (!pretty) return pino(options);
  const require = createRequire(import.meta.url);
  const prettyStream = require('pino-pretty') as (o: Record<string, unknown>) => NodeJS.WritableStream;
  return pino(
    options,
    prettyStream({ sync: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
  );
}

export type LogFormat = 'auto' | 'json' | 'pretty';

export function createGateway(config: MeridianConfig, opts: GatewayOptions = {}): Gateway {
  const logger = opts.logger ?? opts.overrides?.logger ?? createLogger(config.log.level, config.log.format);
  const o = opts.overrides ?? {};
  let reloading: Promise<unknown> = Promise.resolve();
  const base: ProcessServices = {
    logger,
    ...(o.store ? { store: o.store } : {}),
    ...(o.auth ? { auth: o.auth } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.telemetry ? { telemetry: o.telemetry } : {}),
    ...(o.cache ? { cache: o.cache } : {}),
    ...(opts.configSource
      ? {
          reloadConfig: (actor: string) => {
            // One reload at a time; a failed read or build rejects and leaves the running config in place.
            const run = reloading.then(async () => {
              const report = await gateway.reload(await opts.configSource!(), actor);
              opts.onReloaded?.(actor);
              return report;
            });
            reloading = run.catch(() => undefined);
            return run;
          },
        }
      : {}),
  };
  const generationOf = (cfg: MeridianConfig): Generation => ({
    services: Object.freeze({ ...base, ...buildConfigServices(cfg, { store: base.store, logger, overrides: o }) }),
    active: 0,
    retired: false,
  });
  let current = generationOf(config);
  // Metric labels come only from configured names (others are `_other`), renewed on every reload.
  const labelNames = (g: GatewayServices) =>
    g.metrics?.setKnownNames(
      g.catalog.aliasNames(),
      g.catalog.allDeployments().map((d) => d.id),
    );
  labelNames(current.services);
  base.metrics?.watchBreakers(() => {
    // The Router contract has no breakerState (RouterInstance does); a router given as an override may lack it.
    const { router, catalog } = current.services;
    const state = (router as { breakerState?: (id: string) => 'closed' | 'half-open' | 'open' }).breakerState?.bind(router);
    return state ? catalog.allDeployments().map((d) => [d.id, state(d.id)] as const) : [];
  });
  let ready = false;
  let draining = false;
  const routes = coreRoutes({ ready: () => ready && !draining });
  if (opts.routes) for (const [k, v] of opts.routes(current.services)) routes.set(k, v);

  const retire = (gen: Generation) => {
    // undici's close() lets requests still running on a pool finish first; nothing new starts on it.
    for (const p of gen.services.catalog.providers.values()) void p.http.close().catch(() => undefined);
  };
  const lease = () => {
    const gen = current;
    gen.active++;
    return {
      services: gen.services,
      release: () => {
        if (--gen.active === 0 && gen.retired) retire(gen);
      },
    };
  };
  const server = createApp(lease, { routes, isDraining: () => draining });
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
  let health = watchHealth(current.services);

  const gateway: Gateway = {
    get services() {
      return current.services;
    },
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
      await base.store?.close();
      await base.telemetry?.shutdown();
      for (const p of current.services.catalog.providers.values()) await p.http.close().catch(() => undefined);
    },
    async reload(next, actor) {
      const prev = current;
      const fresh = generationOf(next); // throws on a config that cannot be built: nothing changes
      const report = diffConfig(prev.services.config, next);
      current = fresh;
      prev.retired = true;
      if (prev.active === 0) retire(prev);
      logger.level = next.log.level;
      labelNames(fresh.services);
      health?.stop();
      health = watchHealth(fresh.services);
      if (ready) health?.start();
      await base.store?.audit.append({ time: new Date().toISOString(), actor, action: 'config.reloaded', details: { ...report } });
      logger.info({ actor, ...report }, 'config reloaded');
      void gateway.refreshModels();
      return report;
    },
    checkHealth() {
      return health ? health.checkNow() : Promise.resolve({});
    },
    async refreshModels() {
      const catalog = current.services.catalog;
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
  return gateway;
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
