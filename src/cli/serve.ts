/**
 * `meridian serve`: load config (or discover), build the gateway, listen, drain on SIGTERM. With
 * `--workers N` (N > 1) this process becomes a cluster primary (./cluster-primary.ts) and each
 * worker it forks runs this same function as a worker of that cluster.
 */
import cluster from 'node:cluster';
import type { Command } from 'commander';
import { discoverProviders, type DiscoveredProvider } from '../config/discover.js';
import { loadConfig, parseConfig } from '../config/load.js';
import type { MeridianConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { buildServices } from '../gateway/build.js';
import { createGateway, createLogger } from '../gateway/gateway.js';
import { demoConfig, demoHints } from './demo.js';
import { applyHeapTuning, capYoungGeneration, releaseYoungGeneration } from './heap-tuning.js';
import { IpcPeer, type IpcChannel } from '../util/ipc-peer.js';
import { servePrimary } from './cluster-primary.js';
import { warmConfigured } from './models.js';
import { workerCount } from './workers.js';

export interface ServeOptions {
  config?: string;
  port?: string;
  host?: string;
  demo?: boolean;
  logFormat?: string;
  workers?: string;
}

const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

/** The config file (or the demo's config), with `--log-format` applied. */
function startupConfig(opts: ServeOptions): { config: MeridianConfig; file: string | undefined } {
  if (opts.logFormat !== undefined && !(LOG_FORMATS as readonly string[]).includes(opts.logFormat)) {
    throw new ConfigError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, got '${opts.logFormat}'.`);
  }
  if (opts.demo && opts.config) throw new ConfigError('--demo runs its own config: leave out --config.');
  const loaded = opts.demo ? { config: parseConfig(demoConfig(), process.env), file: undefined } : loadConfig(opts.config);
  const format = opts.logFormat as (typeof LOG_FORMATS)[number] | undefined;
  return format ? { ...loaded, config: { ...loaded.config, log: { ...loaded.config.log, format } } } : loaded;
}

/**
 * Adds discovered providers to a config that names none, and a `chat-default` alias (local
 * engines first, then cloud) when the config defines no aliases.
 */
export async function withDiscovery(
  config: MeridianConfig,
  file: string | undefined,
  discover: () => Promise<DiscoveredProvider[]> = () => discoverProviders(),
): Promise<{ config: MeridianConfig; discovered: string[] }> {
  const wanted = config.discover ?? (file === undefined || config.providers.length === 0);
  if (!wanted) return { config, discovered: [] };
  const found = (await discover()).filter((f) => !config.providers.some((p) => p.id === f.provider.id));
  if (found.length === 0) return { config, discovered: [] };
  const raw = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  raw.providers = [...config.providers, ...found.map((f) => f.provider)];
  if (Object.keys(config.models).length === 0) {
    const chain = found.filter((f) => f.defaultModel).map((f) => ({ provider: f.provider.id, model: f.defaultModel! }));
    if (chain.length) raw.models = { 'chat-default': chain };
  }
  return {
    config: parseConfig(raw, {}),
    discovered: found.map(
      (f) => `${f.provider.id} (${f.provider.type}, ${f.provider.location}${f.provider.baseUrl ? ` at ${f.provider.baseUrl}` : ''})`,
    ),
  };
}

/** `--port`, else the config's; checked before anything starts. */
function listenPort(opts: ServeOptions, config: MeridianConfig): number {
  const port = opts.port !== undefined ? Number(opts.port) : config.server.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be a port number, got '${opts.port}'.`);
  return port;
}

export async function serve(opts: ServeOptions): Promise<void> {
  applyHeapTuning();
  const loaded = startupConfig(opts);
  const workers = workerCount(opts.workers, loaded.config.server.workers);
  if (workers > 1 && cluster.isPrimary) {
    const logger = createLogger(loaded.config.log.level, loaded.config.log.format);
    listenPort(opts, loaded.config);
    // The primary forwards IPC and serves no request: its start-up is over here.
    releaseYoungGeneration();
    await servePrimary({
      config: loaded.config,
      workers,
      logger,
      ...(opts.demo ? { onListening: (url: string) => process.stderr.write(`\n${demoHints(url)}\n\n`) } : {}),
    });
    return;
  }
  // A cluster worker: the primary owns the embedded store's counters and log writer and the /metrics view.
  const worker = cluster.isWorker ? cluster.worker : undefined;
  const primary = worker ? new IpcPeer(process as unknown as IpcChannel) : undefined;
  // The demo is the same with or without engines around: no discovery.
  const { config, discovered } = opts.demo ? { config: loaded.config, discovered: [] } : await withDiscovery(loaded.config, loaded.file);
  const rootLogger = createLogger(config.log.level, config.log.format);
  const logger = worker ? rootLogger.child({ worker: worker.id }) : rootLogger;
  const port = listenPort(opts, config);
  const host = opts.host ?? config.server.host;

  // Signal handlers go in before anything can tell the outside world we run: a signal with no
  // handler kills the process, and a supervisor may send SIGHUP the moment the log says "listening".
  let reload: (() => void) | undefined;
  process.on('SIGHUP', () => {
    if (reload) reload();
    else if (loaded.file) logger.warn('SIGHUP during start-up: nothing reloaded; send it again once the gateway listens');
    else logger.warn('SIGHUP ignored: the gateway was started without a config file, so there is nothing to reload');
  });

  const built = await buildServices(config, logger, { host, ...(primary ? { primary } : {}) });
  const file = loaded.file;
  const gateway = createGateway(config, {
    logger,
    overrides: built.overrides,
    ...(built.routes ? { routes: built.routes } : {}),
    // A reload re-reads the file; reading or validating it fails as a rejected reload, never a crash.
    ...(file ? { configSource: () => loadConfig(file).config } : {}),
    // With workers, an admin-API reload on this one is relayed by the primary to the others (as SIGHUP).
    ...(primary ? { onReloaded: (actor: string) => actor === 'admin-api' && primary.notify('reload.others') } : {}),
  });
  if (worker) {
    // Which worker answered: for operators and for the tests that prove the load is spread.
    const id = String(worker.id);
    gateway.server.prependListener('request', (_req, res) => res.setHeader('x-meridian-worker', id));
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    await gateway.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  const reloadConfig = gateway.services.reloadConfig;
  if (reloadConfig) {
    reload = () =>
      void reloadConfig('signal:SIGHUP').catch((err: unknown) =>
        logger.error(
          { err: err instanceof Error ? err.message : String(err) },
          'config reload failed; the previous config stays in effect',
        ),
      );
  }

  await gateway.refreshModels();
  const url = await gateway.listen(port, host);
  // Start-up is over: the young generation may grow again (with the first requests), up to its cap.
  releaseYoungGeneration();
  capYoungGeneration();
  const providers = [...gateway.services.catalog.providers.values()].map((p) => `${p.id} (${p.type}, ${p.location})`);
  logger.info(
    { url, config: loaded.file ?? '(defaults)', providers, discovered, aliases: gateway.services.catalog.aliasNames() },
    'meridian listening',
  );
  if (providers.length === 0) {
    logger.warn(
      'no provider found: requests will get 503 until you configure one (meridian init, docs/config.md); `meridian serve --demo` answers with built-in mock models',
    );
  }
  void warmConfigured(gateway.services.catalog, (deployment, err) =>
    err
      ? logger.warn({ deployment, err: err instanceof Error ? err.message : String(err) }, 'could not warm the model (warm: true)')
      : logger.info({ deployment }, 'model warm'),
  );
  // Beside the log, not in it: log lines stay one JSON object each.
  if (opts.demo && !worker) process.stderr.write(`\n${demoHints(url)}\n\n`);
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the gateway (embedded defaults when no config file exists)')
    .option('-c, --config <file>', 'config file (default: ./meridian.yaml if present)')
    .option('-p, --port <port>', 'port to listen on (default 4000)')
    .option('-H, --host <host>', 'address to bind (default 127.0.0.1)')
    .option('--demo', 'answer with built-in mock "local" and "cloud" models and a starter policy (no engine, no key)')
    .option('--log-format <format>', 'auto (readable on a terminal, JSON otherwise), json or pretty')
    .option('--workers <n>', 'worker processes on the one port: a number or "auto" (one per CPU); default 1 (server.workers)')
    .action(async (o: ServeOptions, cmd: Command) => serve({ ...o, config: o.config ?? cmd.parent?.opts<{ config?: string }>().config }));
}
