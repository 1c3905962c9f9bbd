/**
 * Per-provider settings of the embedded engine, from `providers[].options`:
 *
 * ```yaml
 * providers:
 *   - id: embedded
 *     type: embedded
 *     location: local
 *     options:
 *       model: ./models/qwen2.5-0.5b-instruct-q4_k_m.gguf   # or ollama:llama3.2 (a model in Ollama's store)
 *       contextSize: 4096     # tokens per sequence; default min(4096, the model's trained context)
 *       threads: 3            # default max(1, cores - 1): leaves a core for the gateway itself
 *       gpuLayers: 0          # layers offloaded to a GPU; 0 = CPU only (the default)
 *       parallel: 1           # requests generated at once (context sequences)
 *       maxQueue: 16          # requests waiting beyond `parallel`; more are refused (429, busy)
 *       loadTimeoutMs: 120000 # loading longer than this fails and stops the loader process
 * ```
 */
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';

export interface EmbeddedSettings {
  /** A GGUF path, or `ollama:<name>[:<tag>]`. */
  model: string;
  /** The model name this provider answers to in `/v1/models`. */
  name: string;
  contextSize?: number;
  threads: number;
  gpuLayers: number;
  parallel: number;
  maxQueue: number;
  loadTimeoutMs: number;
}

const KNOWN = new Set(['model', 'name', 'contextSize', 'threads', 'gpuLayers', 'parallel', 'maxQueue', 'loadTimeoutMs']);

function int(o: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new Error(`options.${key} must be an integer from ${min} to ${max} (got ${JSON.stringify(v)}).`);
  }
  return v;
}

/** Validates `options`; throws an Error whose message starts with the option's path (the registry prefixes the provider). */
export function readEmbeddedSettings(options: Record<string, unknown> | undefined): EmbeddedSettings {
  const o = options ?? {};
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) throw new Error(`options.${key} is not an embedded-engine option (known: ${[...KNOWN].join(', ')}).`);
  }
  const model = o.model;
  if (typeof model !== 'string' || !model.trim()) {
    throw new Error(
      'options.model is required: a GGUF file path (e.g. ./models/x.gguf) or ollama:<name> for a model already pulled with Ollama.',
    );
  }
  if (o.name !== undefined && (typeof o.name !== 'string' || !/^[\w.:-]{1,200}$/.test(o.name))) {
    throw new Error('options.name must be a model name of letters, digits, ".", ":", "_" or "-".');
  }
  const contextSize = int(o, 'contextSize', 64, 1_048_576);
  return {
    model,
    name: (o.name as string | undefined) ?? defaultName(model),
    ...(contextSize !== undefined ? { contextSize } : {}),
    threads: int(o, 'threads', 1, 1024) ?? defaultThreads(),
    gpuLayers: int(o, 'gpuLayers', 0, 10_000) ?? 0,
    parallel: int(o, 'parallel', 1, 64) ?? 1,
    maxQueue: int(o, 'maxQueue', 0, 100_000) ?? 16,
    loadTimeoutMs: int(o, 'loadTimeoutMs', 100, 3_600_000) ?? 120_000,
  };
}

/** One core is left to the gateway's event loop; llama.cpp threads busy-wait, so oversubscribing hurts both. */
export function defaultThreads(cores = availableParallelism()): number {
  return Math.max(1, cores - 1);
}

function defaultName(model: string): string {
  if (model.startsWith('ollama:')) return model.slice('ollama:'.length);
  return basename(model).replace(/\.gguf$/i, '') || 'embedded';
}
