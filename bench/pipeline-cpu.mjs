// The gateway's own CPU per non-streaming chat request, without sockets or HTTP parsing: the
// server's request handler is called with a fake request and response, and each deployment's
// undici dispatcher answers a canned completion (after one turn of the event loop, adding and
// removing an abort listener as undici does). What is left is the gateway's JavaScript — auth,
// parsing, the guard, routing, the executor, the adapter, metering, metrics, the answer — which
// `npm run bench` cannot separate from the kernel's loopback TCP and the load generator.
//
//   npm run build && node --expose-gc bench/pipeline-cpu.mjs                 # this tree's dist/
//   node --expose-gc bench/pipeline-cpu.mjs /tmp/base                        # and another checkout's
//                                                                            # dist/, alternating
// Env: N requests per round (10000), R rounds (8), C concurrency (50). Prints µs of process CPU per
// request (median of the rounds) and, with a baseline, the median of the paired ratios.
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';

const here = fileURLToPath(new URL('..', import.meta.url));
const variants = [['this', here]];
if (process.argv[2]) variants.unshift(['base', process.argv[2]]);
const N = Number(process.env.N ?? 10000);
const ROUNDS = Number(process.env.R ?? 8);
const CONC = Number(process.env.C ?? 50);

const completion = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1700000000,
    model: 'bench-model',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the fake upstream.' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
  }),
);
const body = Buffer.from(
  JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'Say hello in one short sentence, please.' }], max_tokens: 32 }),
);

/** The part of ServerResponse the gateway uses; `end` settles the request. */
class FakeResponse extends EventEmitter {
  constructor(done) {
    super();
    this.h = {};
    this.statusCode = 200;
    this.headersSent = false;
    this.writableFinished = false;
    this.done = done;
  }
  setHeader(k, v) {
    this.h[k.toLowerCase()] = v;
    return this;
  }
  getHeader(k) {
    return this.h[k.toLowerCase()];
  }
  hasHeader(k) {
    return k.toLowerCase() in this.h;
  }
  removeHeader(k) {
    delete this.h[k.toLowerCase()];
  }
  writeHead(status, headers) {
    this.statusCode = status;
    if (headers) Object.assign(this.h, headers);
    this.headersSent = true;
    return this;
  }
  write() {
    this.headersSent = true;
    return true;
  }
  end(b) {
    this.headersSent = true;
    this.writableFinished = true;
    this.body = b;
    this.emit('finish');
    this.emit('close');
    this.done(this);
    return this;
  }
  destroy() {
    this.emit('close');
    this.done(this);
  }
}

async function gatewayFrom(name, dir) {
  const { parseConfig } = await import(`${dir}/dist/config/load.js`);
  const { createGateway } = await import(`${dir}/dist/gateway/gateway.js`);
  const { buildServices } = await import(`${dir}/dist/gateway/build.js`);
  const config = parseConfig(
    {
      log: { level: 'silent', requests: false },
      providers: [{ id: 'fake', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', location: 'local' }],
      models: { bench: [{ provider: 'fake', model: 'bench-model' }] },
      store: { sqlite: `/tmp/meridian-pipeline-cpu-${name}-${process.pid}.db` },
    },
    process.env,
  );
  const logger = pino({ level: 'silent' });
  const services = await buildServices(config, logger);
  const gateway = createGateway(config, { logger, overrides: services.overrides, ...(services.routes ? { routes: services.routes } : {}) });
  for (const d of gateway.services.catalog.resolve('bench').deployments) {
    d.provider.http.request = async ({ signal }) => {
      const onAbort = () => {};
      signal?.addEventListener('abort', onAbort, { once: true });
      await null;
      signal?.removeEventListener('abort', onAbort);
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: {
          arrayBuffer: async () => completion.buffer.slice(completion.byteOffset, completion.byteOffset + completion.length),
          text: async () => completion.toString(),
        },
      };
    };
  }
  return { name, server: gateway.server };
}

function request(server) {
  return new Promise((resolve, reject) => {
    const req = Readable.from([body], { objectMode: false });
    req.url = '/v1/chat/completions';
    req.method = 'POST';
    req.headers = { host: '127.0.0.1:8080', 'content-type': 'application/json', 'content-length': String(body.length) };
    const res = new FakeResponse((r) => (r.statusCode === 200 ? resolve() : reject(new Error(`status ${r.statusCode}: ${r.body}`))));
    server.emit('request', req, res);
  });
}

async function load(server, n) {
  let left = n;
  const workers = [];
  for (let c = 0; c < CONC; c++)
    workers.push(
      (async () => {
        while (left-- > 0) await request(server);
      })(),
    );
  await Promise.all(workers);
  // Handlers finish their bookkeeping (log entry, metrics) after the answer is sent.
  await sleep(20);
}

const gateways = [];
for (const [name, dir] of variants) gateways.push(await gatewayFrom(name, dir));
for (const g of gateways) await load(g.server, 3000);
const micros = Object.fromEntries(gateways.map((g) => [g.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const g of r % 2 ? [...gateways].reverse() : gateways) {
    globalThis.gc?.();
    const c0 = process.cpuUsage();
    await load(g.server, N);
    const c = process.cpuUsage(c0);
    micros[g.name].push((c.user + c.system) / N);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const g of gateways) {
  const m = micros[g.name];
  console.log(
    `${g.name.padEnd(5)} CPU per request ${median(m).toFixed(1)} µs (median of ${ROUNDS}; rounds ${m.map((x) => x.toFixed(1)).join(' ')})`,
  );
}
if (micros.base) {
  const ratios = micros.this.map((x, i) => x / micros.base[i]);
  console.log(`this/base paired ${ratios.map((x) => x.toFixed(2)).join(' ')}, median ${median(ratios).toFixed(3)}`);
}
process.exit(0);
