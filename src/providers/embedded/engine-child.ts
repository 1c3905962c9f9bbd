/**
 * The engine process: loads one GGUF model with node-llama-cpp and answers chat and embedding
 * jobs from the gateway over IPC (`protocol.ts`). It runs apart from the gateway so that a crash
 * in native code (a hostile file, an out-of-memory abort) ends this process, not the gateway, and
 * a load that never finishes can be stopped with a kill.
 *
 * node-llama-cpp API: https://node-llama-cpp.withcat.ai/api/classes/LlamaChat (generateResponse
 * with functions, grammar, customStopTriggers, seed, signal) and
 * https://node-llama-cpp.withcat.ai/api/functions/getLlama (`build: 'never'` and `skipDownload`:
 * only the prebuilt binary installed from npm is used; nothing is fetched or compiled at run time).
 */
import type { ChatJob, FromChild, LoadSettings, StopReason, ToChild } from './protocol.js';

/*
 * The few node-llama-cpp shapes used here, restated: the package is an optional dependency, so
 * the gateway must type-check and build where it is not installed.
 */
interface Grammar {
  readonly _grammar?: never;
}
interface Sequence {
  readonly tokenMeter: { readonly usedInputTokens: number; readonly usedOutputTokens: number };
  clearHistory(): Promise<void>;
}
interface GenerateResult {
  response: string;
  functionCalls?: Array<{ functionName: string; params: unknown }>;
  metadata: { stopReason: string };
}
interface LlamaChat {
  readonly chatWrapper: { readonly wrapperName: string };
  generateResponse(history: unknown[], options: Record<string, unknown>): Promise<GenerateResult>;
  dispose(opts: { disposeSequence: boolean }): void;
}
interface LlamaContext {
  readonly contextSize: number;
  getSequence(): Sequence;
}
interface EmbeddingContext {
  getEmbeddingFor(text: string): Promise<{ vector: readonly number[] }>;
}
interface LlamaModel {
  readonly trainContextSize: number;
  tokenize(text: string): unknown[];
  createContext(opts: Record<string, unknown>): Promise<LlamaContext>;
  createEmbeddingContext(opts: Record<string, unknown>): Promise<EmbeddingContext>;
}
interface Llama {
  loadModel(opts: Record<string, unknown>): Promise<LlamaModel>;
  getGrammarFor(name: 'json'): Promise<Grammar>;
  createGrammarForJsonSchema(schema: unknown): Promise<Grammar>;
}
interface NodeLlamaCpp {
  getLlama(opts: Record<string, unknown>): Promise<Llama>;
  LlamaChat: new (opts: { contextSequence: Sequence; autoDisposeSequence: boolean; chatWrapper?: unknown }) => LlamaChat;
  LlamaLogLevel: { error: string };
}

interface Loaded {
  lib: NodeLlamaCpp;
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  free: Sequence[];
  settings: LoadSettings;
  embedding?: Promise<EmbeddingContext>;
  /** Resolved once: matching the model's Jinja template to a chat wrapper costs about a second. */
  chatWrapper: unknown;
}

/** A variable, so TypeScript does not resolve the optional package at build time. */
const PACKAGE: string = 'node-llama-cpp';

let loaded: Loaded | undefined;
const running = new Map<number, AbortController>();

function send(msg: FromChild): void {
  process.send?.(msg);
}

async function load(settings: LoadSettings): Promise<void> {
  try {
    const lib = (await import(PACKAGE)) as NodeLlamaCpp;
    const llama = await lib.getLlama({
      gpu: settings.gpuLayers > 0 ? 'auto' : false,
      build: 'never',
      skipDownload: true,
      progressLogs: false,
      maxThreads: settings.threads,
      logLevel: lib.LlamaLogLevel.error,
    });
    const model = await llama.loadModel({ modelPath: settings.modelPath, gpuLayers: settings.gpuLayers });
    const contextSize = settings.contextSize ?? Math.min(4096, model.trainContextSize);
    const context = await model.createContext({ contextSize, sequences: settings.parallel, threads: settings.threads });
    const free = Array.from({ length: settings.parallel }, () => context.getSequence());
    const wrapper = new lib.LlamaChat({ contextSequence: free[0]!, autoDisposeSequence: false });
    loaded = { lib, llama, model, context, free, settings, chatWrapper: wrapper.chatWrapper };
    send({
      type: 'loaded',
      info: { contextSize: context.contextSize, trainContextSize: model.trainContextSize, chatWrapper: wrapper.chatWrapper.wrapperName },
    });
    wrapper.dispose({ disposeSequence: false });
  } catch (err) {
    send({ type: 'load-error', message: (err as Error)?.message ?? String(err) });
  }
}

async function grammarFor(l: Loaded, job: ChatJob) {
  if (!job.grammar) return undefined;
  if (job.grammar.kind === 'json') return l.llama.getGrammarFor('json');
  return l.llama.createGrammarForJsonSchema(job.grammar.schema);
}

async function chat(id: number, job: ChatJob, stream: boolean): Promise<void> {
  const l = loaded;
  const sequence = l?.free.pop();
  if (!l || !sequence) {
    send({ type: 'error', id, message: l ? 'no free sequence (more requests than `parallel`)' : 'model not loaded', badRequest: false });
    return;
  }
  const abort = new AbortController();
  running.set(id, abort);
  try {
    let grammar;
    try {
      grammar = await grammarFor(l, job);
    } catch (err) {
      send({ type: 'error', id, message: `The JSON schema cannot be turned into a grammar: ${(err as Error).message}`, badRequest: true });
      return;
    }
    // A fresh sequence state per request: the same prompt and seed always give the same text.
    await sequence.clearHistory();
    if (abort.signal.aborted) {
      // Cancelled before it started: node-llama-cpp would throw the abort reason instead.
      send({ type: 'done', id, text: '', functionCalls: [], stopReason: 'abort', promptTokens: 0, completionTokens: 0 });
      return;
    }
    const chat = new l.lib.LlamaChat({ contextSequence: sequence, autoDisposeSequence: false, chatWrapper: l.chatWrapper });
    // The sequence's token meter counts what was evaluated (the prompt) and sampled (the answer).
    const meter = sequence.tokenMeter;
    const [input0, output0] = [meter.usedInputTokens, meter.usedOutputTokens];
    try {
      const penalties =
        job.presencePenalty || job.frequencyPenalty
          ? { repeatPenalty: { presencePenalty: job.presencePenalty ?? 0, frequencyPenalty: job.frequencyPenalty ?? 0 } }
          : {};
      const common = {
        maxTokens: job.maxTokens ?? l.context.contextSize,
        ...(job.temperature !== undefined ? { temperature: job.temperature } : {}),
        ...(job.topP !== undefined ? { topP: job.topP } : {}),
        ...(job.seed !== undefined ? { seed: job.seed } : {}),
        ...(job.stop?.length ? { customStopTriggers: job.stop } : {}),
        ...penalties,
        signal: abort.signal,
        stopOnAbortSignal: true,
        ...(stream ? { onTextChunk: (text: string) => send({ type: 'text', id, text }) } : {}),
      };
      const res = await chat.generateResponse(job.history, {
        ...common,
        ...(job.functions ? { functions: job.functions } : grammar ? { grammar } : {}),
      });
      const meta = res.metadata;
      const stopReason: StopReason = abort.signal.aborted
        ? 'abort'
        : meta.stopReason === 'maxTokens'
          ? 'length'
          : meta.stopReason === 'functionCalls'
            ? 'functionCalls'
            : 'stop';
      const calls = (res.functionCalls ?? []).map((c) => ({
        name: c.functionName,
        params: c.params,
      }));
      send({
        type: 'done',
        id,
        text: res.response,
        functionCalls: calls,
        stopReason,
        promptTokens: meter.usedInputTokens - input0,
        completionTokens: meter.usedOutputTokens - output0,
      });
    } finally {
      chat.dispose({ disposeSequence: false });
    }
  } catch (err) {
    // node-llama-cpp throws the abort reason when a cancel lands before the first token.
    if (abort.signal.aborted)
      send({ type: 'done', id, text: '', functionCalls: [], stopReason: 'abort', promptTokens: 0, completionTokens: 0 });
    else send({ type: 'error', id, message: (err as Error)?.message ?? String(err), badRequest: false });
  } finally {
    running.delete(id);
    l.free.push(sequence);
  }
}

async function embed(id: number, inputs: string[]): Promise<void> {
  const l = loaded;
  if (!l) {
    send({ type: 'error', id, message: 'model not loaded', badRequest: false });
    return;
  }
  try {
    l.embedding ??= l.model.createEmbeddingContext({ contextSize: l.context.contextSize, threads: l.settings.threads });
    const ctx = await l.embedding;
    const vectors: number[][] = [];
    let promptTokens = 0;
    for (const input of inputs) {
      promptTokens += l.model.tokenize(input).length;
      vectors.push([...(await ctx.getEmbeddingFor(input)).vector]);
    }
    send({ type: 'embeddings', id, vectors, promptTokens });
  } catch (err) {
    send({ type: 'error', id, message: (err as Error)?.message ?? String(err), badRequest: false });
  }
}

process.on('message', (msg: ToChild) => {
  if (msg.type === 'load') void load(msg.settings);
  else if (msg.type === 'chat') void chat(msg.id, msg.job, msg.stream);
  else if (msg.type === 'embed') void embed(msg.id, msg.inputs);
  else if (msg.type === 'cancel') running.get(msg.id)?.abort();
});
// The gateway went away (exit, crash, kill): nothing is left to answer.
process.on('disconnect', () => process.exit(0));
