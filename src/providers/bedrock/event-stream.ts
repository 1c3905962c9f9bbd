/**
 * The AWS event-stream binary framing (`application/vnd.amazon.eventstream`) of ConverseStream:
 * each message is a 12-byte prelude (total length, headers length, prelude CRC32), typed headers,
 * a payload and a message CRC32 (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTSelectObjectAppendix.html ,
 * https://smithy.io/2.0/aws/amazon-eventstream.html). Messages are decoded and their checksums
 * verified by the SDK's codec (`EventStreamCodec` from `@smithy/core/event-streams`); this module
 * only cuts the byte stream at message boundaries, with a bound on the length the upstream claims
 * so a corrupt prelude cannot make the gateway allocate gigabytes.
 */
import type { Message } from '@smithy/core/event-streams';
import { UpstreamError } from '../../errors.js';
import { transportError } from '../shared/http.js';
import { readBody, type UpstreamBody } from '../shared/upstream-body.js';
import type { ProviderHandle } from '../spec.js';
import { loadEventStreamCodec } from './smithy.js';

/** Largest event-stream message accepted: the format's own limit is 16 MiB. */
export const MAX_EVENT_MESSAGE_BYTES = 16 * 1024 * 1024;
const PRELUDE_BYTES = 12;
const MIN_MESSAGE_BYTES = 16;

/** Yields each decoded message of an event-stream body. A malformed or cut message throws an UpstreamError. */
export async function* eventStreamMessages(
  body: UpstreamBody,
  signal: AbortSignal,
  provider: ProviderHandle,
  deployment: string,
): AsyncGenerator<Message> {
  const malformed = (why: string) =>
    new UpstreamError(`Upstream '${deployment}' sent a malformed event-stream message (${why}).`, {
      deployment,
      upstreamStatus: 502,
      ...(why.startsWith('cut') ? { code: 'upstream_truncated' } : {}),
    });
  const eventStreamCodec = await loadEventStreamCodec();
  let pending = Buffer.alloc(0);
  const reader = readBody(body, signal, provider, deployment);
  try {
    for (;;) {
      let next: IteratorResult<Buffer | Uint8Array>;
      try {
        next = await reader.next();
      } catch (err) {
        throw transportError(err, signal, provider, deployment);
      }
      if (next.done) break;
      pending = pending.length ? Buffer.concat([pending, next.value]) : Buffer.from(next.value);
      while (pending.length >= PRELUDE_BYTES) {
        const total = pending.readUInt32BE(0);
        if (total < MIN_MESSAGE_BYTES || total > MAX_EVENT_MESSAGE_BYTES) {
          throw malformed(`length ${total}`);
        }
        if (pending.length < total) break;
        let message: Message;
        try {
          message = eventStreamCodec.decode(pending.subarray(0, total));
        } catch (err) {
          throw malformed((err as Error).message.slice(0, 200));
        }
        pending = pending.subarray(total);
        yield message;
      }
    }
  } finally {
    // Stopped early (consumer gone, malformed frame): readBody cancels the upstream body.
    await reader.return(undefined);
  }
  if (pending.length) throw malformed(`cut after ${pending.length} bytes of a message`);
}

/** A string header's value (`:message-type`, `:event-type`, …), or undefined. */
export function stringHeader(message: Message, name: string): string | undefined {
  const h = message.headers[name];
  return h && h.type === 'string' ? h.value : undefined;
}
