/** The request-log writer against a fake sink: batching, high-water mark, no loss on failures, flush/close semantics. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogRow } from '../../src/store/log-rows.js';
import { RequestLogWriter, type DeadLetter, type RequestLogSink } from '../../src/store/log-writer.js';
import type { RequestLogEntry } from '../../src/store/types.js';

class FakeSink implements RequestLogSink {
  rows: LogRow[] = [];
  batches: number[] = [];
  dead: DeadLetter[] = [];
  failNext = 0;
  delayMs = 0;
  /** Rows whose id is here are refused like a database refuses bad data (the whole batch fails). */
  poison = new Set<string>();
  async insertRows(rows: LogRow[]): Promise<void> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('database unavailable');
    }
    if (rows.some((r) => this.poison.has(String(r[0])))) throw Object.assign(new Error('value out of range'), { code: '22003' });
    this.batches.push(rows.length);
    this.rows.push(...rows);
  }
  async deleteOlderThan(): Promise<number> {
    return 0;
  }
  isRowError(err: unknown): boolean {
    return (err as { code?: string }).code === '22003';
  }
  async insertDeadLetters(letters: DeadLetter[]): Promise<void> {
    this.dead.push(...letters);
  }
  ids(): string[] {
    return this.rows.map((r) => String(r[0]));
  }
}

const entry = (i: number): RequestLogEntry => ({
  id: `r${i}`,
  time: new Date(1_700_000_000_000 + i).toISOString(),
  kind: 'chat',
  alias: 'a',
  attempts: [],
  status: 200,
  stream: false,
  latencyMs: 1,
});
const quiet = { onError: () => undefined, flushIntervalMs: 60_000 };

test('append is synchronous and writes nothing until flush; flush writes in batches, in order', async () => {
  const sink = new FakeSink();
  const w = new RequestLogWriter(sink, { ...quiet, batchSize: 4, highWaterMark: 1_000 });
  for (let i = 0; i < 10; i++) w.append(entry(i));
  assert.equal(sink.rows.length, 0);
  assert.equal(w.pending, 10);
  await w.flush();
  assert.deepEqual(sink.batches, [4, 4, 2]);
  assert.deepEqual(
    sink.ids(),
    Array.from({ length: 10 }, (_, i) => `r${i}`),
  );
  assert.equal(w.pending, 0);
});

test('passing the high-water mark writes without waiting for the timer', async () => {
  const sink = new FakeSink();
  const w = new RequestLogWriter(sink, { ...quiet, batchSize: 100, highWaterMark: 5 });
  for (let i = 0; i < 5; i++) w.append(entry(i));
  await new Promise((r) => setImmediate(r));
  assert.equal(sink.rows.length, 5);
});

test('the timer flushes on its own', async () => {
  const sink = new FakeSink();
  const w = new RequestLogWriter(sink, { onError: () => undefined, flushIntervalMs: 20, retentionDays: 0 });
  w.start();
  w.append(entry(1));
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(sink.rows.length, 1);
  await w.close();
});

test('a failed write keeps every entry, in order, and the next flush writes them exactly once', async () => {
  const sink = new FakeSink();
  const errors: string[] = [];
  const w = new RequestLogWriter(sink, { ...quiet, batchSize: 3, highWaterMark: 1_000, onError: (_e, ctx) => errors.push(ctx) });
  for (let i = 0; i < 5; i++) w.append(entry(i));
  sink.failNext = 1;
  await assert.rejects(w.flush(), /database unavailable/);
  assert.equal(w.pending, 5);
  assert.equal(errors.length, 1);
  for (let i = 5; i < 7; i++) w.append(entry(i));
  await w.flush();
  assert.deepEqual(
    sink.ids(),
    Array.from({ length: 7 }, (_, i) => `r${i}`),
  );
});

test('a failure after some batches succeeded re-queues only the rest', async () => {
  const sink = new FakeSink();
  const w = new RequestLogWriter(sink, { ...quiet, batchSize: 2, highWaterMark: 1_000 });
  for (let i = 0; i < 6; i++) w.append(entry(i));
  let calls = 0;
  const original = sink.insertRows.bind(sink);
  sink.insertRows = async (rows) => {
    if (++calls === 2) throw new Error('boom');
    return original(rows);
  };
  await assert.rejects(w.flush());
  assert.equal(w.pending, 4);
  await w.flush();
  assert.deepEqual(sink.ids(), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
});

test('flush resolves only once the entries appended before it are written, including a batch in flight', async () => {
  const sink = new FakeSink();
  sink.delayMs = 30;
  const w = new RequestLogWriter(sink, { ...quiet, batchSize: 100, highWaterMark: 1_000 });
  w.append(entry(0));
  const first = w.flush();
  w.append(entry(1)); // arrives while the first batch is being written
  const second = w.flush();
  await first;
  assert.ok(sink.rows.length >= 1);
  await second;
  assert.deepEqual(sink.ids(), ['r0', 'r1']);
});

test('close flushes everything (retrying a transient failure), then refuses appends', async () => {
  const sink = new FakeSink();
  const w = new RequestLogWriter(sink, { ...quiet, batchSize: 500, highWaterMark: 100_000 });
  for (let i = 0; i < 10_000; i++) w.append(entry(i));
  sink.failNext = 1;
  await w.close();
  assert.equal(sink.rows.length, 10_000);
  assert.equal(new Set(sink.ids()).size, 10_000);
  assert.throws(() => w.append(entry(1)), /closed/);
});

test('retention asks the sink to delete entries older than retentionDays', async () => {
  let cutoff = '';
  const sink: RequestLogSink = {
    insertRows: async () => undefined,
    deleteOlderThan: async (c) => ((cutoff = c), 3),
    isRowError: () => false,
    insertDeadLetters: async () => undefined,
  };
  const now = Date.parse('2025-03-10T00:00:00.000Z');
  const w = new RequestLogWriter(sink, { ...quiet, retentionDays: 7, now: () => now });
  assert.equal(await w.prune(), 3);
  assert.equal(cutoff, '2025-03-03T00:00:00.000Z');
});

test('a row the database refuses goes to the dead letters; every other row, before and after, is written', async () => {
  const sink = new FakeSink();
  sink.poison = new Set(['r3', 'r11']);
  const counted: number[] = [];
  const w = new RequestLogWriter(sink, { ...quiet, batchSize: 8, highWaterMark: 1_000, onDeadLetter: (n) => counted.push(n) });
  for (let i = 0; i < 20; i++) w.append(entry(i));
  await w.flush();
  assert.deepEqual(
    sink.ids().sort(),
    Array.from({ length: 20 }, (_, i) => `r${i}`)
      .filter((id) => id !== 'r3' && id !== 'r11')
      .sort(),
  );
  assert.deepEqual(
    sink.dead.map((d) => String(d.row[0])),
    ['r3', 'r11'],
  );
  assert.match(sink.dead[0]!.error, /22003: value out of range/);
  assert.equal(w.deadLetters, 2);
  assert.deepEqual(counted, [1, 1]);
  assert.equal(w.pending, 0);
  assert.equal(w.failing, undefined);
  // And the log keeps going.
  w.append(entry(20));
  await w.flush();
  assert.ok(sink.ids().includes('r20'));
});

test('an unreachable database is not mistaken for a bad row: nothing is dead-lettered, the writer reports failing', async () => {
  const sink = new FakeSink();
  const w = new RequestLogWriter(sink, { ...quiet, batchSize: 4, highWaterMark: 1_000 });
  for (let i = 0; i < 4; i++) w.append(entry(i));
  sink.failNext = 1;
  await assert.rejects(w.flush());
  assert.deepEqual(sink.dead, []);
  assert.match(w.failing ?? '', /database unavailable/);
  await w.flush();
  assert.equal(w.failing, undefined);
  assert.equal(sink.rows.length, 4);
});
