/**
 * Gateway overhead: the same fake upstream called directly and through the gateway, in one run,
 * with autocannon as the load generator. Prints throughput (and its ratio to direct), added
 * latency p50/p99 at concurrency 1, added time to first byte of a stream, CPU time per request,
 * idle and peak RSS of the gateway and the bare proxy, throughput with the request log and an
 * info-level logger on (`meridian serve`'s defaults), throughput with a 1 KB prompt the guard scans,
 * and streaming throughput: tokens per second delivered at c=50 for 2,000-token answers, through the
 * gateway, through the bare proxy and direct.
 *
 *   npm run bench                     # defaults
 *   BENCH_SECONDS=10 npm run bench    # longer runs
 *   BENCH_LOG=1 npm run bench         # with the request log (SQLite) on
 *   npm run bench -- --record         # also write the ratios to bench/baseline.json
 *   npm run bench -- --check          # exit 1 when a ratio is 15% worse than bench/baseline.json
 *
 * Ratios, not absolute numbers, are recorded and checked: both sides run in the same process at
 * the same moment, so a busier or slower machine moves them far less than it moves req/s.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import autocannon from 'autocannon';
import { fromDist, start, stats, stopGateway } from './lib/processes.js';
import { streamLoad } from './lib/stream-load.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const baselineFile = fileURLToPath(new URL('./baseline.json', import.meta.url));

/**
 * Higher is better for the throughput ratio, lower for CPU. Latency at c=1 is printed but not
 * checked: the bare proxy adds a tenth of a millisecond, so any ratio to it is mostly noise.
 */
interface Ratios {
  throughputVsBare: number;
  cpuVsBare: number;
}
const TOLERANCE = 0.15;

/** Prints each ratio beside the recorded one; false when one is more than 15% worse. */
function checkAgainstBaseline(now: Ratios): boolean {
  if (!existsSync(baselineFile)) {
    console.log(`no ${baselineFile}: run with --record first`);
    return false;
  }
  const base = (JSON.parse(readFileSync(baselineFile, 'utf8')) as { ratios: Ratios }).ratios;
  let ok = true;
  for (const key of Object.keys(base) as Array<keyof Ratios>) {
    const higherIsBetter = key === 'throughputVsBare';
    const worse = higherIsBetter ? now[key] < base[key] * (1 - TOLERANCE) : now[key] > base[key] * (1 + TOLERANCE);
    if (worse) ok = false;
    console.log(
      `check ${key.padEnd(18)} now ${now[key].toFixed(3)}  recorded ${base[key].toFixed(3)}  ${worse ? 'REGRESSION (>15% worse)' : 'ok'}`,
    );
  }
  return ok;
}
const body = JSON.stringify({
  model: 'bench',
  messages: [{ role: 'user', content: 'Say hello in one short sentence, please.' }],
  max_tokens: 32,
});
const streamBody = JSON.stringify({ model: 'bench', stream: true, messages: [{ role: 'user', content: 'Say hello.' }] });
/** Issue #15's second throughput target: a 1 KB prompt (a support message with a name, an e-mail and a phone number) scanned by the guard. */
const KB_PROMPT = (
  'Hello, my name is Maria Keller and I am writing about order 4471-22 placed last Tuesday. ' +
  'The package was supposed to arrive at our office but the tracking page has not changed for five days. ' +
  'You can reach me at maria.keller@example.com or call +49 30 901820 during office hours. ' +
  'Could you check with the carrier whether the parcel is lost, and if so send a replacement or refund it? ' +
  'We need the parts for a customer installation next week, so a quick answer would help a lot. Thank you. '
)
  .repeat(3)
  .slice(0, 1024);
const kbBody = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: KB_PROMPT }], max_tokens: 32 });

async function load(url: string, connections: number, duration: number, payload = body) {
  const r = await autocannon({
    url,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/json' },
    body: payload,
  });
  if (r.non2xx || r.errors) throw new Error(`load against ${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r;
}

/** Latency percentiles (ms) of sequential requests measured with hrtime (finer than autocannon's ms). */
async function sequential(url: string, n: number, payload: string, firstByteOnly: boolean): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const res = await request(url, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } });
    if (firstByteOnly) {
      const it = res.body[Symbol.asyncIterator]();
      await it.next();
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      for (;;) if ((await it.next()).done) break;
    } else {
      await res.body.arrayBuffer();
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(n * 0.5)]!, p99: samples[Math.floor(n * 0.99)]! };
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

const upstream = await start<{ port: number }>('./fake-upstream.ts');
const upstreamUrl = `http://127.0.0.1:${upstream.msg.port}/v1/chat/completions`;
const config = {
  log: { level: 'silent', requests: Boolean(process.env.BENCH_LOG) },
  providers: [
    { id: 'fake', type: 'openai-compatible', baseUrl: `http://127.0.0.1:${upstream.msg.port}/v1`, location: 'local', connections: 64 },
  ],
  models: { bench: [{ provider: 'fake', model: 'bench-model' }] },
  store: { sqlite: `/tmp/meridian-bench-${process.pid}.db` },
};
const gw = await start<{ url: string }>('./gateway-process.mjs', [JSON.stringify(config)]);
const gatewayUrl = `${gw.msg.url}/v1/chat/completions`;
const bare = await start<{ url: string }>('./bare-proxy.mjs', [`http://127.0.0.1:${upstream.msg.port}`]);
const bareUrl = `${bare.msg.url}/v1/chat/completions`;
// `meridian serve`'s defaults: request log on, info-level JSON lines (to /dev/null here); metrics are always on.
const logOnDb = `/tmp/meridian-bench-${process.pid}-log.db`;
const logOn = await start<{ url: string }>(
  './gateway-process.mjs',
  [JSON.stringify({ ...config, log: { level: 'info', requests: true }, store: { sqlite: logOnDb } })],
  'ignore',
);
const logOnUrl = `${logOn.msg.url}/v1/chat/completions`;
/** 2,000-token streamed answers at c=50 (the streaming target). */
const STREAM_TOKENS = 2_000;

try {
  // Right after start, before any request, after a full collection.
  const gatewayIdle = await stats(gw.child, true);
  const bareIdle = await stats(bare.child, true);

  // warm up both paths (JIT, connection pools)
  await load(upstreamUrl, 10, 1);
  await load(gatewayUrl, 10, 1);
  await load(bareUrl, 10, 1);
  await load(logOnUrl, 10, 1);

  const directC1 = await sequential(upstreamUrl, 2000, body, false);
  const gatewayC1 = await sequential(gatewayUrl, 2000, body, false);
  const bareC1 = await sequential(bareUrl, 2000, body, false);
  const directTtfb = await sequential(upstreamUrl, 1000, streamBody, true);
  const gatewayTtfb = await sequential(gatewayUrl, 1000, streamBody, true);

  const direct = await load(upstreamUrl, 50, seconds);
  const bareBefore = await stats(bare.child);
  const bareLoad = await load(bareUrl, 50, seconds);
  const bareAfter = await stats(bare.child);
  const before = await stats(gw.child);
  const through = await load(gatewayUrl, 50, seconds);
  const after = await stats(gw.child);
  const cpuPerReqMs = (after.cpuMicros - before.cpuMicros) / 1000 / through.requests.total;
  const logOnBefore = await stats(logOn.child);
  const logOnLoad = await load(logOnUrl, 50, seconds);
  const logOnAfter = await stats(logOn.child);
  const logOnCpuMs = (logOnAfter.cpuMicros - logOnBefore.cpuMicros) / 1000 / logOnLoad.requests.total;
  const bareKb = await load(bareUrl, 50, seconds, kbBody);
  const gatewayKb = await load(gatewayUrl, 50, seconds, kbBody);
  const gatewayAfterGc = await stats(gw.child, true);

  await streamLoad(upstreamUrl, STREAM_TOKENS, 10, 1); // warm-up
  await streamLoad(bareUrl, STREAM_TOKENS, 10, 1);
  await streamLoad(gatewayUrl, STREAM_TOKENS, 10, 1);
  const streamDirect = await streamLoad(upstreamUrl, STREAM_TOKENS, 50, seconds);
  const streamBare = await streamLoad(bareUrl, STREAM_TOKENS, 50, seconds);
  const streamGateway = await streamLoad(gatewayUrl, STREAM_TOKENS, 50, seconds);
  const gatewayEnd = await stats(gw.child);

  const rows = [
    ['throughput c=50 direct (req/s)', direct.requests.average.toFixed(0)],
    ['throughput c=50 gateway (req/s)', through.requests.average.toFixed(0)],
    ['throughput c=50 bare node proxy (req/s)', bareLoad.requests.average.toFixed(0)],
    ['throughput ratio gateway/direct', (through.requests.average / direct.requests.average).toFixed(3)],
    ['throughput ratio gateway/bare proxy', (through.requests.average / bareLoad.requests.average).toFixed(3)],
    ['latency c=1 direct p50 / p99 (ms)', `${directC1.p50.toFixed(3)} / ${directC1.p99.toFixed(3)}`],
    ['latency c=1 gateway p50 / p99 (ms)', `${gatewayC1.p50.toFixed(3)} / ${gatewayC1.p99.toFixed(3)}`],
    ['added latency c=1 p50 / p99 (ms)', `${(gatewayC1.p50 - directC1.p50).toFixed(3)} / ${(gatewayC1.p99 - directC1.p99).toFixed(3)}`],
    ['bare proxy added c=1 p50 (ms)', (bareC1.p50 - directC1.p50).toFixed(3)],
    ['stream first byte direct p50 (ms)', directTtfb.p50.toFixed(3)],
    ['stream first byte gateway p50 (ms)', gatewayTtfb.p50.toFixed(3)],
    ['added to stream first byte p50 (ms)', (gatewayTtfb.p50 - directTtfb.p50).toFixed(3)],
    ['gateway CPU per request (ms)', cpuPerReqMs.toFixed(4)],
    ['bare proxy CPU per request (ms)', ((bareAfter.cpuMicros - bareBefore.cpuMicros) / 1000 / bareLoad.requests.total).toFixed(4)],
    ['throughput c=50 gateway, log + metrics on (req/s)', logOnLoad.requests.average.toFixed(0)],
    ['throughput ratio gateway log+metrics on/bare proxy', (logOnLoad.requests.average / bareLoad.requests.average).toFixed(3)],
    ['gateway CPU per request, log + metrics on (ms)', logOnCpuMs.toFixed(4)],
    [
      'throughput c=50 1 KB prompt, guard scanning: gateway / bare proxy (req/s)',
      `${gatewayKb.requests.average.toFixed(0)} / ${bareKb.requests.average.toFixed(0)}`,
    ],
    ['throughput ratio 1 KB prompt, guard scanning: gateway/bare proxy', (gatewayKb.requests.average / bareKb.requests.average).toFixed(3)],
    [`stream c=50 ${STREAM_TOKENS}-token answers direct (tokens/s)`, streamDirect.tokensPerSecond.toFixed(0)],
    [`stream c=50 ${STREAM_TOKENS}-token answers gateway (tokens/s)`, streamGateway.tokensPerSecond.toFixed(0)],
    [`stream c=50 ${STREAM_TOKENS}-token answers bare proxy (tokens/s)`, streamBare.tokensPerSecond.toFixed(0)],
    ['stream tokens/s ratio gateway/direct', (streamGateway.tokensPerSecond / streamDirect.tokensPerSecond).toFixed(3)],
    ['stream tokens/s ratio gateway/bare proxy', (streamGateway.tokensPerSecond / streamBare.tokensPerSecond).toFixed(3)],
    ['gateway idle RSS after start + GC (MB); heap used', `${mb(gatewayIdle.mem.rss)}; ${mb(gatewayIdle.mem.heapUsed)}`],
    ['bare proxy idle RSS after start + GC (MB); heap used', `${mb(bareIdle.mem.rss)}; ${mb(bareIdle.mem.heapUsed)}`],
    ['gateway peak RSS (MB)', (after.maxRssKb / 1024).toFixed(1)],
    ['bare proxy peak RSS (MB)', (bareAfter.maxRssKb / 1024).toFixed(1)],
    ['gateway log + metrics on peak RSS (MB)', (logOnAfter.maxRssKb / 1024).toFixed(1)],
    ['gateway peak RSS incl. streaming (MB)', (gatewayEnd.maxRssKb / 1024).toFixed(1)],
    ['gateway RSS after the load + GC (MB); heap used', `${mb(gatewayAfterGc.mem.rss)}; ${mb(gatewayAfterGc.mem.heapUsed)}`],
    ['request log', process.env.BENCH_LOG ? 'on (sqlite)' : 'off'],
    ['gateway code', fromDist ? 'dist/ (compiled)' : 'src/ via tsx'],
  ];
  const w = Math.max(...rows.map((r) => r[0]!.length));
  for (const [k, v] of rows) console.log(`${k!.padEnd(w)}  ${v}`);

  const bareCpuMs = (bareAfter.cpuMicros - bareBefore.cpuMicros) / 1000 / bareLoad.requests.total;
  const ratios: Ratios = {
    throughputVsBare: through.requests.average / bareLoad.requests.average,
    cpuVsBare: cpuPerReqMs / bareCpuMs,
  };
  if (process.argv.includes('--record')) {
    writeFileSync(baselineFile, `${JSON.stringify({ recordedAt: new Date().toISOString(), ratios }, null, 2)}\n`);
    console.log(`recorded the ratios in ${baselineFile}`);
  }
  if (process.argv.includes('--check')) process.exitCode = checkAgainstBaseline(ratios) ? 0 : 1;
} finally {
  await Promise.all([stopGateway(gw.child), stopGateway(logOn.child)]);
  bare.child.kill();
  upstream.child.kill();
  for (const suffix of ['', '-wal', '-shm']) {
    rmSync(`/tmp/meridian-bench-${process.pid}.db${suffix}`, { force: true });
    rmSync(`${logOnDb}${suffix}`, { force: true });
  }
}
