/**
 * Streaming throughput: `connections` clients each POST a streamed chat request, read the SSE
 * answer to the end and start the next, for `seconds`. Counts the answer's tokens (content deltas
 * of the fake upstream's long-stream mode, see fake-upstream.ts) as their bytes arrive, so the
 * result is tokens delivered to the client per second, end to end. Only tokens that arrive before
 * the deadline count; answers in flight then are read to their end but start no new request. They
 * are not cut: a client that leaves mid-stream makes the gateway count the partial answer's tokens
 * with the exact tokenizer (a worker thread, ~150 MB), which is not what this measures.
 */
import { Agent, request } from 'undici';
import { LONG_STREAM_TOKEN } from './fake-upstream-protocol.js';

/** What a token's delta looks like on the wire (the gateway re-encodes chunks with JSON.stringify, same bytes). */
const MARKER = Buffer.from(`"content":${JSON.stringify(LONG_STREAM_TOKEN)}`);

export interface StreamLoadResult {
  tokensPerSecond: number;
  answers: number;
  seconds: number;
}

export async function streamLoad(url: string, tokens: number, connections: number, seconds: number): Promise<StreamLoadResult> {
  const payload = JSON.stringify({
    model: 'bench',
    stream: true,
    max_tokens: tokens,
    messages: [{ role: 'user', content: 'Write a long answer.' }],
  });
  const dispatcher = new Agent({ connections, keepAliveTimeout: 30_000 });
  let delivered = 0;
  let answers = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;

  async function client(): Promise<void> {
    while (performance.now() < deadline) {
      let seen = 0;
      const res = await request(url, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' }, dispatcher });
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${await res.body.text()}`);
      // The marker may straddle two reads: keep its length minus one byte of the previous read.
      let carry: Buffer = Buffer.alloc(0);
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
        const inTime = performance.now() < deadline;
        let at = buf.indexOf(MARKER);
        while (at !== -1) {
          seen++;
          if (inTime) delivered++;
          at = buf.indexOf(MARKER, at + MARKER.length);
        }
        carry = buf.subarray(Math.max(0, buf.length - (MARKER.length - 1)));
      }
      if (seen !== tokens) throw new Error(`${url} delivered ${seen} of ${tokens} tokens`);
      answers++;
    }
  }

  try {
    await Promise.all(Array.from({ length: connections }, () => client()));
  } finally {
    await dispatcher.destroy();
  }
  return { tokensPerSecond: delivered / seconds, answers, seconds };
}
