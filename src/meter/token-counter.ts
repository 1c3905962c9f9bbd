/**
 * Exact token counts off the gateway's thread. Counting is needed only when an upstream reports
 * no usage; the tokenizer then loads in a worker thread (once, lazily) and answers by message, so
 * building its tables (0.5–2 s, ~150 MB) never blocks requests in flight. The worker stops after a
 * minute without work, giving the memory back. If it cannot answer (failed to start, crashed, took
 * longer than `timeoutMs`, 60 s), the caller's fallback estimate is used: metering never fails a request.
 */
import type { Worker } from 'node:worker_threads';
import type { ChatRequest } from '../api/types.js';
import { startWorker, workerFileUrl } from '../util/worker.js';
import type { TokenWorkerReply, TokenWorkerRequest } from './token-protocol.js';

export interface TokenCounter {
  promptTokens(request: ChatRequest, fallback: () => number): Promise<number>;
  completionTokens(text: string, model: string, fallback: () => number): Promise<number>;
  /** Stops the worker now (tests; it also stops by itself when idle). */
  close(): Promise<void>;
}

export interface TokenCounterOptions {
  idleMs?: number;
  timeoutMs?: number;
}

type Call = { op: 'prompt'; request: ChatRequest } | { op: 'completion'; text: string; model: string };

export function createTokenCounter(opts: TokenCounterOptions = {}): TokenCounter {
  const idleMs = opts.idleMs ?? 60_000;
  // Only for a worker that hangs: loading the tables takes seconds on a busy machine, and a crash is seen at once.
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let worker: Worker | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let nextId = 1;
  const pending = new Map<number, (tokens: number | undefined) => void>();

  const settleAll = () => {
    for (const settle of pending.values()) settle(undefined);
    pending.clear();
  };

  function spawn(): Worker {
    const w = startWorker(workerFileUrl(import.meta.url, './token-worker'));
    w.on('message', (reply: TokenWorkerReply) => {
      const settle = pending.get(reply.id);
      pending.delete(reply.id);
      settle?.('tokens' in reply ? reply.tokens : undefined);
      if (pending.size === 0) idle(w);
    });
    const gone = () => {
      if (worker === w) worker = undefined;
      settleAll();
    };
    w.on('error', gone);
    w.on('exit', gone);
    return w;
  }

  function idle(w: Worker): void {
    w.unref();
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (worker === w && pending.size === 0) {
        worker = undefined;
        void w.terminate();
      }
    }, idleMs);
    idleTimer.unref();
  }

  function call(msg: Call, fallback: () => number): Promise<number> {
    clearTimeout(idleTimer);
    let w: Worker;
    try {
      w = worker ??= spawn();
    } catch {
      return Promise.resolve(fallback());
    }
    w.ref();
    const id = nextId++;
    return new Promise<number>((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(fallback());
        if (pending.size === 0) idle(w);
      }, timeoutMs);
      timer.unref();
      pending.set(id, (tokens) => {
        clearTimeout(timer);
        resolve(tokens ?? fallback());
      });
      w.postMessage({ ...msg, id } as TokenWorkerRequest);
    });
  }

  return {
    promptTokens: (request, fallback) => call({ op: 'prompt', request }, fallback),
    completionTokens: (text, model, fallback) => call({ op: 'completion', text, model }, fallback),
    async close() {
      clearTimeout(idleTimer);
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
      settleAll();
    },
  };
}

let shared: TokenCounter | undefined;
/** One tokenizer thread per process, shared by every gateway generation (reloads rebuild the meter, not this). */
export function sharedTokenCounter(): TokenCounter {
  return (shared ??= createTokenCounter());
}
