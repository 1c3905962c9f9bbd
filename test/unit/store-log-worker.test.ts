/**
 * The SQLite request log written by a worker thread: values round-trip exactly as in process,
 * flush means durable (a second connection sees the rows), a dead worker loses nothing and is
 * replaced, a worker that cannot start falls back to the main thread, and main-thread writes
 * (keys, audit) coexist with the worker's batches on the same WAL file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { createStore, createApiKey } from '../../src/store/index.js';
import { encodeLogEntry, type LogRow } from '../../src/store/log-rows.js';
import type { RequestLogSink } from '../../src/store/log-writer.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { WorkerLogSink } from '../../src/store/log-worker-sink.js';
import { workerFileUrl } from '../../src/util/worker.js';
import type { RequestLogEntry } from '../../src/store/types.js';

const dir = mkdtempSync(join(tmpdir(), 'meridian-log-worker-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `log-${n++}.db`);

const entry = (i: number, extra: Partial<RequestLogEntry> = {}): RequestLogEntry => ({
  id: `req-${i}`,
  time: new Date(Date.UTC(2026, 0, 10, 12, 0, 0, i)).toISOString(),
  kind: 'chat',
  alias: 'chat-default',
  attempts: [],
  status: 200,
  stream: false,
  latencyMs: 1.5,
  ...extra,
});

/** Values a hand-built encoding could get wrong: quotes, backslashes, braces, commas, 'NULL', unicode. */
const awkward: RequestLogEntry[] = [
  entry(1, { tenant: 'a "quoted" tenant', keyId: 'back\\slash\\', routeReason: '{braces},commas', errorCode: 'NULL' }),
  entry(2, { tenant: '', deployment: 'line\nbreak\ttab', location: ' spaced ', promptVersion: 'émoji 🚀 ünïcode' }),
  entry(3, { attempts: [{ deployment: 'x "y"', error: 'a\\b', nested: { k: [1, null, 'z'] } }], pii: { EMAIL: 2, 'PHONE "x"': 1 } }),
  entry(4, { stream: true, tokensEstimated: true, ttftMs: 0.25, promptTokens: 0, completionTokens: 7, costUsd: 1e-7, status: 502 }),
  entry(5, { time: '2028-02-29T23:59:59.999Z', latencyMs: 0 }), // leap day: takes toIsoTime's parsing path
];

test('a file store writes the log on a worker thread; entries round-trip exactly as in process', async () => {
  const viaWorker = (await createStore({ sqlite: freshPath(), retentionDays: 30 })) as SqliteStore;
  const inProcess = (await createStore({ sqlite: ':memory:', retentionDays: 30 })) as SqliteStore;
  try {
    for (const e of awkward) {
      viaWorker.requestLog.append(e);
      inProcess.requestLog.append(e);
    }
    const fromWorker = await viaWorker.requestLog.query({ limit: 100 });
    const fromMain = await inProcess.requestLog.query({ limit: 100 });
    assert.equal(fromWorker.length, awkward.length);
    assert.deepEqual(fromWorker, fromMain);
    const byId = new Map(fromWorker.map((e) => [e.id, e]));
    assert.equal(byId.get('req-1')?.tenant, 'a "quoted" tenant');
    assert.equal(byId.get('req-1')?.keyId, 'back\\slash\\');
    assert.deepEqual(byId.get('req-3')?.attempts, awkward[2]!.attempts);
    assert.equal(byId.get('req-5')?.time, '2028-02-29T23:59:59.999Z');
    assert.equal((viaWorker as unknown as { workerSink: WorkerLogSink }).workerSink.usesWorker, true);
  } finally {
    await viaWorker.close();
    await inProcess.close();
  }
});

test('flush resolves only when the rows are committed: another connection sees all of them; close stops the worker', async () => {
  const path = freshPath();
  const store = await createStore({ sqlite: path, retentionDays: 30 }, { log: { flushIntervalMs: 60_000, batchSize: 300 } });
  for (let i = 0; i < 2_000; i++) store.requestLog.append(entry(i));
  await store.requestLog.flush();
  const reader = new Database(path, { readonly: true });
  try {
    assert.equal((reader.prepare('SELECT count(*) AS n FROM request_log').get() as { n: number }).n, 2_000);
  } finally {
    reader.close();
  }
  await store.close();
  assert.throws(() => store.requestLog.append(entry(9_999)), /closed/);
});

test('main-thread key and audit writes interleave with the worker batches without errors', async () => {
  const errors: string[] = [];
  const store = await createStore(
    { sqlite: freshPath(), retentionDays: 30 },
    { onError: (_e, ctx) => errors.push(ctx), log: { batchSize: 200, highWaterMark: 200 } },
  );
  try {
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 500; i++) store.requestLog.append(entry(round * 500 + i));
      await createApiKey(store, { tenant: `t${round}`, models: [] }, 'test');
      await store.audit.append({ time: new Date().toISOString(), actor: 'test', action: 'key.create', target: `t${round}` });
    }
    await store.requestLog.flush();
    assert.equal((await store.requestLog.query({ limit: 10_000 })).length, 5_000);
    assert.equal(await store.keys.count(), 10);
    assert.equal((await store.audit.list(100)).length, 20); // createApiKey audits too
    assert.deepEqual(errors, []);
  } finally {
    await store.close();
  }
});

/** A sink for the fallback path that records what reached it. */
class RecordingSink implements RequestLogSink {
  rows: LogRow[] = [];
  async insertRows(rows: LogRow[]): Promise<void> {
    this.rows.push(...rows);
  }
  async deleteOlderThan(): Promise<number> {
    return 0;
  }
  isRowError(): boolean {
    return false;
  }
  async insertDeadLetters(): Promise<void> {}
}

test('a worker that cannot start hands every batch to the main-thread sink and says so once', async () => {
  const fallback = new RecordingSink();
  const reports: string[] = [];
  // fileMustExist: the worker fails to open a database that is not there, before it is ready.
  const sink = new WorkerLogSink(
    workerFileUrl(import.meta.url, '../../src/store/sqlite/log-worker'),
    { path: join(dir, 'missing', 'none.db') },
    fallback,
    (_e, ctx) => reports.push(ctx),
  );
  await sink.insertRows([encodeLogEntry(entry(1))]);
  await sink.insertRows([encodeLogEntry(entry(2)), encodeLogEntry(entry(3))]);
  assert.deepEqual(
    fallback.rows.map((r) => r[0]),
    ['req-1', 'req-2', 'req-3'],
  );
  assert.equal(reports.length, 1);
  assert.match(reports[0]!, /main thread/);
  assert.equal(sink.usesWorker, false);
  await sink.close();
});

test('a worker that dies fails only its in-flight batch; the next batch starts a new worker and a retry adds no duplicates', async () => {
  const path = freshPath();
  const store = (await createStore({ sqlite: path, retentionDays: 30 })) as SqliteStore;
  const sink = (store as unknown as { workerSink: WorkerLogSink }).workerSink;
  const workerOf = () => (sink as unknown as { worker: import('node:worker_threads').Worker | undefined }).worker;
  try {
    const first = [encodeLogEntry(entry(1)), encodeLogEntry(entry(2))];
    await sink.insertRows(first);
    // Hold the write lock on the main connection: the worker's next batch waits (busy_timeout)
    // and is certainly in flight when the worker dies.
    store.db.exec('BEGIN IMMEDIATE');
    const doomed = sink.insertRows([encodeLogEntry(entry(3))]);
    await new Promise((r) => setTimeout(r, 50));
    const killed = workerOf()!.terminate();
    store.db.exec('COMMIT');
    await killed;
    await assert.rejects(doomed, /exited/);
    assert.equal(workerOf(), undefined);
    assert.deepEqual((await store.requestLog.query({ limit: 100 })).map((e) => e.id).sort(), ['req-1', 'req-2']);
    // The writer's retry: the whole batch again (it may or may not have been committed) plus more.
    await sink.insertRows([...first, encodeLogEntry(entry(3)), encodeLogEntry(entry(4))]);
    assert.ok(workerOf(), 'a new worker was started');
    assert.equal(sink.usesWorker, true);
    const ids = (await store.requestLog.query({ limit: 100 })).map((e) => e.id).sort();
    assert.deepEqual(ids, ['req-1', 'req-2', 'req-3', 'req-4']);
  } finally {
    await store.close();
  }
});

test('retention runs on the worker: old entries are deleted, recent ones kept', async () => {
  const store = (await createStore({ sqlite: freshPath(), retentionDays: 1 })) as SqliteStore;
  try {
    store.requestLog.append(entry(1, { time: new Date(Date.now() - 3 * 86_400_000).toISOString() }));
    store.requestLog.append(entry(2, { time: new Date().toISOString() }));
    await store.requestLog.flush();
    assert.equal(await store.requestLog.prune!(), 1);
    assert.deepEqual(
      (await store.requestLog.query({ limit: 10 })).map((e) => e.id),
      ['req-2'],
    );
  } finally {
    await store.close();
  }
});

test('toIsoTime keeps canonical ISO strings as they are and normalizes everything else as before', async () => {
  const { toIsoTime } = await import('../../src/store/log-rows.js');
  assert.equal(toIsoTime('2026-01-10T12:00:00.123Z'), '2026-01-10T12:00:00.123Z');
  assert.equal(toIsoTime('2026-02-30T00:00:00.000Z'), '2026-03-02T00:00:00.000Z'); // rolled over, as Date does
  assert.equal(toIsoTime('2026-01-10T13:00:00+01:00'), '2026-01-10T12:00:00.000Z');
  assert.equal(toIsoTime('2026-01-10T12:00:00Z'), '2026-01-10T12:00:00.000Z');
  const fallback = new Date('2020-05-05T05:05:05.005Z');
  assert.equal(toIsoTime('not a time', fallback), '2020-05-05T05:05:05.005Z');
  assert.equal(toIsoTime(undefined, fallback), '2020-05-05T05:05:05.005Z');
});

test('an idle worker stops by itself and the next batch starts another; nothing is lost either side', async () => {
  const path = freshPath();
  const store = (await createStore({ sqlite: path, retentionDays: 30 })) as SqliteStore;
  try {
    const sink = new WorkerLogSink(
      workerFileUrl(import.meta.url, '../../src/store/sqlite/log-worker'),
      { path },
      new RecordingSink(),
      (err) => assert.fail(String(err)),
      10,
    );
    const workerOf = () => (sink as unknown as { worker: import('node:worker_threads').Worker | undefined }).worker;
    await sink.insertRows([encodeLogEntry(entry(1))]);
    const first = workerOf();
    assert.ok(first);
    // The sink unrefs an idle worker (and its timer); ref'd here so the test waits for the exit.
    first.ref();
    await new Promise<void>((resolve) => first.once('exit', () => resolve()));
    assert.equal(workerOf(), undefined, 'the sink forgot the stopped worker');
    await sink.insertRows([encodeLogEntry(entry(2))]);
    assert.ok(workerOf() && workerOf() !== first, 'a new worker took the next batch');
    assert.equal(sink.usesWorker, true);
    await sink.close();
    assert.deepEqual((await store.requestLog.query({ limit: 10 })).map((e) => e.id).sort(), ['req-1', 'req-2']);
  } finally {
    await store.close();
  }
});
