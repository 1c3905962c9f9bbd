/**
 * `meridian serve --workers N` (N > 1): this process is the primary of a node:cluster. It serves
 * no HTTP itself; it opens the store first (migrations run once, here, before any worker starts),
 * forks N workers that each run the ordinary gateway on the one port, and owns what must have a
 * single owner with the embedded store: rate-limit and budget counters and the request-log writer
 * (../store/cluster/shared-store.ts), plus the /metrics aggregate (../observability/cluster-metrics.ts).
 *
 * - SIGHUP is relayed to every worker (each reloads its config as a single process does); a
 *   `POST /admin/reload` that one worker ran is relayed to the others the same way.
 * - SIGTERM/SIGINT drain every worker (in-flight requests finish), then the primary flushes the
 *   request log, closes the store and exits 0.
 * - A worker that exits unexpectedly is logged and restarted, with a backoff that doubles while
 *   restarted workers keep failing soon after start. A worker that fails before the cluster was
 *   ever up (port taken, config the workers reject) stops the whole start: restarting would fail alike.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { MeridianConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { aggregateMetrics } from '../observability/cluster-metrics.js';
import { createMetrics } from '../observability/metrics.js';
import { describeLogError, serveSharedStore } from '../store/cluster/shared-store.js';
import { createStore } from '../store/index.js';
import type { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { IpcPeer, type IpcChannel } from '../util/ipc-peer.js';

const RESTART_BASE_MS = 250;
const RESTART_MAX_MS = 30_000;
/** A worker that ran this long before exiting resets the backoff: it was not crash-looping. */
const STABLE_MS = 30_000;
/** Workers drain within their own grace (10 s, then 5 s forced); this bounds a stuck one. */
const STOP_TIMEOUT_MS = 30_000;

export interface PrimaryOptions {
  config: MeridianConfig;
  workers: number;
  logger: Logger;
  /** Printed once every worker listens (the demo's hints), beside the log. */
  onListening?: (url: string) => void;
}

export async function servePrimary(opts: PrimaryOptions): Promise<void> {
  const { config, logger, workers: count } = opts;
  if (!config.store.postgres && config.store.sqlite === ':memory:') {
    throw new ConfigError(
      'serve --workers needs the store in a file: with store.sqlite ":memory:" every worker would have a database of its own. ' +
        'Set store.sqlite to a path (e.g. ".meridian/meridian.db") or run one worker.',
    );
  }
  let stopping = false;
  const live = new Map<Worker, IpcPeer>();
  // Installed before anything starts: a signal with no handler would kill the primary and orphan workers.
  process.on('SIGHUP', () => {
    const n = live.size;
    for (const w of live.keys()) w.process.kill('SIGHUP');
    logger.info({ workers: n }, 'SIGHUP relayed to every worker');
  });
  const stopSignals: string[] = [];
  // Set once the store is open; a signal before that waits for it.
  const control: { stop?: (signal: string) => void } = {};
  const onStop = (signal: string) => (control.stop ? control.stop(signal) : stopSignals.push(signal));
  process.on('SIGTERM', () => onStop('SIGTERM'));
  process.on('SIGINT', () => onStop('SIGINT'));

  const store = await createStore(config.store, {
    onError: (err, context) => logger.error({ err: (err as Error)?.message, context }, 'store background error'),
  });
  const sqlite = store.kind === 'sqlite' ? (store as SqliteStore) : undefined;
  // The primary's own registry adds the request-log writer's gauges (its writer is the one that writes).
  const own = createMetrics();
  own.watchStore(() => store.stats());
  cluster.setupPrimary({ serialization: 'advanced' });

  const broadcast = (channel: string, message: string) => {
    for (const peer of live.values()) peer.notify('events.deliver', channel, message);
  };
  let up = false;
  let crashStreak = 0;
  const exited: Array<() => void> = [];
  const listening = new Set<Worker>();
  let failStart: ((err: Error) => void) | undefined;
  const started = new Promise<string>((resolve, reject) => {
    failStart = reject;
    cluster.on('listening', (worker, address) => {
      listening.add(worker);
      if (up || listening.size < count) return;
      up = true;
      const h = address.addressType === 6 ? `[${address.address}]` : (address.address ?? config.server.host);
      resolve(`http://${h}:${address.port}`);
    });
  });

  const fork = () => {
    const worker = cluster.fork();
    const peer = new IpcPeer(worker as unknown as IpcChannel, sqlite ? describeLogError(sqlite.logSink) : undefined);
    if (sqlite) serveSharedStore(peer, { counters: store.counters, spend: store.spend, logSink: sqlite.logSink }, broadcast);
    peer.handle('metrics.aggregate', () => aggregateMetrics(live.values(), own.registry));
    peer.handle('reload.others', () => {
      for (const w of live.keys()) if (w !== worker) w.process.kill('SIGHUP');
      logger.info({ from: worker.id, workers: live.size - 1 }, 'admin-API reload relayed to the other workers');
    });
    live.set(worker, peer);
    const bornAt = performance.now();
    worker.once('exit', (code, signal) => {
      live.delete(worker);
      listening.delete(worker);
      peer.close();
      for (const wake of exited.splice(0)) wake();
      if (stopping) return;
      if (!up) {
        failStart?.(new ConfigError(`worker ${worker.id} exited during start-up (${signal ?? `code ${code}`}); its log above says why.`));
        return;
      }
      crashStreak = performance.now() - bornAt >= STABLE_MS ? 1 : crashStreak + 1;
      const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (crashStreak - 1));
      logger.error(
        { worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: delay },
        'worker exited unexpectedly; restarting it',
      );
      setTimeout(() => {
        if (!stopping) fork();
      }, delay).unref();
    });
  };

  const allExited = () =>
    new Promise<void>((resolve) => {
      const check = () => (live.size === 0 ? resolve() : exited.push(check));
      check();
    });
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: live.size }, 'draining workers');
    for (const w of live.keys()) w.process.kill('SIGTERM');
    void (async () => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        allExited().then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), STOP_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        logger.error({ workers: live.size }, 'workers still running after the drain timeout; killing them');
        for (const w of live.keys()) w.process.kill('SIGKILL');
        await allExited();
      }
      // Every worker has handed over its last log rows (each flushes before it exits): write them.
      await store.close().catch((err: unknown) => logger.error({ err: (err as Error)?.message }, 'store close failed'));
      logger.info('stopped');
      process.exit(timedOut ? 1 : 0);
    })();
  };
  control.stop = stop;

  const pendingStop = stopSignals[0];
  if (pendingStop) {
    stop(pendingStop);
    return;
  }
  for (let i = 0; i < count; i++) fork();
  let url: string;
  try {
    url = await started;
  } catch (err) {
    stopping = true;
    for (const w of live.keys()) w.process.kill('SIGTERM');
    await allExited();
    await store.close().catch(() => undefined);
    throw err;
  }
  logger.info({ url, workers: count, store: store.kind }, 'meridian cluster listening');
  opts.onListening?.(url);
}
