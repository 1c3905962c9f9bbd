/**
 * Worker-thread entry for the SQLite request log: writes batches to the database file on a
 * connection of its own, so inserts, commits and WAL checkpoints never run on the gateway's event
 * loop. Started by `WorkerLogSink` (../log-worker-sink.ts); protocol in ../log-worker-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { LogRow } from '../log-rows.js';
import { serveLogWorker } from '../log-worker-protocol.js';
import { configureLogConnection, prepareLogInsert, pruneLog, WORKER_WAL_AUTOCHECKPOINT_PAGES } from './log-statements.js';

export interface SqliteLogWorkerData {
  path: string;
}

if (!parentPort) throw new Error('sqlite/log-worker runs only as a worker thread');
const { path } = workerData as SqliteLogWorkerData;

// fileMustExist: the main thread created the file and ran the migrations before starting us.
const db = new Database(path, { fileMustExist: true });
configureLogConnection(db, WORKER_WAL_AUTOCHECKPOINT_PAGES);
let insert: ((rows: LogRow[]) => void) | undefined;

serveLogWorker(
  parentPort,
  {
    insertRows: async (rows) => {
      insert ??= prepareLogInsert(db); // prepared lazily: a failure here is a failed batch, retried
      insert(rows);
    },
    deleteOlderThan: (cutoffIso) => pruneLog(db, cutoffIso, async () => undefined),
  },
  () => {
    db.close();
  },
);
