/**
 * Worker-thread entry for the PostgreSQL request log: builds and sends the batch inserts on a
 * one-connection pool of its own, so serializing a batch (array literals, the wire message) and
 * reading the reply never run on the gateway's event loop. Started by `WorkerLogSink`
 * (../log-worker-sink.ts); protocol in ../log-worker-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { serveLogWorker } from '../log-worker-protocol.js';
import { postgresLogSink } from './log-insert.js';

export interface PostgresLogWorkerData {
  connectionString: string;
}

if (!parentPort) throw new Error('postgres/log-worker runs only as a worker thread');
const { connectionString } = workerData as PostgresLogWorkerData;

// One connection: the writer sends one batch at a time anyway.
const pool = new pg.Pool({ connectionString, max: 1 });
// An idle connection dropped by the server must not kill the thread; the pool replaces it, and a
// batch that fails meanwhile is reported and retried by the main thread's writer.
pool.on('error', () => undefined);

serveLogWorker(parentPort, postgresLogSink(pool), () => pool.end());
