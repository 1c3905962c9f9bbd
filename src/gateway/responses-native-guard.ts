/**
 * The privacy guard on the Responses pass-through (docs/responses.md, "Native pass-through to
 * OpenAI"). Admission inspected the canonical request; the body that goes upstream is the
 * client's own, so:
 * - every string of it must be text the inspection saw, or scan clean on its own (a reasoning
 *   summary, a field the translation ignores); otherwise the attempt is translated instead, where
 *   only inspected text goes upstream;
 * - under `pseudonymize` before a cloud deployment, each real value the canonical pseudonymizer
 *   replaced is replaced by the same placeholder in every string (longest value first, one pass),
 *   and a value still present afterwards (in an id the replacement leaves alone) sends the
 *   attempt through translation instead, never a leak;
 * - answers are restored: every string of a JSON object (`arguments`, being JSON text, with
 *   JSON-escaped values), and in a stream every `*.delta` text through the restorer's stream logic
 *   (a placeholder split across deltas is held back until it is whole).
 */
import type { ChatRequest } from '../api/types.js';
import { UpstreamError } from '../errors.js';
import { requestTexts, type Guard, type Inspection, type Restorer } from '../guard/index.js';
import type { Location, ResponsesWireEvent } from '../providers/spec.js';

/**
 * Inside the items, parts and tools of the known top-level fields: identifiers, enums and opaque
 * data, never prompt text and never rewritten (as the canonical guard leaves ids and image URLs).
 * Anywhere else (unknown fields, metadata) every string counts.
 */
const OPAQUE_KEYS = new Set(['type', 'role', 'id', 'call_id', 'status', 'detail', 'image_url', 'file_id', 'encrypted_content', 'name']);
const STRUCTURED = new Set(['input', 'tools', 'tool_choice', 'text', 'reasoning', 'include']);
/** Fields holding JSON text: a value there may be JSON-escaped. */
const JSON_TEXT_KEYS = new Set(['arguments']);
const MAX_DEPTH = 256;

export interface GuardedBody {
  body: Record<string, unknown>;
  /** Present when placeholders went upstream: the answer must be restored. */
  restorer?: Restorer;
}

type TextFn = (text: string, key: string | undefined) => string;

/**
 * A copy of `value` with every string mapped by `f`, with the key it sits under. `skipOpaque`:
 * strings under OPAQUE_KEYS inside the structured top-level fields are kept as they are.
 */
function mapTexts(value: unknown, f: TextFn, skipOpaque: boolean, key?: string, structured = false, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new UpstreamError('JSON nested too deeply for the privacy guard.');
  if (typeof value === 'string') return f(value, key);
  if (Array.isArray(value)) return value.map((v) => mapTexts(v, f, skipOpaque, key, structured, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const inside = depth === 0 ? STRUCTURED.has(k) : structured;
      const keep = (depth === 0 && k === 'model') || (skipOpaque && inside && OPAQUE_KEYS.has(k));
      out[k] = keep ? v : mapTexts(v, f, skipOpaque, k, inside, depth + 1);
    }
    return out;
  }
  return value;
}

function eachText(value: unknown, visit: (text: string) => void, skipOpaque: boolean): void {
  mapTexts(
    value,
    (text) => {
      visit(text);
      return text;
    },
    skipOpaque,
  );
}

/** Calls `visit` on every object key of `value` (keys go upstream too: metadata keys, schema property names, unknown fields). */
function eachKey(value: unknown, visit: (key: string) => void, depth = 0): void {
  if (depth > MAX_DEPTH) throw new UpstreamError('JSON nested too deeply for the privacy guard.');
  if (Array.isArray(value)) for (const v of value) eachKey(v, visit, depth + 1);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      visit(k);
      eachKey(v, visit, depth + 1);
    }
}

/**
 * The body to send, guarded; undefined when it cannot go as it is: it carries text the inspection
 * did not see and that has findings of its own (object keys included), or a replaced value
 * survives somewhere the replacement does not reach (an id, an object key). The attempt is then translated, where only inspected text
 * goes upstream.
 */
export function guardNativeBody(
  guard: Guard | undefined,
  inspection: Inspection | undefined,
  request: ChatRequest,
  body: Record<string, unknown>,
  location: Location,
): GuardedBody | undefined {
  if (!guard || !inspection) return { body };
  // Text the inspection saw: most native strings are one of its strings exactly (instructions, input
  // text, arguments, metadata values); others may sit inside one (assistant parts joined into one text).
  const texts = requestTexts(request).map((t) => t.text);
  const exact = new Set(texts);
  let joined: string | undefined;
  const inspected = (text: string): boolean => exact.has(text) || (joined ??= texts.join('\u0000')).includes(text);
  let unseenFindings = false;
  const check = (text: string): void => {
    if (!unseenFindings && text && !inspected(text) && guard.scanText(text).length > 0) unseenFindings = true;
  };
  eachText(body, check, true);
  eachKey(body, check);
  if (unseenFindings) return undefined;
  if (inspection.action !== 'pseudonymize' || location !== 'cloud') return { body };

  const { restorer } = guard.pseudonymize(request, inspection);
  if (restorer.size === 0) return { body };
  const placeholderOf = new Map<string, string>();
  for (const [placeholder, value] of restorer.placeholders) {
    if (!value) continue;
    if (!placeholderOf.has(value)) placeholderOf.set(value, placeholder);
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value && !placeholderOf.has(escaped)) placeholderOf.set(escaped, placeholder);
  }
  const values = [...placeholderOf.keys()].sort((a, b) => b.length - a.length);
  const re = new RegExp(values.map(escapeRegExp).join('|'), 'g');
  const safe = mapTexts(body, (text) => text.replace(re, (v) => placeholderOf.get(v) ?? v), true) as Record<string, unknown>;
  // No real value may remain in any string that goes upstream, ids and object keys included.
  let leaks = false;
  const leak = (text: string): void => {
    re.lastIndex = 0;
    if (!leaks && re.test(text)) leaks = true;
  };
  eachText(safe, leak, false);
  eachKey(safe, leak);
  return leaks ? undefined : { body: safe, restorer };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A copy of a response object (or any event payload) with every placeholder put back. */
export function restoreNative<T>(value: T, restorer: Restorer): T {
  return mapTexts(
    value,
    (text, key) => (key !== undefined && JSON_TEXT_KEYS.has(key) ? restorer.restoreJsonText(text) : restorer.restoreText(text)),
    false,
  ) as T;
}

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** The item an event is about: deltas and `.done` events name `item_id`; `output_item.*` carry the item. */
function itemOf(data: Record<string, unknown>): string {
  return str(data.item_id) || str((data.item as { id?: unknown } | undefined)?.id);
}

/**
 * Restores a Responses event stream. A `*.delta` text goes through the restorer's stream logic
 * per (event type, item, part); what it holds back is emitted as one more delta before the
 * item's next `.done` event, or before any event that names no item. Every other event is
 * restored whole. The writer renumbers `sequence_number`.
 */
export async function* restoreNativeEvents(
  events: AsyncIterable<ResponsesWireEvent>,
  restorer: Restorer,
): AsyncGenerator<ResponsesWireEvent> {
  const open = new Map<string, { item: string; stream: ReturnType<Restorer['textStream']>; last: ResponsesWireEvent }>();
  function* flush(item: string): Generator<ResponsesWireEvent> {
    for (const [k, o] of open) {
      if (item && o.item !== item) continue;
      open.delete(k);
      const rest = o.stream.end();
      if (rest) yield { event: o.last.event, data: { ...o.last.data, delta: rest } };
    }
  }
  for await (const ev of events) {
    const data = ev.data;
    if (ev.event.endsWith('.delta') && typeof data.delta === 'string') {
      const item = itemOf(data);
      const key = [ev.event, item, str(data.output_index), str(data.content_index), str(data.summary_index)].join('|');
      let o = open.get(key);
      if (!o) {
        o = { item, stream: restorer.textStream(ev.event.includes('arguments')), last: ev };
        open.set(key, o);
      }
      o.last = ev;
      const out = o.stream.push(data.delta);
      if (out || !data.delta) yield out === data.delta ? ev : { event: ev.event, data: { ...data, delta: out } };
      continue;
    }
    // A text ends with its `.done` (or the item's, or the response's): what it held back goes out first.
    const item = itemOf(data);
    if (!item || ev.event.endsWith('.done')) yield* flush(item);
    yield { event: ev.event, data: restoreNative(data, restorer) };
  }
  yield* flush('');
}
