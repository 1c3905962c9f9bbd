/**
 * Request-log throughput: how many entries per second the log writer makes durable, what the hot
 * path pays per `append()`, and what the writer costs the event loop besides (main-thread busy
 * time not spent in append, per entry). Runs against a temporary SQLite file (the embedded
 * default), once with inserts on the log worker thread (the default for files) and once on the
 * main thread (what ':memory:' does); set BENCH_POSTGRES and BENCH_REDIS to measure the
 * scale-out store too.
 *
 *   npx tsx bench/request-log.ts
 *   BENCH_ENTRIES=200000 npx tsx bench/request-log.ts
 *   BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432/test BENCH_REDIS=redis://127.0.0.1:6379 npx tsx bench/request-log.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createStore } from '../src/store/index.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { RequestLogEntry, Store } from '../src/store/types.js';

const entries = Number(process.env.BENCH_ENTRIES ?? 100_000);
const run = `bench-${process.pid}`;

function entry(i: number): RequestLogEntry {
  return {
    id: `${run}-${i}`,
    time: new Date().toISOString(),
    tenant: `tenant-${i % 20}`,
    keyId: `key_${i % 50}`,
    kind: 'chat',
    alias: i % 3 ? 'chat-default' : 'fast',
    deployment: 'ollama@local/llama3.1:8b',
    location: 'local',
    routeReason: 'default',
    attempts: [{ deployment: 'ollama@local/llama3.1:8b', status: 200, ms: 180 }],
    status: 200,
    stream: i % 2 === 0,
    latencyMs: 180 + (i % 40),
    ttftMs: 35,
    promptTokens: 412,
    completionTokens: 96,
    tokensEstimated: false,
    costUsd: 0.00021,
    pii: i % 10 === 0 ? { EMAIL: 1 } : undefined,
  } as RequestLogEntry;
}

/** Everything appended in one go, then flushed: raw write throughput. */
async function burst(store: Store): Promise<void> {
  const batch = Array.from({ length: entries }, (_, i) => entry(i)); // built outside the timing
  const t0 = process.hrtime.bigint();
  for (const e of batch) store.requestLog.append(e);
  const t1 = process.hrtime.bigint();
  await store.requestLog.flush();
  const t2 = process.hrtime.bigint();
  const appendNs = Number(t1 - t0) / entries;
  const totalS = Number(t2 - t0) / 1e9;
  console.log(
    `  burst:  ${entries} entries, append ${appendNs.toFixed(0)} ns each, durable after ${totalS.toFixed(2)} s → ${Math.round(entries / totalS).toLocaleString('en')} entries/s`,
  );
}

/**
 * Appends spread over time like traffic (1,000 per 10 ms tick = 100k/s offered), timer-driven
 * flushes. Reports event-loop delay (it includes the ticks' own appends: 1,000 at a time) and the
 * writer's main-thread cost: event-loop busy time minus the time spent in append(), per entry.
 */
async function steady(store: Store): Promise<void> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  const perTick = 1_000;
  const ticks = Array.from({ length: Math.ceil(entries / perTick) }, (_, t) =>
    Array.from({ length: Math.min(perTick, entries - t * perTick) }, (_, j) => entry(entries + t * perTick + j)),
  );
  h.enable();
  const elu0 = performance.eventLoopUtilization();
  let appendNs = 0n;
  const t0 = process.hrtime.bigint();
  for (const tick of ticks) {
    const a = process.hrtime.bigint();
    for (const e of tick) store.requestLog.append(e);
    appendNs += process.hrtime.bigint() - a;
    await new Promise((r) => setTimeout(r, 10));
  }
  await store.requestLog.flush();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const busyMs = performance.eventLoopUtilization(elu0).active;
  h.disable();
  const writerUsPerEntry = ((busyMs - Number(appendNs) / 1e6) * 1000) / entries;
  console.log(
    `  steady: ${entries} entries offered at ~100k/s, all durable after ${s.toFixed(2)} s → ${Math.round(entries / s).toLocaleString('en')} entries/s; ` +
      `event-loop delay p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(1)} ms; ` +
      `main thread besides append: ${writerUsPerEntry.toFixed(1)} µs/entry`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-'));
try {
  for (const logWorker of [true, false]) {
    const path = join(dir, `bench-${logWorker ? 'worker' : 'main'}.db`);
    console.log(`SQLite (${path}, WAL, synchronous=NORMAL), inserts on the ${logWorker ? 'log worker thread' : 'main thread'}`);
    const sqlite = new SqliteStore({ path, retentionDays: 30, logWorker });
    await sqlite.init();
    await burst(sqlite);
    await steady(sqlite);
    await sqlite.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (process.env.BENCH_POSTGRES && process.env.BENCH_REDIS) {
  // A schema of its own, dropped afterwards, so the bench never touches real data.
  const schema = `meridian_bench_${process.pid}`;
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: process.env.BENCH_POSTGRES });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(process.env.BENCH_POSTGRES);
  url.searchParams.set('options', `-c search_path=${schema}`);
  console.log(`PostgreSQL + Redis (schema ${schema}, dropped afterwards)`);
  try {
    const pgStore = await createStore({ sqlite: ':memory:', postgres: url.toString(), redis: process.env.BENCH_REDIS, retentionDays: 30 });
    try {
      await burst(pgStore);
      await steady(pgStore);
    } finally {
      await pgStore.close();
    }
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}
