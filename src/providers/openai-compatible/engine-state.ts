/**
 * What an OpenAI-compatible local engine says about its load. The provider's baseUrl ends in
 * `/v1`; these endpoints live at the engine's root (baseUrl without the trailing `/v1`).
 *
 * - vLLM `GET /metrics` (Prometheus): `vllm:num_requests_waiting`, `vllm:num_requests_running`,
 *   `vllm:kv_cache_usage_perc` (older servers: `vllm:gpu_cache_usage_perc`), one series per
 *   `model_name` (and `engine` with data parallelism). https://docs.vllm.ai/en/stable/usage/metrics/ ,
 *   source: https://github.com/vllm-project/vllm/blob/main/vllm/v1/metrics/loggers.py
 * - llama-server `GET /metrics` (only with `--metrics`): `llamacpp:requests_processing`,
 *   `llamacpp:requests_deferred`, and on older builds `llamacpp:kv_cache_usage_ratio`; without it,
 *   `GET /slots` (on by default): one object per slot with `is_processing` (older builds: `state`,
 *   0 = idle). https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md#get-metrics-prometheus-compatible-metrics-exporter ,
 *   #get-slots-returns-the-current-slots-processing-state
 * - LM Studio `GET /api/v1/models` (0.4+: `models[].key`, `models[].loaded_instances[]`), else the
 *   v0 REST API `GET /api/v0/models` (`data[].id`, `data[].state`: `loaded` | `not-loaded`).
 *   https://lmstudio.ai/docs/developer/rest/list
 */
import { UpstreamError } from '../../errors.js';
import { maxMetric, parsePrometheusText, sumMetric, type PromSample } from '../shared/prometheus.js';
import { transportError } from '../shared/http.js';
import type { EngineState, ProviderHandle } from '../spec.js';
import type { LocalEngine } from './settings.js';

/** `http://host:8000/v1` → `http://host:8000`; a path prefix before `/v1` (a proxy) is kept. */
export function engineRoot(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** GET `<engine root><path>`; the body as text on 2xx, an UpstreamError otherwise. */
async function engineGet(provider: ProviderHandle, path: string, signal: AbortSignal): Promise<string> {
  const url = new URL(engineRoot(provider.baseUrl) + path);
  const headers: Record<string, string> = { ...provider.config.headers };
  if (provider.config.apiKey) headers.authorization = `Bearer ${provider.config.apiKey}`;
  let res;
  try {
    res = await provider.http.request({ origin: url.origin, path: url.pathname + url.search, method: 'GET', headers, signal });
  } catch (err) {
    throw transportError(err, signal, provider);
  }
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode >= 300) {
    throw new UpstreamError(`Engine '${provider.id}' answered ${res.statusCode} on ${url.pathname}.`, { upstreamStatus: res.statusCode });
  }
  return text;
}

function withDefined(state: Record<string, number | string[] | undefined>): EngineState {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state)) if (v !== undefined) out[k] = v;
  return out as EngineState;
}

/**
 * vLLM: queue and running counts summed over every series (one engine may expose several
 * `engine` indexes; a server serves one model), KV-cache use as the fullest engine's.
 */
export function vllmEngineState(samples: readonly PromSample[]): EngineState {
  return withDefined({
    waiting: sumMetric(samples, 'vllm:num_requests_waiting'),
    running: sumMetric(samples, 'vllm:num_requests_running'),
    kvCacheUsage: maxMetric(samples, 'vllm:kv_cache_usage_perc') ?? maxMetric(samples, 'vllm:gpu_cache_usage_perc'),
  });
}

/** llama-server `/metrics`: deferred requests wait for a free slot. */
export function llamaServerMetricsState(samples: readonly PromSample[]): EngineState {
  return withDefined({
    waiting: sumMetric(samples, 'llamacpp:requests_deferred'),
    running: sumMetric(samples, 'llamacpp:requests_processing'),
    kvCacheUsage: maxMetric(samples, 'llamacpp:kv_cache_usage_ratio'),
  });
}

/**
 * llama-server `/slots`: busy slots are running requests. The slots do not count deferred
 * requests, so `waiting` is known (0) only while a slot is idle.
 */
export function llamaServerSlotsState(body: unknown): EngineState {
  if (!Array.isArray(body)) return {};
  const slots = body.filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null);
  const busy = slots.filter(
    (s) => s.is_processing === true || (s.is_processing === undefined && typeof s.state === 'number' && s.state !== 0),
  ).length;
  return withDefined({ running: busy, waiting: busy < slots.length ? 0 : undefined });
}

/** LM Studio's model list (v1 or v0 shape): the names loaded now, or undefined for an unknown shape. */
export function lmStudioLoadedModels(body: unknown): string[] | undefined {
  const b = body as { models?: unknown; data?: unknown } | undefined;
  if (Array.isArray(b?.models)) {
    const out: string[] = [];
    for (const m of b.models as Array<{ key?: unknown; loaded_instances?: unknown }>) {
      if (typeof m?.key !== 'string' || !Array.isArray(m.loaded_instances) || m.loaded_instances.length === 0) continue;
      out.push(m.key);
      for (const inst of m.loaded_instances as Array<{ id?: unknown }>) if (typeof inst?.id === 'string') out.push(inst.id);
    }
    return out;
  }
  if (Array.isArray(b?.data)) {
    return (b.data as Array<{ id?: unknown; state?: unknown }>)
      .filter((m) => typeof m?.id === 'string' && m.state === 'loaded')
      .map((m) => m.id as string);
  }
  return undefined;
}

/** Providers whose llama-server answered `/metrics` with an error (no `--metrics`): use `/slots`. */
const llamaMetricsOff = new WeakSet<ProviderHandle>();

export async function readEngineState(provider: ProviderHandle, engine: LocalEngine, signal: AbortSignal): Promise<EngineState> {
  switch (engine) {
    case 'vllm':
      return vllmEngineState(parsePrometheusText(await engineGet(provider, '/metrics', signal)));
    case 'llama-server': {
      if (!llamaMetricsOff.has(provider)) {
        try {
          return llamaServerMetricsState(parsePrometheusText(await engineGet(provider, '/metrics', signal)));
        } catch (err) {
          if (!(err instanceof UpstreamError && err.upstreamStatus !== undefined)) throw err;
          llamaMetricsOff.add(provider);
        }
      }
      return llamaServerSlotsState(JSON.parse(await engineGet(provider, '/slots', signal)));
    }
    case 'lmstudio': {
      let body: unknown;
      try {
        body = JSON.parse(await engineGet(provider, '/api/v1/models', signal));
      } catch (err) {
        if (signal.aborted) throw err;
        body = JSON.parse(await engineGet(provider, '/api/v0/models', signal));
      }
      const loaded = lmStudioLoadedModels(body);
      return loaded ? { loadedModels: loaded } : {};
    }
  }
}
