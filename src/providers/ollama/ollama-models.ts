/**
 * What an Ollama server has and what each model can do: `GET /api/tags` (installed),
 * `POST /api/show` (one model's details and capabilities), `GET /api/ps` (loaded in memory).
 * The router uses these for discovery, capability facts and "already warm" preferences.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#list-local-models ,
 * #show-model-information , #list-running-models ; capabilities:
 * https://docs.ollama.com/api-reference/show-model-details
 */
import type { Capabilities } from '../spec.js';
import { readJson, upstreamRequest } from '../shared/http.js';
import type { DiscoveredModel, ProviderHandle } from '../spec.js';
import type { OllamaPsResponse, OllamaShowResponse, OllamaTagsResponse } from './ollama-api.js';

export interface OllamaModelInfo {
  model: string;
  /** From `model_info["<arch>.context_length"]` (the trained context), when reported. */
  contextLength?: number;
  /** As the server reports them (`completion`, `tools`, `vision`, `embedding`, `thinking`…); empty on old servers. */
  capabilities: string[];
  family?: string;
  parameterSize?: string;
  quantization?: string;
}

export interface OllamaLoadedModel {
  name: string;
  model: string;
  /** Bytes in memory, and the part of it in VRAM. */
  size?: number;
  sizeVram?: number;
  /** When Ollama will unload it (`keep_alive`), as an ISO timestamp. */
  expiresAt?: string;
  /** The context length it was loaded with (newer servers). */
  contextLength?: number;
}

/** Installed models (`GET /api/tags`) as discovery results; ids are Ollama model names. */
export async function ollamaTags(provider: ProviderHandle, signal: AbortSignal): Promise<DiscoveredModel[]> {
  const res = await upstreamRequest(provider, { method: 'GET', path: '/api/tags', signal });
  const { json } = await readJson<OllamaTagsResponse>(res, provider);
  return (json.models ?? []).filter((m) => typeof m?.name === 'string').map((m) => ({ id: m.name }));
}

/** One model's details (`POST /api/show`). */
export async function ollamaShow(provider: ProviderHandle, model: string, signal: AbortSignal): Promise<OllamaModelInfo> {
  const res = await upstreamRequest(provider, { path: '/api/show', body: { model }, signal, deployment: `${provider.id}/${model}` });
  const { json } = await readJson<OllamaShowResponse>(res, provider, `${provider.id}/${model}`);
  const info: OllamaModelInfo = {
    model,
    capabilities: Array.isArray(json.capabilities) ? json.capabilities.filter((c) => typeof c === 'string') : [],
  };
  const ctx = contextLengthOf(json.model_info);
  if (ctx !== undefined) info.contextLength = ctx;
  if (json.details?.family) info.family = json.details.family;
  if (json.details?.parameter_size) info.parameterSize = json.details.parameter_size;
  if (json.details?.quantization_level) info.quantization = json.details.quantization_level;
  return info;
}

/** Models loaded in memory now (`GET /api/ps`). */
export async function ollamaPs(provider: ProviderHandle, signal: AbortSignal): Promise<OllamaLoadedModel[]> {
  const res = await upstreamRequest(provider, { method: 'GET', path: '/api/ps', signal });
  const { json } = await readJson<OllamaPsResponse>(res, provider);
  return (json.models ?? [])
    .filter((m) => typeof m?.name === 'string')
    .map((m) => {
      const out: OllamaLoadedModel = { name: m.name, model: m.model ?? m.name };
      if (typeof m.size === 'number') out.size = m.size;
      if (typeof m.size_vram === 'number') out.sizeVram = m.size_vram;
      if (m.expires_at) out.expiresAt = m.expires_at;
      if (typeof m.context_length === 'number') out.contextLength = m.context_length;
      return out;
    });
}

/**
 * Canonical capability facts from `/api/show`. An old server without `capabilities` yields only
 * what is known (context window), so the router keeps its configured defaults for the rest.
 * Structured outputs (`format`) work on every completion model, so jsonSchema follows `completion`.
 */
export function ollamaCapabilities(info: OllamaModelInfo): Partial<Capabilities> {
  const caps: Partial<Capabilities> = {};
  if (info.contextLength !== undefined) caps.contextWindow = info.contextLength;
  if (!info.capabilities.length) return caps;
  const has = (c: string) => info.capabilities.includes(c);
  caps.tools = has('tools');
  caps.vision = has('vision');
  caps.embeddings = has('embedding');
  caps.jsonSchema = has('completion');
  caps.reasoning = has('thinking');
  return caps;
}

/** `model_info` keys are `<architecture>.context_length`; prefer the one for `general.architecture`. */
function contextLengthOf(modelInfo: Record<string, unknown> | undefined): number | undefined {
  if (!modelInfo) return undefined;
  const arch = modelInfo['general.architecture'];
  if (typeof arch === 'string') {
    const v = modelInfo[`${arch}.context_length`];
    if (typeof v === 'number' && v > 0) return v;
  }
  for (const [k, v] of Object.entries(modelInfo)) {
    if (k.endsWith('.context_length') && typeof v === 'number' && v > 0) return v;
  }
  return undefined;
}
