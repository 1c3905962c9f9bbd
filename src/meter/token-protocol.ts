/** Messages between the gateway and the tokenizer's worker thread (`token-worker.ts`). */
import type { ChatRequest } from '../api/types.js';

export type TokenWorkerRequest =
  { id: number; op: 'prompt'; request: ChatRequest } | { id: number; op: 'completion'; text: string; model: string };

export type TokenWorkerReply = { id: number; tokens: number } | { id: number; error: string };
