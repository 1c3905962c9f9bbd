/**
 * The one table of adapters. Adding a provider = one folder + one line here; the core never
 * branches on a provider's name.
 */
import type { Dispatcher } from 'undici';
import { ConfigError } from '../errors.js';
import { headerProblem } from './shared/http.js';
import type { Location, ProviderAdapter, ProviderConfig, ProviderHandle } from './spec.js';
import { Agent } from './undici-agent.js';
import { openaiAdapter, openaiCompatibleAdapter } from './openai-compatible/index.js';
import { anthropicAdapter } from './anthropic/index.js';
import { ollamaAdapter } from './ollama/index.js';
import { mockAdapter } from './mock/index.js';
import { geminiAdapter } from './gemini/index.js';
import { embeddedAdapter } from './embedded/index.js';
import { azureOpenAIAdapter } from './azure-openai/index.js';
import { vertexAdapter } from './vertex/index.js';
import { bedrockAdapter } from './bedrock/index.js';
import { whisperCppAdapter } from './whisper-cpp/index.js';

export const adapters = {
  openai: openaiAdapter,
  'openai-compatible': openaiCompatibleAdapter,
  anthropic: anthropicAdapter,
  ollama: ollamaAdapter,
  mock: mockAdapter,
  gemini: geminiAdapter,
  embedded: embeddedAdapter,
  'azure-openai': azureOpenAIAdapter,
  vertex: vertexAdapter,
  bedrock: bedrockAdapter,
  'whisper-cpp': whisperCppAdapter,
} satisfies Record<string, ProviderAdapter>;

export type AdapterType = keyof typeof adapters;

export function getAdapter(type: string): ProviderAdapter {
  const a = (adapters as Record<string, ProviderAdapter>)[type];
  if (!a) throw new ConfigError(`Unknown provider type '${type}'. Known types: ${Object.keys(adapters).join(', ')}.`);
  return a;
}

/** Builds a ready-to-call provider: resolved base URL and one pooled HTTP dispatcher. */
export function createProviderHandle(
  config: Omit<ProviderConfig, 'location'> & { location?: Location; connections?: number },
  dispatcher?: Dispatcher,
): ProviderHandle {
  const adapter = getAdapter(config.type);
  try {
    adapter.checkOptions?.(config.options);
  } catch (err) {
    throw new ConfigError(`providers[${config.id}].${(err as Error).message}`);
  }
  checkHeaders(config);
  const baseUrl = (config.baseUrl ?? adapter.defaultBaseUrl ?? '').replace(/\/+$/, '');
  if (!baseUrl && adapter.defaultBaseUrl !== '') {
    throw new ConfigError(`providers[${config.id}].baseUrl is required for type '${config.type}'.`);
  }
  const location: Location = config.location ?? adapter.defaultLocation ?? 'cloud';
  const http =
    dispatcher ??
    new Agent({
      connections: config.connections ?? 128,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: 10_000 },
      // The router enforces attempt deadlines through AbortSignal; these only stop dead sockets.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  return { id: config.id, type: config.type, config: { ...config, location }, baseUrl, location, http, adapter };
}

/** Headers and the key are sent on every request: one that cannot be sent is a start-up error, not a failure per request. */
function checkHeaders(config: Pick<ProviderConfig, 'id' | 'headers' | 'apiKey'>): void {
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    const problem = headerProblem(name, value);
    if (problem) throw new ConfigError(`providers[${config.id}].headers: ${problem} Remove the line break or non-Latin-1 character.`);
  }
  if (config.apiKey !== undefined && headerProblem('authorization', config.apiKey)) {
    throw new ConfigError(
      `providers[${config.id}].apiKey contains CR, LF, a control character or a character outside Latin-1; check how the key was pasted or exported.`,
    );
  }
}
