/**
 * Reading an upstream response body without ever leaking it. A pooled connection is only given
 * back when its body is read to the end or destroyed, so every way out of a stream — finished,
 * failed, timed out, abandoned by the caller — must end in one of the two. undici's `bodyTimeout`
 * is off (a local model may think for minutes before its first token), so the gap between two
 * chunks is bounded here instead: `providers[].streamIdleTimeoutMs`.
 */
import { UpstreamTimeoutError } from '../../errors.js';
import type { ProviderHandle } from '../spec.js';

/** An upstream body: undici's `BodyReadable` in production, any async iterable in tests. */
export type UpstreamBody = AsyncIterable<Buffer | Uint8Array> & { destroy?(error?: Error): unknown };

/** Longest silence between two chunks of a streamed body when the provider sets none (ms). */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 60_000;

export function streamIdleTimeoutMs(provider: ProviderHandle): number {
  return provider.config.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
}

/**
 * Frees the connection behind a body that will not be read to the end. Destroying undici's body
 * aborts the request and closes the socket; a plain iterable is told to stop.
 */
export function cancelBody(body: UpstreamBody, iterator?: AsyncIterator<unknown>): void {
  if (typeof body.destroy === 'function') {
    // A body whose response has fully arrived (a stream left at its `[DONE]`) holds no connection:
    // destroying it would only build undici's abort error, stack trace included, on every stream.
    if (fullyReceived(body)) return;
    body.destroy();
    return;
  }
  iterator?.return?.().catch(() => undefined);
}

/** Whether a Node readable body has received its end (pushed, maybe not yet read); false for other iterables. */
function fullyReceived(body: UpstreamBody): boolean {
  return (body as { _readableState?: { ended?: boolean } })._readableState?.ended === true;
}

/**
 * Yields the body's chunks, waiting at most the provider's idle timeout for each and stopping as
 * soon as `signal` aborts (client gone, attempt timeout, request deadline). Errors are thrown
 * raw (the timeout as an UpstreamTimeoutError, an abort as `signal.reason`) for `transportError`
 * to map. Whenever the loop ends before the body's own end, the body is cancelled.
 */
export async function* readBody(
  body: UpstreamBody,
  signal: AbortSignal,
  provider: ProviderHandle,
  deployment?: string,
): AsyncGenerator<Buffer | Uint8Array> {
  if (signal.aborted) throw signal.reason;
  const idleMs = streamIdleTimeoutMs(provider);
  const where = deployment ?? provider.id;
  const iterator = body[Symbol.asyncIterator]();
  // One abort listener and one idle timer for the whole body, not one of each per chunk (a long
  // answer has thousands). The timer counts only while a read is waiting: a slow client leaves data
  // buffered in the body, so the next chunk is already there and the upstream is not idle.
  let fail: ((err: unknown) => void) | undefined;
  const onAbort = () => fail?.(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = idleMs > 0 ? setTimeout(() => fail?.(new UpstreamTimeoutError(idleMessage(where, idleMs), deployment)), idleMs) : undefined;
  let ended = false;
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      timer?.refresh();
      const next = await new Promise<IteratorResult<Buffer | Uint8Array>>((resolve, reject) => {
        fail = reject;
        iterator.next().then(resolve, reject);
      });
      fail = undefined;
      if (next.done) {
        ended = true;
        return;
      }
      yield next.value;
    }
  } finally {
    fail = undefined;
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    if (!ended) cancelBody(body, iterator);
  }
}

function idleMessage(where: string, ms: number): string {
  return `Upstream '${where}' sent nothing for ${ms} ms in the middle of a stream (providers[].streamIdleTimeoutMs).`;
}

/**
 * An adapter's canonical events, tied to the body they come from: `return()` or `throw()` on the
 * iterator cancels the upstream body even when iteration never started (an async generator that
 * was never resumed would not run its `finally`, and the connection would stay taken).
 */
export function tiedToBody<T>(body: UpstreamBody, events: AsyncGenerator<T>): AsyncIterable<T> {
  const iterator: AsyncIterator<T> = {
    next: () => events.next(),
    return: (value?: unknown) => {
      cancelBody(body);
      return events.return(value as T);
    },
    throw: (error?: unknown) => {
      cancelBody(body);
      return events.throw(error);
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}
