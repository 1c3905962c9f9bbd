/**
 * An attempt a wire runs on the upstream's own API instead of the canonical chat call (the
 * Responses API passed through to OpenAI, docs/responses.md). Admission, routing, fallback and the
 * request log are chat.ts's as for any attempt; the wire sends the upstream call, restores and
 * writes the answer, and reports usage through `NativeIO` to the same metering as chat.
 */
import type { ServerResponse } from 'node:http';
import type { Usage } from '../api/types.js';
import type { Inspection } from '../guard/index.js';
import type { Deployment } from '../providers/spec.js';
import type { GatewayServices } from './services.js';
import type { StreamOutcome } from './stream-response.js';

export interface NativeAttemptInput {
  g: GatewayServices;
  deployment: Deployment;
  signal: AbortSignal;
  /** Admission's inspection of the canonical request. */
  inspection: Inspection | undefined;
}

/** What the wire may do with the committed answer: account once, then write. */
export interface NativeIO {
  /** Response headers so far (route, PII, budget, cache); the wire adds the cost. */
  headers: Record<string, string>;
  signal: AbortSignal;
  /** Records usage and cost on the log entry; returns USD. Call exactly once. */
  account(usage: Usage, counted: boolean): number;
  /** Usage counted with the tokenizer, for an answer without one. */
  count(completionText: string): Promise<Usage>;
}

/** A committed native attempt: the answer arrived (a stream: its first event), so no fallback past here. */
export interface NativeCommitted {
  type: 'native';
  /** Time to the first streamed event. */
  ttftMs?: number;
  send(res: ServerResponse, io: NativeIO): Promise<StreamOutcome>;
}
