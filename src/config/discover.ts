/**
 * Config-less start: find local engines on their default ports and cloud keys in the
 * environment, and turn them into provider entries and aliases.
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
  { provider: { id: 'llamacpp', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:8080/v1', location: 'local' }, probePath: '/models' },
  { provider: { id: 'vllm', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:8000/v1', location: 'local' }, probePath: '/models' },
  { provider: { id: 'lmstudio', type: 'openai-compatible', baseUrl: 'http://127.0.0.1:1234/v1', location: 'local' }, probePath: '/models' },
];

/** Cloud providers enabled by a key in the environment. */
export const CLOUD_KEYS: Array<{ env: string; provider: Omit<ProviderEntry, 'apiKey'> }> = [
  { env: 'OPENAI_API_KEY', provider: { id: 'openai', type: 'openai', location: 'cloud' } },
  { env: 'ANTHROPIC_API_KEY', provider: { id: 'anthropic', type: 'anthropic', location: 'cloud' } },
  { env: 'GEMINI_API_KEY', provider: { id: 'gemini', type: 'gemini', location: 'cloud' } },
];

/** Probes the local engines in parallel (short timeout) and reads cloud keys. */
export async function discoverProviders(env: NodeJS.ProcessEnv = process.env, timeoutMs = 400): Promise<ProviderEntry[]> {
  const found = await Promise.all(
    LOCAL_ENGINES.map(async (c) => {
      try {
        const res = await fetch(c.provider.baseUrl + c.probePath, { signal: AbortSignal.timeout(timeoutMs) });
        await res.body?.cancel();
        return res.ok ? c.provider : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  const local = found.filter((p): p is ProviderEntry => p !== undefined);
  const cloud = CLOUD_KEYS.filter((c) => env[c.env]).map((c) => ({ ...c.provider, apiKey: env[c.env] }));
  return [...local, ...cloud];
}
