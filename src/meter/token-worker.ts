/**
 * The tokenizer's thread: js-tiktoken's rank tables take ~150 MB and 0.5–2 s to build, which on
 * the gateway's thread would stall every request in flight the first time an upstream reported
 * no usage. Here they load beside it; the gateway asks through `token-counter.ts`.
 */
import { parentPort } from 'node:worker_threads';
import { countCompletionTokens, estimatePromptTokens } from './tokens.js';
import type { TokenWorkerReply, TokenWorkerRequest } from './token-protocol.js';

const port = parentPort!;
port.on('message', (msg: TokenWorkerRequest) => {
  let reply: TokenWorkerReply;
  try {
    const tokens = msg.op === 'prompt' ? estimatePromptTokens(msg.request).tokens : countCompletionTokens(msg.text, [], msg.model).tokens;
    reply = { id: msg.id, tokens };
  } catch (err) {
    reply = { id: msg.id, error: (err as Error)?.message ?? String(err) };
  }
  port.postMessage(reply);
});
