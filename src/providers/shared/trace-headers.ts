/**
 * Headers that belong to one upstream call rather than to the provider (W3C `traceparent` of the
 * attempt span). Kept in async context so every adapter sends them through `upstreamRequest`
 * without each call site passing them along; nothing is stored when tracing is off.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const callHeaders = new AsyncLocalStorage<Readonly<Record<string, string>>>();

/** Runs `fn` with `headers` added to every upstream request it makes. */
export function withCallHeaders<T>(headers: Readonly<Record<string, string>>, fn: () => T): T {
  return callHeaders.run(headers, fn);
}

export function currentCallHeaders(): Readonly<Record<string, string>> | undefined {
  return callHeaders.getStore();
}
