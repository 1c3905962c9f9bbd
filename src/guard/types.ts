/** Types of the privacy guard's public API. Values live only in memory: never log a Finding.value. */
import type { ChatRequest, ChatResponse } from '../api/types.js';
import type { StreamEvent } from '../api/types.js';
import type { GuardAction } from './config.js';

export type { GuardAction } from './config.js';

/** Built-in entity types; custom recognizers and deny-list entries may add others. */
export type BuiltinEntityType =
  | 'email'
  | 'phone'
  | 'credit_card'
  | 'iban'
  | 'us_ssn'
  | 'ip_address'
  | 'secret'
  | 'person'
  | 'address'
  | 'postcode'
  | 'national_id'
  | 'drivers_license';

export const BUILTIN_TYPES: readonly BuiltinEntityType[] = [
  'email',
  'phone',
  'credit_card',
  'iban',
  'us_ssn',
  'ip_address',
  'secret',
  'person',
  'address',
  'postcode',
  'national_id',
  'drivers_license',
];

/** One detected span in one string. `start`/`end` are UTF-16 offsets, end exclusive. */
export interface Finding {
  type: string;
  start: number;
  end: number;
  /** Confidence 0..1. */
  score: number;
  /** The matched text. In memory only: never logged, stored or sent in an error. */
  value: string;
}

/**
 * A path into a ChatRequest, as property names and array indexes, e.g. `['messages', 1, 'content']`,
 * `['messages', 1, 'content', 0, 'text']`, `['messages', 2, 'tool_calls', 0, 'function', 'arguments']`,
 * `['tools', 0, 'function', 'parameters', 'properties', 'to', 'enum', 1]`, `['user']`, `['metadata', 'owner']`.
 */
export type RequestPath = ReadonlyArray<string | number>;

/** Where in a ChatRequest a finding sits: the string at `path` (see inspect.ts for which are scanned). */
export interface FindingLocation {
  path: RequestPath;
}

export type LocatedFinding = Finding & FindingLocation;

export interface Inspection {
  findings: LocatedFinding[];
  /**
   * Entity type → count. `guard_error: 1` when scanning failed (then action is `local-only`);
   * `unscannable: 1` when the request has more text than `guard.maxScanChars` (then action is
   * `guard.unscannableAction` and nothing was scanned).
   */
  counts: Record<string, number>;
  /** Strictest action among found types: block > local-only > pseudonymize > allow. */
  action: GuardAction;
}

/** Puts real values back where placeholders were. Holds the values in memory for one request. */
export interface Restorer {
  /** Replaces every known placeholder in plain text. Unknown placeholders stay as they are. */
  restoreText(text: string): string;
  /** Same, with each value JSON-string-escaped (for tool-call `arguments`, which are JSON text). */
  restoreJsonText(text: string): string;
  /** A new response: content, reasoning_content and tool-call arguments restored. */
  restoreResponse(response: ChatResponse): ChatResponse;
  /**
   * Restores a stream without buffering it: only a suffix that could be the start of a
   * placeholder is held back, and flushed with the choice's finish chunk (or at the end).
   * Events whose chunk changed have no `raw`.
   */
  restoreStream(events: AsyncIterable<StreamEvent>): AsyncIterable<StreamEvent>;
  /**
   * A restorer for one text that arrives in pieces outside the canonical stream (the Responses
   * API pass-through's `*.delta` events): `push` returns what is safe to emit now, holding back a
   * suffix that may be a placeholder's start; `end` returns the rest. `json`: the text is JSON
   * (function-call arguments).
   */
  textStream(json: boolean): { push(text: string): string; end(): string };
  /** Placeholder → real value, for a caller that must apply the same mapping to another body. */
  readonly placeholders: ReadonlyMap<string, string>;
  /** Number of placeholders this restorer knows (0: restoring is a pass-through). */
  readonly size: number;
}

export interface Pseudonymized {
  request: ChatRequest;
  restorer: Restorer;
}

export interface Guard {
  /**
   * Scans every string of the request that is sent upstream (see docs/privacy.md, "What is
   * scanned"). Yields to the event loop between slices of about 16 KB, so a large prompt does not
   * stall other requests. Never rejects, except with `signal.reason` when `signal` aborts.
   */
  inspect(request: ChatRequest, signal?: AbortSignal): Promise<Inspection>;
  /** Finds PII in one string (allow/deny lists and minScore applied). Synchronous: for short text. */
  scanText(text: string): Finding[];
  /**
   * `text` safe to log or store: cut to the first 4 KB, then each finding replaced by `[TYPE]`
   * (`[EMAIL]`, `[PHONE]`). Applies even when the guard is disabled for requests. Never throws.
   */
  scrub(text: string): string;
  /** A copy of the request with each finding replaced by a placeholder; the input is not mutated. */
  pseudonymize(request: ChatRequest, inspection: Inspection): Pseudonymized;
}

/** One recognizer: appends its findings for `text` to `out`. Must be cheap when nothing matches. */
export interface Recognizer {
  readonly type: string;
  scan(text: string, out: Finding[]): void;
}
