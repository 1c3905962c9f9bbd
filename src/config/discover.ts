/**
 * Config-less start: find local engines on their default ports and cloud keys in the
 * environment, and turn them into provider entries and a default alias.
 */
import type { ProviderEntry } from './schema.js';

export interface DiscoveryCandidate {
  provider: ProviderEntry;
  /** GET this (relative to baseUrl) to see whether the engine is up. */
  probePath: string;
}

/** Local engines on their documented default ports. */
export const LOCAL_ENGINES: DiscoveryCandidate[] = [
  { provider: { id: 'ollama', type: 'ollama', baseUrl: 'http://127.0.0.1:11434', location: 'local' }, probePath: '/api/tags' },
  {
    provider: {
      id: 'llamacpp',
      type: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:8080/v1',
      location: 'local',
      options: { engine: 'llama-server' },
    },
    probePath: '/models',
  },
  {
    provider: {
      id: 'vllm',
      type: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:8000/v1',
      location: 'local',
      options: { engine: 'vllm' },
    },
    probePath: '/models',
  },
  {
    provider: {
      id: 'lmstudio',
      type: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:1234/v1',
      location: 'local',
      options: { engine: 'lmstudio' },
    },
    probePath: '/models',
  },
];

/** Cloud providers enabled by a key in the environment, with the model `chat-default` falls back to. */
export const CLOUD_KEYS: Array<{ env: string; provider: Omit<ProviderEntry, 'apiKey'>; defaultModel: string }> = [
  { env: 'OPENAI_API_KEY', provider: { id: 'openai', type: 'openai', location: 'cloud' }, defaultModel: 'gpt-4o-mini' },
  { env: 'ANTHROPIC_API_KEY', provider: { id: 'anthropic', type: 'anthropic', location: 'cloud' }, defaultModel: 'claude-haiku-4-5' },
  { env: 'GEMINI_API_KEY', provider: { id: 'gemini', type: 'gemini', location: 'cloud' }, defaultModel: 'gemini-2.5-flash' },
];

export interface DiscoveredProvider {
  provider: ProviderEntry;
  /** Chat model to put in `chat-default` (the first one a local engine lists; the catalog default for cloud). */
  defaultModel?: string;
}

/** Probes the local engines in parallel (short timeout) and reads cloud keys. */
export async function discoverProviders(
  env: NodeJS.ProcessEnv = process.env,
  opts: { timeoutMs?: number; engines?: DiscoveryCandidate[] } = {},
): Promise<DiscoveredProvider[]> {
  const timeoutMs = opts.timeoutMs ?? 400;
  const found = await Promise.all(
    (opts.engines ?? LOCAL_ENGINES).map(async (c): Promise<DiscoveredProvider | undefined> => {
      try {
        const res = await fetch(c.provider.baseUrl + c.probePath, { signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) {
          await res.body?.cancel();
          return undefined;
        }
        const model = firstChatModel(await res.json().catch(() => undefined));
        return { provider: c.provider, ...(model ? { defaultModel: model } : {}) };
      } catch {
        return undefined;
      }
    }),
  );
  const local = found.filter((p): p is DiscoveredProvider => p !== undefined);
  const cloud = CLOUD_KEYS.filter((c) => env[c.env]).map((c) => ({
    provider: { ...c.provider, apiKey: env[c.env] },
    defaultModel: c.defaultModel,
  }));
  return [...local, ...cloud];
}

/** `/api/tags` (`models[].name`) or `/v1/models` (`data[].id`), skipping embedding models. */
function firstChatModel(body: unknown): string | undefined {
  const b = body as { models?: Array<{ name?: string; model?: string }>; data?: Array<{ id?: string }> } | undefined;
  const names = [...(b?.models ?? []).map((m) => m.name ?? m.model), ...(b?.data ?? []).map((m) => m.id)].filter((n): n is string =>
    Boolean(n),
  );
  return names.find((n) => !/embed|bge-|minilm|nomic/i.test(n));
}
