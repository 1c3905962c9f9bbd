/**
 * Streaming throughput alone (the streaming rows of `npm run bench`, quicker to iterate on):
 * tokens per second delivered to 50 concurrent clients reading 2,000-token SSE answers, direct
 * from the fake upstream, through the bare proxy (bytes piped, nothing parsed) and through the
 * gateway, in one run; plus the gateway's CPU time per 1,000 tokens. Gateway from dist/ when built.
 *
 *   npx tsx bench/stream.ts             # BENCH_SECONDS=N for longer runs, BENCH_TOKENS=N per answer
 */
import { rmSync } from 'node:fs';
import { fromDist, start, stats, stopGateway } from './lib/processes.js';
import { streamLoad } from './lib/stream-load.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const tokens = Number(process.env.BENCH_TOKENS ?? 2_000);
const db = `/tmp/meridian-bench-stream-${process.pid}.db`;
const upstream = await start<{ port: number }>('./fake-upstream.ts');
const origin = `http://127.0.0.1:${upstream.msg.port}`;
const config = {
  log: { level: 'silent', requests: false },
  providers: [{ id: 'fake', type: 'openai-compatible', baseUrl: `${origin}/v1`, location: 'local', connections: 64 }],
  models: { bench: [{ provider: 'fake', model: 'bench-model' }] },
  store: { sqlite: db },
};
const gw = await start<{ url: string }>('./gateway-process.mjs', [JSON.stringify(config)]);
const bare = await start<{ url: string }>('./bare-proxy.mjs', [origin]);
const path = '/v1/chat/completions';
try {
  for (const url of [origin, bare.msg.url, gw.msg.url]) await streamLoad(url + path, tokens, 10, 1); // warm-up
  const direct = await streamLoad(origin + path, tokens, 50, seconds);
  const bareBefore = (await stats(bare.child)).cpuMicros;
  const bareRun = await streamLoad(bare.msg.url + path, tokens, 50, seconds);
  const bareCpu = (await stats(bare.child)).cpuMicros - bareBefore;
  const before = (await stats(gw.child)).cpuMicros;
  const through = await streamLoad(gw.msg.url + path, tokens, 50, seconds);
  const cpu = (await stats(gw.child)).cpuMicros - before;
  const rows = [
    [`stream c=50 ${tokens}-token answers direct (tokens/s)`, direct.tokensPerSecond.toFixed(0)],
    [`stream c=50 ${tokens}-token answers bare proxy (tokens/s)`, bareRun.tokensPerSecond.toFixed(0)],
    [`stream c=50 ${tokens}-token answers gateway (tokens/s)`, through.tokensPerSecond.toFixed(0)],
    ['stream ratio gateway/direct', (through.tokensPerSecond / direct.tokensPerSecond).toFixed(3)],
    ['stream ratio gateway/bare proxy', (through.tokensPerSecond / bareRun.tokensPerSecond).toFixed(3)],
    ['gateway CPU per 1,000 tokens (ms)', (cpu / 1000 / ((through.answers * tokens) / 1000)).toFixed(3)],
    ['bare proxy CPU per 1,000 tokens (ms)', (bareCpu / 1000 / ((bareRun.answers * tokens) / 1000)).toFixed(3)],
    ['gateway code', fromDist ? 'dist/ (compiled)' : 'src/ via tsx'],
  ];
  const w = Math.max(...rows.map((r) => r[0]!.length));
  for (const [k, v] of rows) console.log(`${k!.padEnd(w)}  ${v}`);
} finally {
  await stopGateway(gw.child);
  for (const p of [bare, upstream]) p.child.kill();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
}
