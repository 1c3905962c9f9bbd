/**
 * The client-facing wire format of a chat endpoint. The pipeline (chat.ts) is the same for every
 * endpoint; only parsing the request and writing the answer differ: OpenAI Chat Completions at
 * /v1/chat/completions, Anthropic Messages at /v1/messages (anthropic-wire.ts).
 */
import type { ServerResponse } from 'node:http';
import { parseChatRequest } from '../api/schemas.js';
import type { ChatRequest, ChatResponse, RelayEvent, StreamEvent } from '../api/types.js';
import type { PromptShape } from '../prompts/index.js';
import { sendBytes, sendError } from '../server/http-util.js';
import type { NativeAttemptInput, NativeCommitted } from './native-attempt.js';
import type { ErrorWire } from './pipeline.js';
import { writeStream, type StreamOptions, type StreamOutcome } from './stream-response.js';

export interface ChatWire extends ErrorWire {
  /** The wire's requests may name a registered prompt (`prompt:name@label`, a `prompt` field). */
  readonly prompts?: boolean;
  /** How a rendered prompt becomes this wire's body (default: OpenAI Chat Completions). */
  readonly promptShape?: PromptShape;
  /** Validates a parsed JSON body into the canonical request (throws InvalidRequestError). */
  parse(body: unknown): ChatRequest;
  /**
   * Writes a complete answer; `raw` is the upstream's OpenAI bytes when they can pass through. May
   * first save it (Responses `store`). `fields` are top-level fields the gateway adds to the
   * wire's own body (`sources` of a retrieval request).
   */
  sendResponse(
    res: ServerResponse,
    response: ChatResponse,
    raw: Buffer | undefined,
    headers: Record<string, string>,
    fields?: Record<string, unknown>,
  ): void | Promise<void>;
  /** Writes a metered canonical stream (it always carries a usage-only chunk before it ends). */
  writeStream(res: ServerResponse, events: AsyncIterable<StreamEvent>, opts: StreamOptions): Promise<StreamOutcome>;
  /**
   * Writes a relayed stream (upstream SSE bytes where no stage needed the events): only a wire
   * whose stream format is OpenAI's own has it, and only such wires ask adapters to relay.
   */
  writeRelay?(res: ServerResponse, events: AsyncIterable<RelayEvent>, opts: StreamOptions): Promise<StreamOutcome>;
  /**
   * Runs this attempt on the deployment's own API (native-attempt.ts) when the wire and the
   * deployment speak it; undefined = the canonical call. Decided per attempt, so a fallback may
   * change the path.
   */
  nativeAttempt?(a: NativeAttemptInput): Promise<NativeCommitted> | undefined;
}

export const openaiWire: ChatWire = {
  prompts: true,
  parse: parseChatRequest,
  sendResponse(res, response, raw, headers, fields) {
    sendBytes(res, 200, raw && !fields ? raw : Buffer.from(JSON.stringify(fields ? { ...response, ...fields } : response)), headers);
  },
  writeStream,
  writeRelay: writeStream,
  sendError,
};
