/** The contract between the guard and its recognizer back-ends, and what the gateway injects. */
import type { ChatMessage } from '../../api/types.js';
import type { Finding } from '../types.js';

/** One chat completion the local-model back-end asks for. */
export interface GuardCompletionRequest {
  /** `guard.backends[].model`: an alias or `provider/model` of a LOCAL deployment. */
  model: string;
  messages: ChatMessage[];
  /** Aborts on the client's disconnect and on the back-end's timeout. */
  signal: AbortSignal;
}

/**
 * Provided by the gateway (the guard never imports it). Must: run only on local deployments and
 * reject otherwise (never a cloud one, whatever the routing policy says); honour `signal`;
 * resolve with the assistant message's text content. It may run the gateway's whole pipeline,
 * guard included: an inspect() called from within it skips back-ends (no recursion).
 */
export type GuardCompleteFn = (request: GuardCompletionRequest) => Promise<string>;

/** Dependencies `createGuard` may be given. */
export interface GuardDeps {
  /** Needed only when `guard.backends` has a `local-model` entry. */
  complete?: GuardCompleteFn;
}

/** One piece of one request text sent to a back-end: `offset` is where it starts in that text. */
export interface TextPiece {
  /** Index into the request's texts. */
  index: number;
  offset: number;
  text: string;
}

/** A recognizer back-end: finds PII in pieces of text, offsets relative to each piece. */
export interface RecognizerBackend {
  /** For error messages only, e.g. `presidio#0`; never holds a value from the text. */
  readonly name: string;
  readonly timeoutMs: number;
  readonly maxChars: number;
  readonly chunkChars: number;
  readonly onError: 'fail-closed' | 'ignore';
  /** Findings per piece (same order). Rejects on any failure; `signal` aborts the work. */
  find(pieces: readonly TextPiece[], signal: AbortSignal): Promise<Finding[][]>;
}

/** A back-end failed and is configured to fail closed: the request is scanned as `guard_error`. */
export class BackendFailedError extends Error {
  constructor(name: string, cause: unknown) {
    super(`guard back-end ${name} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'BackendFailedError';
  }
}
