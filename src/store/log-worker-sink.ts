/**
 * A request-log sink that hands each batch to a worker thread with a database connection of its
 * own (sqlite/log-worker.ts: same WAL file; postgres/log-worker.ts: same server). The event loop
 * only pays for posting the encoded rows (arrays of primitives: a cheap structured clone);
 * building statements, inserting, committing (and for SQLite checkpointing) happen on the worker.
 * A batch resolves when the worker has committed it, so `RequestLogWriter.flush()` keeps its
 * meaning (everything appended so far is durable).
 *
 * - The worker starts on the first write (a CLI command that never logs never starts one) and is
 *   unref'd while idle, ref'd while a batch is in flight (a process never exits mid-batch).
 * - A worker with nothing to do for `idleStopMs` (default 30 s) stops, and the next write starts
 *   another: a thread with its own V8 heap and SQLite connection holds ~10 MB of RSS, and a
 *   gateway with the request log off only ever needs it for the hourly retention prune. Under any
 *   steady traffic the writer flushes every 250 ms, so the worker stays up.
 * - A worker that dies fails its in-flight batches (the writer retries them; the insert ignores
 *   duplicate ids) and is restarted by the next write.
 * - If the worker cannot start at all (e.g. the code was bundled into one file, so log-worker.js
 *   is missing), the sink falls back to inserting on the main thread and says so once via onError.
 */
import { Worker } from 'node:worker_threads';
import type { LogRow } from './log-rows.js';
import type { DeadLetter, RequestLogSink } from './log-writer.js';
import type { LogWorkerReply, LogWorkerRequest } from './log-worker-protocol.js';
import { startWorker } from '../util/worker.js';

interface Pending {
  resolve: (value: number) => void;
  reject: (err: unknown) => void;
}

const CLOSE_TIMEOUT_MS = 5_000;
const IDLE_STOP_MS = 30_000;

export class WorkerLogSink implements RequestLogSink {
  private worker: Worker | undefined;
  private ready = false;
  /** Set once the worker failed before it ever became ready: from then on, `fallback` writes. */
  private unavailable = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly workerUrl: URL,
    /** What the worker needs to connect (structured-cloned); never logged. */
    private readonly workerData: unknown,
    private readonly fallback: RequestLogSink,
    private readonly onError: (err: unknown, context: string) => void,
    private readonly idleStopMs = IDLE_STOP_MS,
  ) {}

  /** True while batches go to the worker thread (false after a fallback to the main thread). */
  get usesWorker(): boolean {
    return !this.unavailable;
  }

  async insertRows(rows: LogRow[]): Promise<void> {
    if (this.unavailable) return this.fallback.insertRows(rows);
    await this.call({ type: 'insert', rows });
  }

  /** Classified on this thread: the worker passes the driver's error code through. */
  isRowError(err: unknown): boolean {
    return this.fallback.isRowError(err);
  }

  /** Rare, so written on the main thread's connection rather than through the worker. */
  insertDeadLetters(letters: DeadLetter[]): Promise<void> {
    return this.fallback.insertDeadLetters(letters);
  }

  async deleteOlderThan(cutoffIso: string): Promise<number> {
    if (this.unavailable) return this.fallback.deleteOlderThan(cutoffIso);
    return this.call({ type: 'prune', cutoffIso });
  }

  /** Stops the worker after the batches in flight (call after the writer has flushed). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const w = this.worker;
    if (!w) return;
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.ref();
    w.postMessage({ type: 'close' } satisfies LogWorkerRequest);
    const timer = setTimeout(() => void w.terminate(), CLOSE_TIMEOUT_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private call(msg: { type: 'insert'; rows: LogRow[] } | { type: 'prune'; cutoffIso: string }): Promise<number> {
    clearTimeout(this.idleTimer);
    const w = this.worker ?? this.spawn();
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.ref();
      w.postMessage({ ...msg, id } satisfies LogWorkerRequest);
    }).catch((err: unknown) => {
      // Failed before it ever ran: write this batch (and all later ones) on the main thread.
      if (this.unavailable)
        return msg.type === 'insert'
          ? this.fallback.insertRows(msg.rows).then(() => msg.rows.length)
          : this.fallback.deleteOlderThan(msg.cutoffIso);
      throw err;
    });
  }

  private spawn(): Worker {
    const w = startWorker(this.workerUrl, this.workerData);
    this.worker = w;
    this.ready = false;
    w.unref();
    w.on('message', (reply: LogWorkerReply) => {
      if (reply.type === 'ready') {
        this.ready = true;
        return;
      }
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) {
        w.unref();
        this.stopWhenIdle(w);
      }
      if (reply.ok) p.resolve(reply.value);
      else p.reject(Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {}));
    });
    w.on('error', (err) => this.lost(w, err));
    w.on('exit', (code) => this.lost(w, new Error(`request log worker exited (code ${code})`)));
    return w;
  }

  /** Forgets the worker first, so its exit is not a loss; anything posted later goes to a new one. */
  private stopWhenIdle(w: Worker): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.worker !== w || this.pending.size > 0) return;
      this.worker = undefined;
      w.postMessage({ type: 'close' } satisfies LogWorkerRequest);
    }, this.idleStopMs).unref();
  }

  /** The worker died: fail what it had in flight; the writer retries, and the next call respawns. */
  private lost(w: Worker, err: unknown): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    if (!this.ready && !this.unavailable) {
      this.unavailable = true;
      this.onError(err, 'request log worker thread could not start; writing the log on the main thread');
    }
    const failed = [...this.pending.values()];
    this.pending.clear();
    for (const p of failed) p.reject(err);
  }
}
