/**
 * The request-log worker protocol (log-worker-sink.ts on the main thread, a backend's
 * log-worker.ts on the worker), and the worker side's message loop around a sink.
 *
 * In `{ id, type: 'insert', rows }`, `{ id, type: 'prune', cutoffIso }`, `{ type: 'close' }`;
 * out `{ type: 'ready' }` once the connection is set up, then per request
 * `{ type: 'reply', id, ok: true, value }` or `{ type: 'reply', id, ok: false, message, code }`.
 * Requests are handled one at a time, in the order they arrive.
 */
import type { MessagePort } from 'node:worker_threads';
import type { LogRow } from './log-rows.js';
import type { RequestLogSink } from './log-writer.js';

export type LogWorkerRequest =
  { id: number; type: 'insert'; rows: LogRow[] } | { id: number; type: 'prune'; cutoffIso: string } | { type: 'close' };

export type LogWorkerReply =
  | { type: 'ready' }
  | { type: 'reply'; id: number; ok: true; value: number }
  | { type: 'reply'; id: number; ok: false; message: string; code?: string };

/** Worker side: answers the main thread's requests with `sink`; `close` runs on 'close', then the port closes. */
export function serveLogWorker(
  port: MessagePort,
  sink: Pick<RequestLogSink, 'insertRows' | 'deleteOlderThan'>,
  close: () => Promise<void> | void,
): void {
  const send = (reply: LogWorkerReply): void => port.postMessage(reply);
  let queue: Promise<unknown> = Promise.resolve();
  port.on('message', (msg: LogWorkerRequest) => {
    // Chained: an async sink (PostgreSQL) still handles one request at a time, in order.
    queue = queue.then(async () => {
      if (msg.type === 'close') {
        await close();
        port.close(); // nothing else keeps the thread alive: it exits
        return;
      }
      try {
        const value =
          msg.type === 'insert' ? (await sink.insertRows(msg.rows), msg.rows.length) : await sink.deleteOlderThan(msg.cutoffIso);
        send({ type: 'reply', id: msg.id, ok: true, value });
      } catch (err) {
        const e = err as { message?: unknown; code?: unknown } | null;
        send({
          type: 'reply',
          id: msg.id,
          ok: false,
          message: typeof e?.message === 'string' ? e.message : String(err),
          ...(typeof e?.code === 'string' ? { code: e.code } : {}),
        });
      }
    });
  });
  send({ type: 'ready' });
}
