/**
 * A fast fake OpenAI-compatible upstream for benchmarks, run as its own process: a fixed
 * completion for non-stream requests, a short SSE stream for stream requests, and a long one
 * (`max_tokens` content chunks, see fake-upstream-protocol.ts) for stream requests that set
 * `max_tokens`.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LONG_STREAM_EVENTS_PER_WRITE, LONG_STREAM_TOKEN, MAX_LONG_STREAM_TOKENS } from './fake-upstream-protocol.js';

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
const chunk = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const streamBody =
  chunk({ role: 'assistant', content: '' }) +
  chunk({ content: 'Hello' }) +
  chunk({ content: ' world' }) +
  chunk({}, 'stop') +
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000, model: 'bench-model', choices: [], usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 } })}\n\n` +
  'data: [DONE]\n\n';

const tokenEvents = chunk({ content: LONG_STREAM_TOKEN }).repeat(LONG_STREAM_EVENTS_PER_WRITE);
const usageEvent = (n: number) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000, model: 'bench-model', choices: [], usage: { prompt_tokens: 12, completion_tokens: n, total_tokens: 12 + n } })}\n\n`;

/** Batches of events with a turn of the event loop between them, so concurrent answers interleave as a server's would. */
function longStream(res: ServerResponse, tokens: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(chunk({ role: 'assistant', content: '' }));
  let left = tokens;
  const next = () => {
    if (res.destroyed) return;
    if (left === 0) {
      res.end(chunk({}, 'length') + usageEvent(tokens) + 'data: [DONE]\n\n');
      return;
    }
    const n = Math.min(left, LONG_STREAM_EVENTS_PER_WRITE);
    left -= n;
    const more = res.write(n === LONG_STREAM_EVENTS_PER_WRITE ? tokenEvents : chunk({ content: LONG_STREAM_TOKEN }).repeat(n));
    // A slow reader (the gateway under load) pauses the answer, as a real server's socket would.
    if (more) setImmediate(next);
    else res.once('drain', next);
  };
  next();
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    if (body.includes('"stream":true')) {
      const long = /"max_tokens":(\d+)/.exec(body);
      if (long && Number(long[1]) <= MAX_LONG_STREAM_TOKENS) return longStream(res, Number(long[1]));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(streamBody);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': completion.length });
    res.end(completion);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
