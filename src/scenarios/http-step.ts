/**
 * Sends one scenario step over HTTP and gathers everything an assertion may point at:
 * `status`, `headers` (lower-case names), `response` (parsed JSON, else text), `latency_ms`, and
 * for streams the assembled `text`, `tool_calls`, `chunks`, `finish_reason`, `usage`, `done` and
 * `ttft_ms` (time to the first token). A transport failure is reported in `error`, keeping
 * whatever arrived before it (a stream cut mid-way still has its partial `text`).
 */
import { createParser } from 'eventsource-parser';
import { StreamAssembler } from './stream-assembly.js';

export interface StepRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
}

export interface StepContext {
  status?: number;
  headers: Record<string, string>;
  response?: unknown;
  latency_ms: number;
  ttft_ms?: number;
  text?: string;
  tool_calls?: unknown[];
  chunks?: unknown[];
  finish_reason?: string | null;
  usage?: unknown;
  done?: boolean;
  stream_errors?: unknown[];
  error?: string;
}

function describeFetchError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  const code = e.cause?.code ?? e.cause?.message;
  return code ? `${e.message ?? 'request failed'} (${code})` : (e.message ?? String(err));
}

export async function runHttpStep(req: StepRequest): Promise<StepContext> {
  const started = performance.now();
  const since = () => Math.round((performance.now() - started) * 10) / 10;
  const ctx: StepContext = { headers: {}, latency_ms: 0 };
  const headers = { ...req.headers };
  let body: string | undefined;
  if (req.body !== undefined && req.method !== 'GET' && req.method !== 'HEAD') {
    body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(req.url, { method: req.method, headers, body, signal: AbortSignal.timeout(req.timeoutMs) });
  } catch (err) {
    ctx.error = describeFetchError(err);
    ctx.latency_ms = since();
    return ctx;
  }
  ctx.status = res.status;
  res.headers.forEach((v, k) => {
    ctx.headers[k.toLowerCase()] = v;
  });
  const type = ctx.headers['content-type'] ?? '';
  const wantsStream = (req.body as { stream?: unknown } | undefined)?.stream === true;
  const isStream =
    res.ok && (type.includes('text/event-stream') || type.includes('ndjson') || (wantsStream && !type.includes('application/json')));
  try {
    if (isStream && res.body) await readStream(res.body, type.includes('ndjson'), ctx, since);
    else {
      const text = await res.text();
      try {
        ctx.response = text ? JSON.parse(text) : undefined;
      } catch {
        ctx.response = text;
      }
    }
  } catch (err) {
    ctx.error = `connection lost while reading the body: ${describeFetchError(err)}`;
  }
  ctx.latency_ms = since();
  return ctx;
}

async function readStream(stream: ReadableStream<Uint8Array>, ndjson: boolean, ctx: StepContext, since: () => number): Promise<void> {
  const assembler = new StreamAssembler();
  const raw: string[] = [];
  const parser = createParser({
    onEvent: (e) => {
      raw.push(e.data);
      assembler.push(e.data, since());
    },
  });
  const decoder = new TextDecoder();
  let rest = '';
  const feed = (text: string) => {
    if (!ndjson) return parser.feed(text);
    rest += text;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line) assembler.push(line, since());
    }
  };
  // Fill the context even when the stream breaks, so partial output can be asserted on.
  const finish = () => {
    const result = assembler.result();
    ctx.text = result.text;
    ctx.tool_calls = result.tool_calls;
    ctx.chunks = result.chunks;
    ctx.finish_reason = result.finish_reason;
    ctx.usage = result.usage;
    ctx.done = result.done;
    ctx.stream_errors = result.errors;
    ctx.response = result.chunks;
    if (assembler.firstTokenAt !== undefined) ctx.ttft_ms = assembler.firstTokenAt;
  };
  try {
    for await (const part of stream as unknown as AsyncIterable<Uint8Array>) feed(decoder.decode(part, { stream: true }));
    feed(decoder.decode() + (ndjson ? '\n' : '\n\n'));
  } finally {
    finish();
  }
}
