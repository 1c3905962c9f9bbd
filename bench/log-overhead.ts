/**
 * Does the request log keep up? Two gateway processes over the same fast fake upstream, one with
 * `log.requests: false`, one with `log.requests: true`, loaded in alternating rounds (so a busy
 * neighbour on a shared machine hurts both alike) with autocannon. Prints req/s per round, the
 * median of each, the ratio on/off (the goal: ≥ 0.90), the gateway process's CPU time per request
 * (all threads, so the SQLite log worker counts too; less sensitive to a busy machine than req/s),
 * and how many of the requests the logging gateway answered are in its store after it drained
 * (all of them, or the log did not keep up).
 *
 *   npx tsx bench/log-overhead.ts                                   # embedded SQLite
 *   BENCH_SECONDS=10 BENCH_ROUNDS=5 npx tsx bench/log-overhead.ts
 *   BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432/test BENCH_REDIS=redis://127.0.0.1:6379 npx tsx bench/log-overhead.ts
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const postgresUrl = process.env.BENCH_POSTGRES;
const redisUrl = process.env.BENCH_REDIS ?? 'redis://127.0.0.1:6379';
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The gateways run from src/ via tsx (BENCH_SRC), so the bench needs no build. */
function start<T>(script: string, args: string[] = []): Promise<{ child: ChildProcess; msg: T }> {
  const child = fork(here(script), args, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_SRC: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (msg) => resolve({ child, msg: msg as T }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

function closeGateway(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.send({ type: 'close' });
  });
}

const body = JSON.stringify({
  model: 'bench',
  messages: [{ role: 'user', content: 'Say hello in one short sentence, please.' }],
  max_tokens: 32,
});

/** CPU time (user + system, all threads) the gateway process has used so far, in µs. */
function cpuMicros(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: { type?: string; cpuMicros?: number }) => {
      if (m.type !== 'stats') return;
      child.off('message', onMessage);
      resolve(m.cpuMicros ?? 0);
    };
    child.on('message', onMessage);
    child.send({ type: 'stats' });
  });
}

async function load(url: string, duration: number): Promise<{ rps: number; total: number }> {
  const r = await autocannon({ url, method: 'POST', connections, duration, headers: { 'content-type': 'application/json' }, body });
  if (r.non2xx || r.errors) throw new Error(`load against ${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, total: r.requests.total };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'meridian-log-bench-'));
const schema = `meridian_bench_${process.pid}`;
if (postgresUrl) {
  const c = new pg.Client({ connectionString: postgresUrl });
  await c.connect();
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.end();
}
const storeFor = (name: string) => {
  if (!postgresUrl) return { sqlite: join(dir, `${name}.db`) };
  const u = new URL(postgresUrl);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return { postgres: u.toString(), redis: redisUrl, redisPrefix: `meridian-bench:${process.pid}:${name}:` };
};

const upstream = await start<{ port: number }>('./lib/fake-upstream.ts');
const configFor = (logRequests: boolean, name: string) => ({
  log: { level: 'silent', requests: logRequests },
  providers: [
    { id: 'fake', type: 'openai-compatible', baseUrl: `http://127.0.0.1:${upstream.msg.port}/v1`, location: 'local', connections: 64 },
  ],
  models: { bench: [{ provider: 'fake', model: 'bench-model' }] },
  router: { healthIntervalMs: 0 },
  store: storeFor(name),
});
// With PostgreSQL both use one schema: only the logging one writes to request_log.
const off = await start<{ url: string }>('./lib/gateway-process.mjs', [JSON.stringify(configFor(false, 'off'))]);
const on = await start<{ url: string }>('./lib/gateway-process.mjs', [JSON.stringify(configFor(true, 'on'))]);
const offUrl = `${off.msg.url}/v1/chat/completions`;
const onUrl = `${on.msg.url}/v1/chat/completions`;

try {
  await load(offUrl, 1);
  let answeredByLogging = (await load(onUrl, 1)).total;
  const offRps: number[] = [];
  const onRps: number[] = [];
  const cpuPerRequest = { off: [] as number[], on: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so drift in machine load does not favour one side.
    const order = i % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
    for (const which of order) {
      const child = which === 'off' ? off.child : on.child;
      const cpu0 = await cpuMicros(child);
      const r = await load(which === 'off' ? offUrl : onUrl, seconds);
      // The last log batch is written after the round (flush timer): wait so its CPU is counted (both sides alike).
      await new Promise((res) => setTimeout(res, 500));
      cpuPerRequest[which].push(((await cpuMicros(child)) - cpu0) / r.total);
      if (which === 'off') offRps.push(r.rps);
      else {
        onRps.push(r.rps);
        answeredByLogging += r.total;
      }
    }
  }
  await closeGateway(on.child);
  let logged: number;
  if (postgresUrl) {
    const c = new pg.Client({ connectionString: postgresUrl });
    await c.connect();
    logged = Number((await c.query(`SELECT count(*) AS n FROM ${schema}.request_log`)).rows[0].n);
    await c.end();
  } else {
    const db = new Database(join(dir, 'on.db'), { readonly: true });
    logged = (db.prepare('SELECT count(*) AS n FROM request_log').get() as { n: number }).n;
    db.close();
  }

  const ratio = median(onRps) / median(offRps);
  const rows: Array<[string, string]> = [
    ['store', postgresUrl ? 'postgres + redis' : 'sqlite (embedded)'],
    ['rounds × seconds, connections', `${rounds} × ${seconds}s, c=${connections}`],
    ['log off req/s per round', offRps.map((x) => x.toFixed(0)).join(', ')],
    ['log on  req/s per round', onRps.map((x) => x.toFixed(0)).join(', ')],
    ['log off req/s (median)', median(offRps).toFixed(0)],
    ['log on  req/s (median)', median(onRps).toFixed(0)],
    ['ratio on/off (goal ≥ 0.90)', ratio.toFixed(3)],
    ['gateway CPU µs/request off (median)', median(cpuPerRequest.off).toFixed(1)],
    ['gateway CPU µs/request on  (median)', median(cpuPerRequest.on).toFixed(1)],
    ['requests answered with log on', String(answeredByLogging)],
    ['of them in the log after drain', String(logged)],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
} finally {
  off.child.kill();
  if (on.child.exitCode === null) on.child.kill();
  upstream.child.kill();
  rmSync(dir, { recursive: true, force: true });
  if (postgresUrl) {
    const c = new pg.Client({ connectionString: postgresUrl });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
}
