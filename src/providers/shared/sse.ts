/**
 * Server-sent events and NDJSON from an upstream body, parsed once with a spec-following parser
 * (eventsource-parser). The body is read through `readBody` (idle timeout, abort, cancel on early
 * exit); errors while reading become MeridianErrors via `transportError`.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ProviderHandle } from '../spec.js';
import { UpstreamError } from '../../errors.js';
import { transportError } from './http.js';
import { readBody, type UpstreamBody } from './upstream-body.js';

/** Yields each SSE event (`event` name and `data` text) from a byte stream. */
export async function* sseEvents(
  body: UpstreamBody,
  signal: AbortSignal,
  provider: ProviderHandle,
  deployment?: string,
): AsyncGenerator<EventSourceMessage> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => queue.push(e) });
  const decoder = new TextDecoder();
  try {
    for await (const buf of readBody(body, signal, provider, deployment)) {
      parser.feed(decoder.decode(buf, { stream: true }));
      while (queue.length) yield queue.shift()!;
    }
  } catch (err) {
    throw transportError(err, signal, provider, deployment);
  }
  parser.feed(decoder.decode() + '\n\n');
  while (queue.length) yield queue.shift()!;
}

/** Yields each parsed JSON line of an NDJSON byte stream (Ollama). Blank lines are skipped. */
export async function* ndjsonLines<T>(
  body: UpstreamBody,
  signal: AbortSignal,
  provider: ProviderHandle,
  deployment?: string,
): AsyncGenerator<T> {
  const decoder = new TextDecoder();
  let rest = '';
  try {
    for await (const buf of readBody(body, signal, provider, deployment)) {
      rest += decoder.decode(buf, { stream: true });
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, nl).trim();
        rest = rest.slice(nl + 1);
        if (line) yield parseLine<T>(line, provider, deployment);
      }
    }
  } catch (err) {
    throw transportError(err, signal, provider, deployment);
  }
  rest += decoder.decode();
  if (rest.trim()) yield parseLine<T>(rest, provider, deployment);
}

function parseLine<T>(line: string, provider: ProviderHandle, deployment?: string): T {
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new UpstreamError(`Upstream '${deployment ?? provider.id}' sent a stream line that is not JSON.`, {
      deployment,
      upstreamStatus: 502,
    });
  }
}
