/**
 * `meridian serve --workers N`: throughput per worker count, the real CLI against the fast fake
 * upstream (bench/lib/fake-upstream.ts), request log on (the default). Two loads per count:
 * - open: no key, so no counter is touched (what the workers add is the primary's accept
 *   round-robin and the log rows sent to the primary);
 * - keyed: a key with an rpm limit too high to reach, so every request runs one counter
 *   operation (in memory with one process, an IPC round trip to the primary with several).
 *
 *   npx tsx bench/workers.ts                 # counts 1 and 2, 5 s each
 *   BENCH_SECONDS=10 BENCH_WORKERS=1,2,4 npx tsx bench/workers.ts
 *
 * The load generator (autocannon, in this process) shares the machine's cores with the gateway:
 * on a 2-core machine two workers compete with it and with the upstream. Runs dist/ when built
 * (npm run build), else src/ via tsx.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const counts = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
const MASTER = 'bench-master-key-0123456789abcdef';
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const fromDist = existsSync(here('../dist/cli/main.js'));
const work = mkdtempSync(join(tmpdir(), 'meridian-bench-workers-'));

const body = JSON.stringify({
  model: 'bench',
  messages: [{ role: 'user', content: 'Say hello in one short sentence, please.' }],
  max_tokens: 32,
});

function startUpstream(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(here('./lib/fake-upstream.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, port: (m as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`fake upstream exited with ${code}`)));
  });
}

/** Starts `meridian serve` and resolves with its URL once every worker listens (from its log). */
function serve(config: string, workers: number): Promise<{ child: ChildProcess; url: string }> {
  const args = fromDist ? [here('../dist/cli/main.js')] : ['--import', 'tsx', here('../src/cli/main.ts')];
  const child = spawn(process.execPath, [...args, 'serve', '--config', config, '--workers', String(workers), '--log-format', 'json'], {
    env: { ...process.env, MERIDIAN_MASTER_KEY: MASTER },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = workers > 1 ? /"url":"([^"]+)"[^\n]*meridian cluster listening/ : /"url":"([^"]+)"[^\n]*meridian listening/;
  let out = '';
  let started = false;
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      if (started) return; // keep draining the pipe, stop keeping what it says
      out += b.toString();
      const m = out.match(ready);
      if (m) {
        started = true;
        resolve({ child, url: m[1]! });
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

/**
 * CPU seconds (user + system) used so far by a process and, separately, by its descendants
 * (Linux /proc; clock ticks of 10 ms). Per request it moves far less than req/s when other work
 * shares the cores.
 */
function cpuSeconds(root: number): { own: number; children: number } {
  const tick = 100;
  const procs = new Map<number, { ppid: number; cpu: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(d), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / tick });
    } catch {
      // exited while we looked
    }
  }
  let children = 0;
  for (const [pid, p] of procs) {
    for (let up = p.ppid, seen = 0; up > 1 && seen < 64; up = procs.get(up)?.ppid ?? 0, seen++) {
      if (up === root) {
        children += p.cpu;
        break;
      }
    }
    void pid;
  }
  return { own: procs.get(root)?.cpu ?? 0, children };
}

interface Measured {
  reqPerSec: number;
  /** Gateway CPU (primary and workers) per request, ms. */
  cpuMs: number;
  /** The primary's share of it (accepting connections, counters, log writes), ms. */
  primaryMs: number;
}

async function measure(pid: number, url: string, headers: Record<string, string>, duration: number): Promise<Measured> {
  const before = cpuSeconds(pid);
  const r = await load(url, headers, duration);
  const after = cpuSeconds(pid);
  const total = r.requests.total;
  return {
    reqPerSec: r.requests.average,
    cpuMs: ((after.own + after.children - before.own - before.children) * 1000) / total,
    primaryMs: ((after.own - before.own) * 1000) / total,
  };
}

async function load(url: string, headers: Record<string, string>, duration: number): Promise<autocannon.Result> {
  const r = await autocannon({
    url: `${url}/v1/chat/completions`,
    method: 'POST',
    connections: 50,
    duration,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  if (r.non2xx || r.errors) throw new Error(`load: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r;
}

const upstream = await startUpstream();
const rows: string[][] = [];
try {
  for (const n of counts) {
    const db = join(work, `w${n}.db`);
    const config = join(work, `w${n}.yaml`);
    writeFileSync(
      config,
      [
        'server: { port: 0 }',
        `store: { sqlite: "${db}" }`,
        'router: { healthIntervalMs: 0 }',
        'providers:',
        `  - { id: fake, type: openai-compatible, baseUrl: "http://127.0.0.1:${upstream.port}/v1", location: local, connections: 64 }`,
        'models:',
        '  bench: [{ provider: fake, model: bench-model }]',
        '',
      ].join('\n'),
    );
    const gw = await serve(config, n);
    try {
      await load(gw.url, {}, 1); // warm-up: JIT, pools, every worker
      const pid = gw.child.pid!;
      const open = await measure(pid, gw.url, {}, seconds);
      const made = await fetch(`${gw.url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenant: 'bench', rpm: 1_000_000_000 }),
      });
      const { key } = (await made.json()) as { key: string };
      const auth = { authorization: `Bearer ${key}` };
      await load(gw.url, auth, 1);
      const keyed = await measure(pid, gw.url, auth, seconds);
      const row = (m: Measured) => [m.reqPerSec.toFixed(0), m.cpuMs.toFixed(3), n > 1 ? m.primaryMs.toFixed(3) : '-'];
      rows.push([String(n), ...row(open), ...row(keyed)]);
    } finally {
      const exited = new Promise((r) => gw.child.once('exit', r));
      gw.child.kill('SIGTERM');
      await exited;
    }
  }
} finally {
  upstream.child.kill();
  rmSync(work, { recursive: true, force: true });
}

console.log(
  `cores ${availableParallelism()}, ${seconds}s per load, c=50, request log on, gateway from ${fromDist ? 'dist/' : 'src/ via tsx'}`,
);
const header = ['workers', 'open req/s', 'CPU ms/req', 'primary ms/req', 'keyed req/s', 'CPU ms/req', 'primary ms/req'];
const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
for (const r of [header, ...rows]) console.log(r.map((c, i) => c.padStart(width[i]!)).join('  '));
const base = rows[0];
if (base) {
  for (const r of rows.slice(1)) {
    console.log(
      `${r[0]} workers vs ${base[0]}: req/s open ×${(Number(r[1]) / Number(base[1])).toFixed(2)}, keyed ×${(Number(r[4]) / Number(base[4])).toFixed(2)}; ` +
        `CPU per request open ×${(Number(r[2]) / Number(base[2])).toFixed(2)}, keyed ×${(Number(r[5]) / Number(base[5])).toFixed(2)}`,
    );
  }
}
