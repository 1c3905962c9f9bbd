/**
 * The `embedded` provider: a GGUF model run by node-llama-cpp (llama.cpp bindings) in a child
 * process of the gateway — a local model with no server to install or run. The package is an
 * optional dependency: it is looked up when a provider of this type is configured, and its absence
 * is a start-up ConfigError that says how to install it.
 *
 * One provider = one model file (`options.model`); every deployment of the provider uses it,
 * whatever model name the alias gives. See `settings.ts` for the options and docs/local.md.
 */
import type { EmbeddingsResponse, StreamEvent } from '../../api/types.js';
import { ConfigError, InvalidRequestError, UpstreamError, type MeridianError } from '../../errors.js';
import { transportError } from '../shared/http.js';
import type {
  Capabilities,
  ChatCall,
  ChatResult,
  DiscoveredModel,
  EmbedCall,
  EngineState,
  ProviderAdapter,
  ProviderHandle,
} from '../spec.js';
import { convertEmbeddedRequest, forcedTool } from './convert-embedded-request.js';
import { chunkMaker, convertEmbeddedResponse, finishReasonOf, toolCallsOf, usageOf, type Done } from './convert-embedded-response.js';
import { EmbeddedEngine, EngineFailure, type Exchange } from './engine.js';
import type { FromChild } from './protocol.js';
import { readEmbeddedSettings } from './settings.js';

export const EMBEDDED_PACKAGE = 'node-llama-cpp';
export const EMBEDDED_PACKAGE_VERSION = '3.21.1';

/** Throws a ConfigError when node-llama-cpp cannot be found (`resolve` is replaceable for tests). */
export function checkEmbeddedPackage(resolve: (specifier: string) => string = (s) => import.meta.resolve(s)): void {
  try {
    resolve(EMBEDDED_PACKAGE);
  } catch {
    throw new ConfigError(
      `type 'embedded' needs the optional package ${EMBEDDED_PACKAGE}, which is not installed. ` +
        `Install it with \`npm install -E ${EMBEDDED_PACKAGE}@${EMBEDDED_PACKAGE_VERSION}\` (a prebuilt CPU binary, from the npm registry only), or remove this provider.`,
    );
  }
}

/** One engine per provider config: a reload with the same config keeps the loaded model. */
const engines = new Map<string, EmbeddedEngine>();

export function embeddedEngineFor(provider: ProviderHandle): EmbeddedEngine {
  const key = `${provider.id}\u0000${JSON.stringify(provider.config.options ?? {})}`;
  let engine = engines.get(key);
  if (!engine) {
    // A reload changed this provider's options: the old model is unloaded once its requests end.
    for (const [k, old] of engines) {
      if (k.startsWith(`${provider.id}\u0000`)) {
        engines.delete(k);
        void old.whenIdle().then(() => old.close());
      }
    }
    engine = new EmbeddedEngine(readEmbeddedSettings(provider.config.options));
    engines.set(key, engine);
  }
  return engine;
}

/** Stops every engine process (tests and shutdown). */
export function closeEmbeddedEngines(): void {
  for (const e of engines.values()) e.close();
  engines.clear();
}

function toMeridian(err: unknown, signal: AbortSignal, provider: ProviderHandle, deployment: string): MeridianError {
  if (signal.aborted) return transportError(signal.reason, signal, provider, deployment);
  if (err instanceof EngineFailure) {
    if (err.kind === 'bad-request') return new InvalidRequestError(`Embedded model '${deployment}': ${err.message}`);
    if (err.kind === 'queue-full') {
      // Busy is not broken: a 429 moves the request on without counting against the breaker.
      return new UpstreamError(`Embedded model '${deployment}': ${err.message}.`, {
        deployment,
        upstreamStatus: 429,
        retryAfter: 1,
        code: 'engine_queue_full',
      });
    }
    // A load failure or crash may be specific to this engine: another deployment may still answer.
    return new UpstreamError(`Embedded model '${deployment}': ${err.message}`, {
      deployment,
      code: err.kind === 'load' ? 'engine_load_failed' : 'upstream_error',
    });
  }
  return transportError(err, signal, provider, deployment);
}

function failureOf(msg: Extract<FromChild, { type: 'error' }>): EngineFailure {
  return new EngineFailure(msg.message, msg.badRequest ? 'bad-request' : 'failed');
}

/** Waits for the exchange's last message; cancels generation when the call's signal fires. */
async function finish(exchange: Exchange, signal: AbortSignal) {
  // Stop the child's generation, and stop waiting for it now: its slot frees when it confirms.
  const onAbort = () => {
    exchange.cancel();
    exchange.fail(signal.reason as Error);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const msg of exchange) {
      if (signal.aborted) throw signal.reason;
      if (msg.type === 'error') throw failureOf(msg);
      if (msg.type === 'done' || msg.type === 'embeddings') return msg;
    }
    throw new EngineFailure('the engine ended the request without an answer', 'failed');
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

async function* streamExchange(exchange: Exchange, call: ChatCall, forced: string | undefined): AsyncGenerator<StreamEvent> {
  const { deployment, signal } = call;
  const chunk = chunkMaker(deployment.model);
  // Stop the child's generation, and stop waiting for it now: its slot frees when it confirms.
  const onAbort = () => {
    exchange.cancel();
    exchange.fail(signal.reason as Error);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  let done: Done | undefined;
  try {
    yield {
      chunk: chunk(
        forced
          ? {
              role: 'assistant',
              content: null,
              tool_calls: [{ index: 0, id: `call_${exchange.id}`, type: 'function', function: { name: forced, arguments: '' } }],
            }
          : { role: 'assistant', content: '' },
      ),
    };
    for await (const msg of exchange) {
      if (signal.aborted) throw signal.reason;
      if (msg.type === 'error') throw failureOf(msg);
      if (msg.type === 'text' && msg.text) {
        yield { chunk: chunk(forced ? { tool_calls: [{ index: 0, function: { arguments: msg.text } }] } : { content: msg.text }) };
      }
      if (msg.type === 'done') {
        done = msg;
        break;
      }
    }
    if (!done) throw new EngineFailure('the engine ended the stream without an answer', 'failed');
    const calls = toolCallsOf(done, forced);
    if (!forced && calls.length > 0) {
      yield {
        chunk: chunk({ tool_calls: calls.map((c, index) => ({ index, id: c.id, type: 'function' as const, function: c.function })) }),
      };
    }
    yield { chunk: chunk({}, finishReasonOf(done, calls)) };
    yield { chunk: chunk(null, undefined, usageOf(done)) };
  } catch (err) {
    throw toMeridian(err, signal, deployment.provider, deployment.id);
  } finally {
    signal.removeEventListener('abort', onAbort);
    // The consumer stopped early (client gone): stop generating.
    if (!done) exchange.cancel();
  }
}

/**
 * `return()` or `throw()` on the iterator stops generation even when iteration never started (a
 * generator that was never resumed would not run its `finally`, and the engine slot would stay
 * taken until max_tokens).
 */
function tiedToExchange<T>(exchange: Exchange, events: AsyncGenerator<T>): AsyncIterable<T> {
  const iterator: AsyncIterator<T> = {
    next: () => events.next(),
    return: (value?: unknown) => {
      exchange.cancel();
      return events.return(value as T);
    },
    throw: (error?: unknown) => {
      exchange.cancel();
      return events.throw(error);
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

export const embeddedAdapter: ProviderAdapter = {
  type: 'embedded',
  // In-process: no base URL (createProviderHandle accepts '' for this adapter).
  defaultBaseUrl: '',

  checkOptions(options) {
    readEmbeddedSettings(options);
    checkEmbeddedPackage();
  },

  async chat(call: ChatCall): Promise<ChatResult> {
    const { request, deployment, signal } = call;
    const provider = deployment.provider;
    const job = convertEmbeddedRequest(request);
    const forced = forcedTool(request);
    const engine = embeddedEngineFor(provider);
    let exchange: Exchange;
    try {
      exchange = await engine.chat(job, request.stream === true, signal);
    } catch (err) {
      throw toMeridian(err, signal, provider, deployment.id);
    }
    if (request.stream) return { type: 'stream', events: tiedToExchange(exchange, streamExchange(exchange, call, forced)) };
    try {
      const done = (await finish(exchange, signal)) as Done;
      return { type: 'response', response: convertEmbeddedResponse(done, deployment.model, forced) };
    } catch (err) {
      throw toMeridian(err, signal, provider, deployment.id);
    }
  },

  async embed({ request, deployment, signal }: EmbedCall): Promise<EmbeddingsResponse> {
    const provider = deployment.provider;
    const input = request.input;
    const inputs = typeof input === 'string' ? [input] : input;
    if (!inputs.every((i): i is string => typeof i === 'string')) {
      throw new InvalidRequestError('The embedded engine embeds text; token arrays are not accepted.', 'input');
    }
    try {
      const exchange = await embeddedEngineFor(provider).embed(inputs, signal);
      const msg = await finish(exchange, signal);
      if (msg.type !== 'embeddings') throw new EngineFailure('the engine answered an embedding request with a chat answer', 'failed');
      const dims = request.dimensions;
      return {
        object: 'list',
        model: deployment.model,
        data: msg.vectors.map((v, index) => ({ object: 'embedding' as const, index, embedding: dims ? v.slice(0, dims) : v })),
        usage: { prompt_tokens: msg.promptTokens, total_tokens: msg.promptTokens },
      };
    } catch (err) {
      throw toMeridian(err, signal, provider, deployment.id);
    }
  },

  /** Liveness: the file is there and its header is sound (the model is not loaded for this). */
  async listModels(provider: ProviderHandle): Promise<DiscoveredModel[]> {
    const engine = embeddedEngineFor(provider);
    const failed = engine.failed();
    if (failed) throw failed;
    const info = await engine.inspect();
    return [{ id: engine.settings.name, capabilities: capabilitiesOf(engine, info.contextLength) }];
  },

  async modelCapabilities(provider: ProviderHandle): Promise<Partial<Capabilities>> {
    const engine = embeddedEngineFor(provider);
    return capabilitiesOf(engine, (await engine.inspect()).contextLength);
  },

  async engineState(provider: ProviderHandle): Promise<EngineState> {
    return embeddedEngineFor(provider).state();
  },
};

function capabilitiesOf(engine: EmbeddedEngine, trained: number | undefined): Partial<Capabilities> {
  const window = engine.loadedInfo?.contextSize ?? engine.settings.contextSize ?? (trained ? Math.min(4096, trained) : undefined);
  return { tools: true, jsonSchema: true, vision: false, embeddings: true, ...(window ? { contextWindow: window } : {}) };
}
