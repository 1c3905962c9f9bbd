/**
 * Writes a canonical stream to the client as OpenAI SSE (`data: {chunk}` … `data: [DONE]`).
 * Upstream bytes are written through when an event still has its `raw` text. The usage chunk is
 * kept only when the client asked (`stream_options.include_usage`), and synthesized from counted
 * tokens when the upstream sent none. A failure mid-stream ends with an `event: error`, never a
 * clean `[DONE]`.
 */
import type { ServerResponse } from 'node:http';
import type { ChatChunk, Usage } from '../api/types.js';
import { toMeridianError, type MeridianError } from '../errors.js';
import type { StreamEvent } from '../api/types.js';
import { formatUsd } from './headers.js';

export interface StreamOptions {
  headers: Record<string, string>;
  includeUsage: boolean;
  /** Token counts from the streamed text, for upstreams that report no usage. */
  countUsage(text: string): Usage;
  /** Prices the final usage; returns USD (sent as the `x-meridian-cost-usd` trailer). */
  costOf(usage: Usage, estimated: boolean): number;
  signal: AbortSignal;
}

export interface StreamOutcome {
  usage?: Usage;
  error?: MeridianError;
}

const DONE = 'data: [DONE]\n\n';

export async function writeStream(
  res: ServerResponse,
  first: IteratorResult<StreamEvent>,
  rest: AsyncIterator<StreamEvent>,
  opts: StreamOptions,
): Promise<StreamOutcome> {
  startEventStream(res, opts.headers);

  let usage: Usage | undefined;
  let text = '';
  let lastChunk: ChatChunk | undefined;
  const outcome: StreamOutcome = {};
  try {
    let next = first;
    while (!next.done) {
      const { chunk, raw } = next.value;
      lastChunk = chunk;
      if (chunk.usage) usage = chunk.usage;
      const isUsageOnly = chunk.choices.length === 0 && chunk.usage;
      if (!usage) text += deltaText(chunk);
      if (!isUsageOnly || opts.includeUsage) {
        const passRaw = raw !== undefined && (isUsageOnly || opts.includeUsage || !chunk.usage);
        const line = `data: ${passRaw ? raw : JSON.stringify(isUsageOnly ? chunk : stripUsage(chunk, opts.includeUsage))}\n\n`;
        if (!res.write(line)) await drained(res, opts.signal);
      }
      if (opts.signal.aborted) throw opts.signal.reason;
      next = await rest.next();
    }
    const estimated = usage === undefined;
    if (!usage) {
      usage = opts.countUsage(text);
      if (opts.includeUsage && lastChunk) {
        const synthetic: ChatChunk = {
          id: lastChunk.id,
          object: 'chat.completion.chunk',
          created: lastChunk.created,
          model: lastChunk.model,
          choices: [],
          usage,
        };
        res.write(`data: ${JSON.stringify(synthetic)}\n\n`);
      }
    }
    outcome.usage = usage;
    const cost = opts.costOf(usage, estimated);
    res.addTrailers({ 'x-meridian-cost-usd': formatUsd(cost) });
    res.end(DONE);
  } catch (err) {
    const e = toMeridianError(err);
    outcome.error = e;
    if (!usage) opts.costOf(opts.countUsage(text), true);
    if (!res.destroyed) {
      res.end(`event: error\ndata: ${JSON.stringify(e.toJSON())}\n\n`);
    }
    await rest.return?.().catch(() => undefined);
  }
  return outcome;
}

/** SSE response head for both wire formats; the cost follows as a trailer once the stream has ended. */
export function startEventStream(res: ServerResponse, headers: Record<string, string>): void {
  res.statusCode = 200;
  for (const k in headers) res.setHeader(k, headers[k]!);
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('x-accel-buffering', 'no'); // proxies such as nginx must not buffer the stream
  res.setHeader('trailer', 'x-meridian-cost-usd');
}

export function deltaText(chunk: ChatChunk): string {
  let s = '';
  for (const c of chunk.choices) {
    if (c.delta.content) s += c.delta.content;
    if (c.delta.tool_calls) for (const t of c.delta.tool_calls) s += (t.function?.name ?? '') + (t.function?.arguments ?? '');
  }
  return s;
}

/** Some engines attach usage to the last content chunk; hide it unless the client asked. */
function stripUsage(chunk: ChatChunk, keep: boolean): ChatChunk {
  if (keep || chunk.usage === undefined) return chunk;
  const { usage: _u, ...rest } = chunk;
  return rest;
}

export function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
