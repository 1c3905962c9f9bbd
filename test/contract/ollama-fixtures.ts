/** Shared setup for the Ollama contract tests: fixtures, a provider handle, a deployment. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChatChunk } from '../../src/api/types.js';
import { createProviderHandle } from '../../src/providers/registry.js';
import type { Deployment, ProviderHandle } from '../../src/providers/spec.js';
import type { StreamEvent } from '../../src/api/types.js';

const dir = fileURLToPath(new URL('./fixtures/ollama/', import.meta.url));

export function fixtureText(name: string): string {
  return readFileSync(dir + name, 'utf8');
}

export function fixtureJson<T = any>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

export function fixtureLines(name: string): unknown[] {
  return fixtureText(name)
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

export function ollamaHandle(baseUrl: string, options?: Record<string, unknown>): ProviderHandle {
  return createProviderHandle({ id: 'ollama-test', type: 'ollama', baseUrl, location: 'local', ...(options ? { options } : {}) });
}

export function ollamaDeployment(provider: ProviderHandle, model = 'llama3.2'): Deployment {
  return {
    id: `${provider.id}/${model}`,
    provider,
    model,
    location: 'local',
    capabilities: { tools: true, vision: true, jsonSchema: true, embeddings: true },
  };
}

export async function collectChunks(events: AsyncIterable<StreamEvent>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const e of events) out.push(e.chunk);
  return out;
}

export function signal(): AbortSignal {
  return AbortSignal.timeout(5000);
}
