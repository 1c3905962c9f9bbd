/**
 * OpenAI-compatible SSE relayed with as little work as the caller allows (`ChatCall.relay`): runs of
 * content deltas go on as the upstream's own bytes, unparsed; every other event is parsed exactly
 * as openai-stream.ts does (same errors, same end-of-body check). A 2,000-token answer is ~2,000
 * events; parsing, re-encoding and writing each one was most of the gateway's streaming cost.
 *
 * Which events may pass unparsed is learned, not guessed: an event parsed exactly that is a plain
 * delta of one choice (no finish reason, usage, error or field to normalize) carrying content,
 * reasoning text or a tool call's arguments becomes a template — its bytes before and after that
 * string. A later event made of the same bytes around another JSON string means the same thing with
 * another string, so it passes; engines repeat the same id, model and fields on every delta, so
 * nearly every event fits. Anything else (a role delta, the finish chunk, usage, an error) is parsed
 * and may become the next template.
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
const BACKSLASH = 92;
/** A byte of a multi-byte UTF-8 character, an escape, or a control character JSON does not allow raw. */
const NEEDS_DECODING = /[^\x20-\x5b\x5d-\x7e]/;

type Delta = ChatChunk['choices'][number]['delta'];

/**
 * The string fields a run of deltas may vary in: the answer's text, reasoning text, and a tool
 * call's arguments. `counted` says whether the metering tokenizer counts it (reasoning text is not
 * counted when the upstream reports no usage); `only` says what else the delta may carry, so that
 * the relayed text is exactly what the meter would have counted.
 */
const FIELDS: ReadonlyArray<{
  key: string;
  counted: boolean;
  value(d: Delta): unknown;
  set(d: Delta, v: string): void;
  only(d: Delta): boolean;
}> = [
  {
    key: '"content":"',
    counted: true,
    value: (d) => d.content,
    set: (d, v) => void (d.content = v),
    only: (d) => d.tool_calls === undefined,
  },
  {
    key: '"reasoning_content":"',
    counted: false,
    value: (d) => d.reasoning_content,
    set: (d, v) => void (d.reasoning_content = v),
    only: (d) => !d.content && d.tool_calls === undefined,
  },
  {
    key: '"arguments":"',
    counted: true,
    value: (d) => (d.tool_calls?.length === 1 ? d.tool_calls[0]?.function?.arguments : undefined),
    set: (d, v) => void (d.tool_calls![0]!.function!.arguments = v),
    only: (d) => !d.content && !d.tool_calls?.[0]?.function?.name,
  },
];

/** The bytes around one delta's varying string (`data: ` … `\n\n`), learned from an event parsed exactly. */
export class DeltaTemplate {
  private constructor(
    private readonly prefix: string,
    private readonly suffix: string,
    /** The choice the deltas belong to. */
    readonly index: number,
    /** Whether the varying string is text the meter counts. */
    readonly counted: boolean,
  ) {}

  /** A template from an event's `data` text and its parsed chunk, when it is a plain delta of one choice. */
  static from(raw: string, chunk: ChatChunk): DeltaTemplate | undefined {
    const choice = chunk.choices.length === 1 ? chunk.choices[0] : undefined;
    if (!choice?.delta || choice.finish_reason != null || chunk.usage != null || raw.includes('\n')) return undefined;
    for (const field of FIELDS) {
      if (typeof field.value(choice.delta) !== 'string' || !field.only(choice.delta)) continue;
      const key = raw.indexOf(field.key);
      if (key === -1 || raw.indexOf(field.key, key + 1) !== -1) continue;
      const open = key + field.key.length;
      const close = stringEnd(raw, open);
      if (close === -1) continue;
      // The same bytes around another string must mean the same chunk with that string: check it
      // (`chunk` is `raw` parsed, unchanged: the field is set to the probe's string and back).
      const probe = JSON.stringify(JSON.parse(`${raw.slice(0, open)}x${raw.slice(close)}`));
      const own = field.value(choice.delta) as string;
      field.set(choice.delta, 'x');
      const expected = JSON.stringify(chunk);
      field.set(choice.delta, own);
      if (probe !== expected) continue;
      return new DeltaTemplate(`data: ${raw.slice(0, open)}`, `${raw.slice(close)}\n\n`, choice.index ?? 0, field.counted);
    }
    return undefined;
  }

  /**
   * End of the run of events from `pos` that fit the template (`pos` if none does); each one's
   * content string body (as it is on the wire) is pushed to `bodies`.
   */
  runEnd(text: string, pos: number, bodies: string[]): number {
    const { prefix, suffix } = this;
    // Comparing slices (V8 compares two flat strings with memcmp) beat `startsWith` (a character
    // loop) by a third per event in a micro-benchmark.
    for (;;) {
      if (text.slice(pos, pos + prefix.length) !== prefix) return pos;
      const open = pos + prefix.length;
      const close = stringEnd(text, open);
      if (close === -1 || text.slice(close, close + suffix.length) !== suffix) return pos;
      const nl = text.indexOf('\n', open);
      if (nl < close) return pos; // a line break inside the string: not one `data:` line
      bodies.push(text.slice(open, close));
      pos = close + suffix.length;
    }
  }
}

/** The text of JSON string bodies read as latin1 (one character per UTF-8 byte), decoded and unescaped. */
function decodeBodies(bodies: string[]): string {
  const joined = bodies.join('');
  // Plain ASCII without escapes (most English token text) is already the decoded text.
  if (!NEEDS_DECODING.test(joined)) return joined;
  const utf8 = Buffer.from(joined, 'latin1').toString('utf8');
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
          out.push({ sse: bytes.subarray(pos, run), text: template.counted ? decodeBodies(bodies) : '' });
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
