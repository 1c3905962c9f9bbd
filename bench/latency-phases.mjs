// Where one request's added latency goes at concurrency 1: the gateway from dist/ runs in this
// process in front of the fake upstream (bench/lib/fake-upstream.ts, its own process), and
// sequential requests are timed at the points a profile cannot show, because at c=1 most of the
// time is waiting for a turn of the event loop, not CPU:
//   arrive       client start → the server's 'request' event (client, loopback, HTTP parsing)
//   handlerSync  'request' → the gateway's synchronous part of the handler returned
//   bodyEnd      'request' → the request body's 'end'
//   toResolve    'request' → the alias resolved (body parsed and validated, pipeline started)
//   guard        the guard's inspect, start → settled
//   plan         the router's plan
//   execToUp     router.execute called → the upstream request handed to undici
//   up           undici request → upstream response headers
//   after        upstream headers → the response finished (non-stream: body read, metered, sent;
//                stream: the whole stream relayed)
//   toFirstWrite upstream headers → the first `res.write` (streams: the first event relayed)
//   total        client start → first body byte at the client
//
//   npm run build && node bench/latency-phases.mjs [other-checkout]    # medians of 1,000 requests
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { pino } from 'pino';

const here = fileURLToPath(new URL('..', import.meta.url));
const dir = process.argv[2] ?? here;
const up = fork(fileURLToPath(new URL('./lib/fake-upstream.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], cwd: here });
const port = await new Promise((resolve) => up.once('message', (m) => resolve(m.port)));
const { parseConfig } = await import(`${dir}/dist/config/load.js`);
const { createGateway } = await import(`${dir}/dist/gateway/gateway.js`);
const { buildServices } = await import(`${dir}/dist/gateway/build.js`);
const config = parseConfig(
  {
    log: { level: 'silent', requests: false },
    providers: [{ id: 'fake', type: 'openai-compatible', baseUrl: `http://127.0.0.1:${port}/v1`, location: 'local', connections: 64 }],
    models: { bench: [{ provider: 'fake', model: 'bench-model' }] },
    store: { sqlite: `/tmp/meridian-latency-phases-${process.pid}.db` },
  },
  process.env,
);
const logger = pino({ level: 'silent' });
const services = await buildServices(config, logger);
const gateway = createGateway(config, { logger, overrides: services.overrides });
const url = await gateway.listen(0, '127.0.0.1');

/** The marks of the request in flight (requests are sequential). */
let cur;
gateway.server.prependListener('request', (req, res) => {
  const c = (cur = { arrive: performance.now() });
  res.on('finish', () => (c.finish = performance.now()));
  const write = res.write;
  res.write = function (...args) {
    c.firstWrite ??= performance.now();
    return write.apply(this, args);
  };
  req.once('end', () => (c.bodyEnd = performance.now()));
});
gateway.server.on('request', () => cur && (cur.handlerDone = performance.now()));
const mark = (obj, name, tag) => {
  const f = obj[name].bind(obj);
  obj[name] = (...args) => {
    const c = cur;
    if (c) c[tag] = performance.now();
    const r = f(...args);
    const done = (v) => {
      if (c) c[`${tag}End`] = performance.now();
      return v;
    };
    return r && typeof r.then === 'function' ? r.then(done) : done(r);
  };
};
const g = gateway.services;
mark(g.guard, 'inspect', 'guard');
mark(g.router, 'plan', 'plan');
mark(g.router, 'execute', 'exec');
mark(g.catalog, 'resolve', 'resolve');
for (const d of g.catalog.resolve('bench').deployments) mark(d.provider.http, 'request', 'up');

const prompt = [{ role: 'user', content: 'Say hello in one short sentence, please.' }];
const body = JSON.stringify({ model: 'bench', messages: prompt, max_tokens: 32 });
const streamBody = JSON.stringify({ model: 'bench', stream: true, messages: prompt });
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

async function run(target, n, payload) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    cur = undefined;
    const t0 = performance.now();
    const res = await request(target, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } });
    const it = res.body[Symbol.asyncIterator]();
    await it.next();
    const total = performance.now() - t0;
    for (;;) if ((await it.next()).done) break;
    const c = cur;
    rows.push(
      c
        ? {
            total,
            arrive: c.arrive - t0,
            handlerSync: c.handlerDone - c.arrive,
            bodyEnd: c.bodyEnd - c.arrive,
            toResolve: c.resolve - c.arrive,
            guard: c.guardEnd - c.guard,
            plan: c.planEnd - c.plan,
            execToUp: c.up - c.exec,
            up: c.upEnd - c.up,
            after: c.finish - c.upEnd,
            ...(c.firstWrite === undefined ? {} : { toFirstWrite: c.firstWrite - c.upEnd }),
          }
        : { total },
    );
  }
  return Object.fromEntries(Object.keys(rows[0]).map((k) => [k, Number(median(rows.map((r) => r[k])).toFixed(3))]));
}

const direct = `http://127.0.0.1:${port}/v1/chat/completions`;
const through = `${url}/v1/chat/completions`;
await run(direct, 300, body);
await run(through, 300, body);
for (const [name, target, payload] of [
  ['direct', direct, body],
  ['gateway', through, body],
  ['direct stream', direct, streamBody],
  ['gateway stream', through, streamBody],
]) {
  console.log(name.padEnd(15), JSON.stringify(await run(target, 1000, payload)));
}
up.kill();
process.exit(0);
