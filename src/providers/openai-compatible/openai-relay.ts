/**
 * OpenAI-compatible SSE relayed with as little work as the caller allows (`ChatCall.relay`): runs of
 * content deltas go on as the upstream's own bytes, unparsed; every other event is parsed exactly
 * as openai-stream.ts does (same errors, same end-of-body check). A 2,000-token answer is ~2,000
 * events; parsing, re-encoding and writing each one was most of the gateway's streaming cost.
 *
 * Which events may pass unparsed is learned, not guessed: an event parsed exactly that is a plain
 * content delta of one choice (no finish reason, usage, error or field to normalize) becomes a
 * template — its bytes before and after the content string. A later event made of the same bytes
 * around another JSON string means the same thing with other content, so it passes; engines repeat
 * the same id, model and fields on every delta, so nearly every event fits. Anything else (a role or
 * tool-call delta, the finish chunk, usage, an error) is parsed and may become the next template.
 * The content string itself is checked for its quotes and line breaks, not for the rest of JSON's
 * string grammar. A carriage return anywhere (CRLF framing) or an event longer than 1 MiB switches
 * the rest of the body to the exact parser.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ChatChunk, RelayEvent } from '../../api/types.js';
import { transportError } from '../shared/http.js';
import { readBody, type UpstreamBody } from '../shared/upstream-body.js';
import type { ProviderHandle } from '../spec.js';
import { DONE, OpenAIStreamState } from './openai-stream.js';

/** Longest partial event held while waiting for its end; beyond it the exact parser takes over. */
const MAX_PENDING = 1 << 20;
/** Templates learned per stream at most: an upstream whose every delta differs gains nothing from more. */
const MAX_TEMPLATES = 32;
const EMPTY = Buffer.alloc(0);
const CONTENT_KEY = '"content":"';
const BACKSLASH = 92;

/** The bytes around one content delta's string (`data: ` … `\n\n`), learned from an event parsed exactly. */
export class DeltaTemplate {
  private constructor(
    private readonly prefix: string,
    private readonly suffix: string,
    /** The choice the deltas belong to. */
    readonly index: number,
  ) {}

  /** A template from an event's `data` text and its parsed chunk, when it is a plain content delta. */
  static from(raw: string, chunk: ChatChunk): DeltaTemplate | undefined {
    const choice = chunk.choices.length === 1 ? chunk.choices[0] : undefined;
    if (!choice || choice.finish_reason != null || typeof choice.delta?.content !== 'string' || chunk.usage != null) return undefined;
    if (raw.includes('\n')) return undefined;
    const key = raw.indexOf(CONTENT_KEY);
    if (key === -1 || raw.indexOf(CONTENT_KEY, key + 1) !== -1) return undefined;
    const open = key + CONTENT_KEY.length;
    const close = stringEnd(raw, open);
    if (close === -1) return undefined;
    // The same bytes around another string must mean the same chunk with that content: check it.
    const probe = JSON.parse(`${raw.slice(0, open)}x${raw.slice(close)}`) as ChatChunk;
    const expected = JSON.parse(raw) as ChatChunk;
    expected.choices[0]!.delta.content = 'x';
    if (JSON.stringify(probe) !== JSON.stringify(expected)) return undefined;
    return new DeltaTemplate(`data: ${raw.slice(0, open)}`, `${raw.slice(close)}\n\n`, choice.index ?? 0);
  }

  /**
   * End of the run of events from `pos` that fit the template (`pos` if none does); each one's
   * content string body (as it is on the wire) is pushed to `bodies`.
   */
  runEnd(text: string, pos: number, bodies: string[]): number {
    for (;;) {
      if (!text.startsWith(this.prefix, pos)) return pos;
      const open = pos + this.prefix.length;
      const close = stringEnd(text, open);
      if (close === -1 || !text.startsWith(this.suffix, close)) return pos;
      const nl = text.indexOf('\n', open);
      if (nl < close) return pos; // a line break inside the string: not one `data:` line
      bodies.push(text.slice(open, close));
      pos = close + this.suffix.length;
    }
  }
}

/** The text of JSON string bodies read as latin1 (one character per UTF-8 byte), decoded and unescaped. */
function decodeBodies(bodies: string[]): string {
  const utf8 = Buffer.from(bodies.join(''), 'latin1').toString('utf8');
  try {
    return JSON.parse(`"${utf8}"`) as string;
  } catch {
    return utf8; // a body outside JSON's string grammar (a raw control character): counted as written
  }
}

/** Offset of the quote that closes the JSON string whose body starts at `from`; -1 if none. */
function stringEnd(text: string, from: number): number {
  for (let q = text.indexOf('"', from); q !== -1; q = text.indexOf('"', q + 1)) {
    let slashes = 0;
    while (text.charCodeAt(q - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q;
  }
  return -1;
}

export async function* openaiRelay(
  body: UpstreamBody,
  signal: AbortSignal,
  provider: ProviderHandle,
  deployment: string,
): AsyncGenerator<RelayEvent> {
  const state = new OpenAIStreamState(provider, deployment);
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => queue.push(e) });
  const decoder = new TextDecoder();
  let template: DeltaTemplate | undefined;
  let learned = 0;
  let exact = false;
  // Bytes after the last complete event, and the same as latin1 text: one character per byte, so
  // offsets found in the text are offsets into the bytes (every marker looked for is ASCII).
  let pending: Buffer = EMPTY;
  let pendingText = '';

  /** Events ready for the caller, collected synchronously per upstream read (one await per read, not per event). */
  const out: RelayEvent[] = [];

  /** Parses what the exact parser has queued; false at `[DONE]`. */
  function drain(): boolean {
    while (queue.length) {
      const ev = state.event(queue.shift()!);
      if (ev === DONE) return false;
      if (!ev) continue;
      if (ev.raw !== undefined && learned < MAX_TEMPLATES) {
        const next = DeltaTemplate.from(ev.raw, ev.chunk);
        if (next) {
          template = next;
          learned++;
        }
      }
      out.push(ev);
    }
    return true;
  }

  /**
   * Hands over the complete events of `bytes` (`text` the same as latin1) from `pos`: runs that fit
   * the template as bytes, the event after a run parsed (it may teach the next template). Returns
   * where the incomplete rest begins, or -1 at `[DONE]`.
   */
  function events(bytes: Buffer, text: string, pos: number): number {
    while (pos < text.length) {
      if (template) {
        const bodies: string[] = [];
        const run = template.runEnd(text, pos, bodies);
        if (run > pos) {
          state.started(template.index);
          out.push({ sse: bytes.subarray(pos, run), text: decodeBodies(bodies) });
          pos = run;
          continue;
        }
      }
      const next = text.indexOf('\n\n', pos);
      if (next === -1) break;
      parser.feed(bytes.toString('utf8', pos, next + 2));
      pos = next + 2;
      if (!drain()) return -1;
    }
    return pos;
  }

  /** One upstream read; false once `[DONE]` arrived. */
  function read(buf: Buffer): boolean {
    if (exact) {
      parser.feed(decoder.decode(buf, { stream: true }));
      return drain();
    }
    const text = buf.toString('latin1');
    if (text.includes('\r') || pending.length + buf.length > MAX_PENDING) {
      exact = true;
      parser.feed(decoder.decode(pending.length ? Buffer.concat([pending, buf]) : buf, { stream: true }));
      pending = EMPTY;
      pendingText = '';
      return drain();
    }
    let pos = 0;
    if (pending.length) {
      // The event cut by the previous read ends in this one: handle it alone, so the read's own
      // bytes are scanned in place, never copied behind the partial event.
      const end = pendingText.endsWith('\n') && text.startsWith('\n') ? 1 : blankLineEnd(text);
      if (end === -1) {
        pending = Buffer.concat([pending, buf]);
        pendingText += text;
        return true;
      }
      const head = Buffer.concat([pending, buf.subarray(0, end)]);
      const headText = pendingText + text.slice(0, end);
      pending = EMPTY;
      pendingText = '';
      if (events(head, headText, 0) === -1) return false;
      pos = end;
    }
    const rest = events(buf, text, pos);
    if (rest === -1) return false;
    if (rest < buf.length) {
      pending = Buffer.from(buf.subarray(rest));
      pendingText = text.slice(rest);
    }
    return true;
  }

  try {
    for await (const chunk of readBody(body, signal, provider, deployment)) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let more: boolean;
      try {
        more = read(buf);
      } finally {
        // Events before a failure reach the client before it.
        for (const ev of out.splice(0)) yield ev;
      }
      if (!more) return;
    }
  } catch (err) {
    throw transportError(err, signal, provider, deployment);
  }
  parser.feed(decoder.decode(pending) + '\n\n');
  let more: boolean;
  try {
    more = drain();
  } finally {
    for (const ev of out.splice(0)) yield ev;
  }
  if (more) state.end();
}

/** Offset just past the first blank line in `text`; -1 if none. */
function blankLineEnd(text: string): number {
  const at = text.indexOf('\n\n');
  return at === -1 ? -1 : at + 2;
}
