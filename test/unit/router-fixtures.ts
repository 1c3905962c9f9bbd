/** Shared builders for the router tests (not a test file itself). */
import { UpstreamError } from '../../src/errors.js';
import type { Capabilities, Deployment, Location, Price, ProviderHandle } from '../../src/providers/spec.js';
import { policiesConfigSchema, routerConfigSchema } from '../../src/router/config.js';
import { createRouter, type RouterDeps } from '../../src/router/router.js';
import type { RequestFacts } from '../../src/router/types.js';

export function fakeProvider(id: string, location: Location, timeoutMs?: number): ProviderHandle {
  return {
    id,
    type: 'mock',
    config: { id, type: 'mock', location, ...(timeoutMs ? { timeoutMs } : {}) },
    baseUrl: 'http://127.0.0.1:9',
    location,
    http: undefined as never,
    adapter: {
      type: 'mock',
      chat: () => Promise.reject(new Error('fake provider: tests pass their own run()')),
    },
  };
}

export function dep(
  id: string,
  location: Location,
  extra: { caps?: Partial<Capabilities>; price?: Price; maxConcurrency?: number; weight?: number; timeoutMs?: number } = {},
): Deployment {
  const [providerId, model] = id.split('/') as [string, string];
  return {
    id,
    provider: fakeProvider(providerId, location, extra.timeoutMs),
    model,
    location,
    capabilities: { tools: true, vision: false, jsonSchema: true, embeddings: false, ...extra.caps },
    ...(extra.price ? { price: extra.price } : {}),
    ...(extra.maxConcurrency ? { maxConcurrency: extra.maxConcurrency } : {}),
    ...(extra.weight ? { weight: extra.weight } : {}),
  };
}

export function facts(over: Partial<RequestFacts> = {}): RequestFacts {
  return {
    kind: 'chat',
    alias: 'smart',
    tags: [],
    pii: {},
    hasTools: false,
    hasImages: false,
    estimatedPromptTokens: 100,
    responseFormat: 'text',
    stream: false,
    ...over,
  };
}

/** A router from raw (unparsed) config, like the YAML file would give. */
export function router(raw: { router?: unknown; policies?: unknown } = {}, deps: RouterDeps = {}) {
  return createRouter(
    { router: routerConfigSchema.parse(raw.router ?? {}), policies: policiesConfigSchema.parse(raw.policies ?? []) },
    deps,
  );
}

export const upstream = (status: number, retryAfter?: number) =>
  new UpstreamError(`Upstream returned ${status}`, { upstreamStatus: status, ...(retryAfter !== undefined ? { retryAfter } : {}) });

export const never = new AbortController().signal;

/** The usual hybrid set: two local engines, one private, two cloud. */
export function hybridSet(): Deployment[] {
  return [
    dep('ollama/llama3', 'local', { caps: { contextWindow: 8_192, tools: false } }),
    dep('vllm/qwen', 'local', { caps: { contextWindow: 32_768, tools: true } }),
    dep('azure/gpt-4o', 'private', { caps: { contextWindow: 128_000, vision: true }, price: { input: 2.5, output: 10 } }),
    dep('openai/gpt-4o-mini', 'cloud', { caps: { contextWindow: 128_000, vision: true }, price: { input: 0.15, output: 0.6 } }),
    dep('anthropic/claude', 'cloud', { caps: { contextWindow: 200_000, vision: true }, price: { input: 3, output: 15 } }),
  ];
}
