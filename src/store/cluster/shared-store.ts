/**
 * The embedded store across `serve --workers N` (docs/performance.md, "All the cores"). The
 * primary process opens the SQLite store (running migrations once, before any worker starts) and
 * owns what must have one owner: the rate-limit and budget counters (in its memory, spend saved
 * to SQLite as before) and the request-log writer. A worker opens the same file for everything
 * else (keys, prompts, audit, queries; WAL lets several processes read and write it) and reaches
 * the primary's parts over IPC:
 * - counters and spend: each operation runs in the primary, where it is atomic as in one process,
 *   so limits and budgets are exact across workers;
 * - request log: the worker's writer batches rows as usual and hands each batch to the primary's
 *   log sink (one writer thread, one connection); retention runs only in the primary;
 * - events: a message published by one worker reaches every worker (the prompt registry's cache).
 */
import { StoreUnavailableError } from '../../errors.js';
import { IpcCallError, type IpcPeer } from '../../util/ipc-peer.js';
import type { LogRow } from '../log-rows.js';
import type { DeadLetter, RequestLogSink } from '../log-writer.js';
import type { ConsumeResult, Counters, Store } from '../types.js';

/** What a worker's store uses instead of its own counters, log writer and events (StoreOptions.cluster). */
export interface SharedStoreParts {
  counters: Counters;
  spend: Counters;
  logSink: RequestLogSink;
  events: NonNullable<Store['events']>;
}

type CounterSet = 'counters' | 'spend';

/** The worker's side: every part calls the primary. */
export function sharedStoreParts(primary: IpcPeer): SharedStoreParts {
  const subscribers = new Map<string, Set<(message: string) => void>>();
  primary.handle('events.deliver', (channel: string, message: string) => {
    for (const h of subscribers.get(channel) ?? []) h(message);
  });
  return {
    counters: ipcCounters(primary, 'counters'),
    spend: ipcCounters(primary, 'spend'),
    logSink: {
      insertRows: async (rows) => void (await primary.call('log.insertRows', rows)),
      insertDeadLetters: async (letters) => void (await primary.call('log.insertDeadLetters', letters)),
      // Retention is the primary's (its own writer runs it); a worker's writer never asks.
      deleteOlderThan: async () => 0,
      isRowError: (err) => err instanceof IpcCallError && (err.detail as { rowError?: unknown } | undefined)?.rowError === true,
    },
    events: {
      publish: async (channel, message) => void (await primary.call('events.publish', channel, message)),
      subscribe: async (channel, handler) => {
        let set = subscribers.get(channel);
        if (!set) subscribers.set(channel, (set = new Set()));
        set.add(handler);
        return () => void set.delete(handler);
      },
    },
  };
}

function ipcCounters(primary: IpcPeer, set: CounterSet): Counters {
  // A primary that is gone is a store outage for this worker: 503 store_unavailable, as with Redis down.
  const call = async <T>(op: string, ...args: unknown[]): Promise<T> => {
    try {
      return (await primary.call(`${set}.${op}`, ...args)) as T;
    } catch (err) {
      throw new StoreUnavailableError(undefined, err);
    }
  };
  return {
    consume: (key, amount, limit, windowSeconds) => call<ConsumeResult>('consume', key, amount, limit, windowSeconds),
    add: (key, amount, ttlSeconds) => call<number>('add', key, amount, ttlSeconds),
    get: (key) => call<number>('get', key),
  };
}

/** The primary's side: what one worker may call, run against the primary's own store. */
export function serveSharedStore(
  worker: IpcPeer,
  store: { counters: Counters; spend: Counters; logSink: RequestLogSink },
  broadcast: (channel: string, message: string) => void,
): void {
  for (const set of ['counters', 'spend'] as const) {
    const c = store[set];
    worker
      .handle(`${set}.consume`, (key: string, amount: number, limit: number, windowSeconds: number) =>
        c.consume(key, amount, limit, windowSeconds),
      )
      .handle(`${set}.add`, (key: string, amount: number, ttlSeconds: number) => c.add(key, amount, ttlSeconds))
      .handle(`${set}.get`, (key: string) => c.get(key));
  }
  worker
    .handle('log.insertRows', (rows: LogRow[]) => store.logSink.insertRows(rows))
    .handle('log.insertDeadLetters', (letters: DeadLetter[]) => store.logSink.insertDeadLetters(letters))
    .handle('events.publish', (channel: string, message: string) => broadcast(channel, message));
}

/** The detail a primary's failed log call carries back, so the worker's writer can isolate a refused row. */
export function describeLogError(sink: RequestLogSink): (err: unknown) => unknown {
  return (err) => ({ rowError: sink.isRowError(err) });
}
