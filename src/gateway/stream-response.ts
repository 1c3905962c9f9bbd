/**
 * Writes a canonical stream to the client as OpenAI SSE (`data: {chunk}` … `data: [DONE]`).
 * Upstream bytes are written through when an event still has its `raw` text, and relayed
 * events (`SseBytes`, whole runs of upstream events) as they are. The usage chunk is
 * kept only when the client asked (`stream_options.include_usage`); the metering stage before
 * this one guarantees there is one. A failure mid-stream ends with an `event: error`, never a
 * clean `[DONE]`.
 */
import type { ServerResponse } from 'node:http';
import type { ChatChunk, RelayEvent, StreamEvent } from '../api/types.js';
import { toMeridianError, type MeridianError } from '../errors.js';
import { formatUsd } from './headers.js';

export interface StreamOptions {
  headers: Record<string, string>;
  includeUsage: boolean;
  /** The attempt's cost, known once the events have ended (sent as the `x-meridian-cost-usd` trailer). */
  costUsd(): number | undefined;
  signal: AbortSignal;
  /** Top-level fields the first chunk carries besides its own (`sources` of a retrieval request). */
  firstChunkFields?: Record<string, unknown>;
}

export interface StreamOutcome {
  error?: MeridianError;
}

const DONE = 'data: [DONE]\n\n';
const SSE = 'text/event-stream; charset=utf-8';

export async function writeStream(res: ServerResponse, events: AsyncIterable<RelayEvent>, opts: StreamOptions): Promise<StreamOutcome> {
  startEventStream(res, opts.headers);
  const outcome: StreamOutcome = {};
  let extra = opts.firstChunkFields;
  let sent = false;
  try {
    for await (const ev of events) {
      if ('sse' in ev) {
        // The caller asked for relayed events only with no fields to add (chat.ts).
        const more = res.write(ev.sse);
        if (!sent) sent = sendNow(res);
        if (!more) await drained(res, opts.signal);
        if (opts.signal.aborted) throw opts.signal.reason;
        continue;
      }
      const { chunk, raw } = ev;
      const isUsageOnly = chunk.choices.length === 0 && chunk.usage !== undefined;
      if (!isUsageOnly || opts.includeUsage) {
        const passRaw = raw !== undefined && extra === undefined && (isUsageOnly || opts.includeUsage || !chunk.usage);
        const out = isUsageOnly ? chunk : stripUsage(chunk, opts.includeUsage);
        const line = `data: ${passRaw ? raw : JSON.stringify(extra ? { ...out, ...extra } : out)}\n\n`;
        extra = undefined;
        const more = res.write(line);
        if (!sent) sent = sendNow(res);
        if (!more) await drained(res, opts.signal);
      }
      if (opts.signal.aborted) throw opts.signal.reason;
    }
    res.addTrailers({ 'x-meridian-cost-usd': formatUsd(opts.costUsd()) });
    res.end(DONE);
  } catch (err) {
    outcome.error = toMeridianError(err);
    endWithError(res, `event: error\ndata: ${JSON.stringify(outcome.error.toJSON())}\n\n`);
  }
  return outcome;
}

/**
 * Sends the head and what was written so far at once. Node corks a response's socket after a write
 * until the next tick, and when the events behind the first one are already buffered (one upstream
 * packet, or other requests' work queued under load) that tick comes only after all of them were
 * handled: the first byte would wait for the last. Only the first write is sent this way; later
 * ones keep Node's batching. True, for `sent`.
 */
function sendNow(res: ServerResponse): true {
  res.socket?.uncork();
  return true;
}

/** Ends a stream that failed after its head was sent: the error event, never a clean end. */
export function endWithError(res: ServerResponse, event: string): void {
  if (!res.destroyed) res.end(event);
}

/** SSE response head for both wire formats; the cost follows as a trailer once the stream has ended. */
export function startEventStream(res: ServerResponse, headers: Record<string, string>, contentType = SSE): void {
  res.statusCode = 200;
  for (const k in headers) res.setHeader(k, headers[k]!);
  res.setHeader('content-type', contentType);
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('x-accel-buffering', 'no'); // proxies such as nginx must not buffer the stream
  res.setHeader('trailer', 'x-meridian-cost-usd');
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

/**
 * The writer for wire formats that translate the canonical chunks into their own SSE events
 * (Anthropic Messages, OpenAI Responses): the same head, back-pressure, cost trailer and
 * error ending as the OpenAI writer; `toEvents` turns chunks into SSE text, `errorEvent` renders
 * a failure as the format's own error event. `contentType`: Ollama's wire streams NDJSON lines.
 */
export async function writeTranslatedStream(
  res: ServerResponse,
  events: AsyncIterable<StreamEvent>,
  opts: StreamOptions,
  toEvents: (chunks: AsyncIterable<ChatChunk>) => AsyncIterable<string>,
  errorEvent: (e: MeridianError) => string,
  contentType = SSE,
): Promise<StreamOutcome> {
  startEventStream(res, opts.headers, contentType);
  const outcome: StreamOutcome = {};
  let sent = false;
  try {
    for await (const sse of toEvents(chunksOf(events, opts.signal))) {
      const more = res.write(sse);
      if (!sent) sent = sendNow(res);
      if (!more && !res.destroyed) await drained(res, opts.signal);
    }
    res.addTrailers({ 'x-meridian-cost-usd': formatUsd(opts.costUsd()) });
    res.end();
  } catch (err) {
    outcome.error = toMeridianError(err);
    endWithError(res, errorEvent(outcome.error));
  }
  return outcome;
}

async function* chunksOf(events: AsyncIterable<StreamEvent>, signal: AbortSignal): AsyncGenerator<ChatChunk> {
  for await (const ev of events) {
    yield ev.chunk;
    if (signal.aborted) throw signal.reason;
  }
}
