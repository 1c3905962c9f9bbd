/**
 * Production wiring: builds every feature service from config (store, router, guard, meter,
 * auth, metrics). `meridian serve`, the benches and the integration tests all start here.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { checkMasterKey } from '../config/master-key.js';
import type { MeridianConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { aggregateViaPrimary, shareWorkerMetrics } from '../observability/cluster-metrics.js';
import { createMetrics } from '../observability/metrics.js';
import { createTelemetry } from '../observability/telemetry.js';
import type { RouteTable } from '../server/app.js';
import { createResponseCache, type ResponseCache } from '../cache/index.js';
import { sharedStoreParts } from '../store/cluster/shared-store.js';
import { createStore } from '../store/index.js';
import type { PostgresStore } from '../store/postgres/postgres-store.js';
import type { Store } from '../store/types.js';
import type { StoreOptions } from '../store/options.js';
import type { IpcPeer } from '../util/ipc-peer.js';
import { adminRoutes } from './admin-routes.js';
import { createAuth } from './auth.js';
import { uiRoutes } from './ui-routes.js';
import type { GatewayServices } from './services.js';

export interface BuiltServices {
  overrides: Partial<GatewayServices>;
  routes?: (g: GatewayServices) => RouteTable;
}

export interface BuildOptions {
  /** The address the server will bind: off loopback, auth must be on or explicitly `none`. */
  host?: string;
  env?: NodeJS.ProcessEnv;
  storeOptions?: StoreOptions;
  /**
   * Set in a `serve --workers N` worker: the channel to the primary, which owns the embedded
   * store's counters and log writer and aggregates /metrics (docs/performance.md, "All the cores").
   */
  primary?: IpcPeer;
}

export async function buildServices(config: MeridianConfig, logger: Logger, opts: BuildOptions = {}): Promise<BuiltServices> {
  const env = opts.env ?? process.env;
  const shared = opts.primary && !config.store.postgres ? sharedStoreParts(opts.primary) : undefined;
  const store = await createStore(config.store, {
    ...opts.storeOptions,
    ...(shared ? { cluster: shared } : {}),
    onError: (err, context) => logger.error({ err: (err as Error)?.message, context }, 'store background error'),
  });
  try {
    const auth = await createAuth(store, { mode: config.auth.mode });
    const host = opts.host ?? config.server.host;
    if (!isLoopback(host) && config.auth.mode !== 'none' && !auth.enabled()) {
      throw new ConfigError(
        `Refusing to listen on ${host} with no API keys: anyone could use your providers. Create a key (meridian keys create --tenant NAME), ` +
          `set auth.mode: required, or set auth.mode: none explicitly.`,
      );
    }
    const metrics = createMetrics(opts.primary ? { exposition: aggregateViaPrimary(opts.primary) } : {});
    if (opts.primary) shareWorkerMetrics(opts.primary, metrics.registry);
    metrics.watchStore(() => store.stats());
    const telemetry = config.telemetry.enabled ? await createTelemetry(config.telemetry, logger) : undefined;
    const masterKey = readMasterKey(config, env);
    const dashboard = uiRoutes(); // reads web/ once, now
    const cache = buildCache(config, store, opts.storeOptions, logger);
    return {
      // Guard and budgets depend on the config: they are rebuilt with it (reload.ts), not fixed here.
      overrides: { store, auth, metrics, cache, ...(telemetry ? { telemetry } : {}) },
      routes: () => new Map([...adminRoutes({ store, auth, metrics, masterKey }), ...dashboard]),
    };
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}

/** The response cache: in Redis when the store is scaled out (and `cache.backend` is not `memory`). */
function buildCache(config: MeridianConfig, store: Store, storeOptions: StoreOptions | undefined, logger: Logger): ResponseCache {
  const redis = store.kind === 'postgres' ? (store as PostgresStore).redis : undefined;
  let lastReport = -Infinity;
  return createResponseCache(config.cache, {
    ...(redis ? { redis } : {}),
    redisPrefix: storeOptions?.redisPrefix ?? config.store.redisPrefix ?? 'meridian:',
    onError: (err, context) => {
      // Throttled: while Redis is down every request would report it; each one is a miss, not a failure.
      if (performance.now() - lastReport < 10_000) return;
      lastReport = performance.now();
      logger.warn({ err: (err as Error)?.message, context }, 'response cache unavailable; requests go upstream');
    },
  });
}

function readMasterKey(config: MeridianConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (env.MERIDIAN_MASTER_KEY) return checkMasterKey(env.MERIDIAN_MASTER_KEY, 'MERIDIAN_MASTER_KEY');
  if (config.auth.masterKeyFile) {
    let text: string;
    try {
      text = readFileSync(config.auth.masterKeyFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`auth.masterKeyFile: cannot read '${config.auth.masterKeyFile}' (${(err as NodeJS.ErrnoException).code}).`);
    }
    return checkMasterKey(text.split('\n')[0]!.trim() || undefined, `auth.masterKeyFile '${config.auth.masterKeyFile}'`);
  }
  return config.auth.masterKey;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}
