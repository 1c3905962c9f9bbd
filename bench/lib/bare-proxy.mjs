// Baseline: the least a Node proxy can do — node:http in, parse the JSON body, undici out, bytes
// back. The gateway's overhead is reported against this as well as against the direct upstream.
import { createServer } from 'node:http';
import { Agent } from 'undici';

const upstream = process.argv[2];
const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = JSON.parse(Buffer.concat(chunks).toString());
    body.model = 'bench-model';
    try {
      const up = await agent.request({
        origin: upstream,
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      res.writeHead(up.statusCode, { 'content-type': up.headers['content-type'] ?? 'application/json' });
      for await (const chunk of up.body) res.write(chunk);
      res.end();
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ url: `http://127.0.0.1:${server.address().port}` }));
process.on('message', (m) => {
  if (m.type === 'stats') {
    if (m.gc && globalThis.gc) globalThis.gc();
    const cpu = process.cpuUsage();
    process.send?.({
      type: 'stats',
      cpuMicros: cpu.user + cpu.system,
      maxRssKb: process.resourceUsage().maxRSS,
      mem: process.memoryUsage(),
    });
  }
});
process.on('disconnect', () => process.exit(0));
