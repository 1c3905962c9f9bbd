import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest } from '../../src/api/types.js';
import { UpstreamError, UpstreamTimeoutError } from '../../src/errors.js';
import { createProviderHandle, getAdapter } from '../../src/providers/registry.js';
import type { ChatResult, Deployment } from '../../src/providers/spec.js';
import type { StreamEvent } from '../../src/api/types.js';

function deployment(model: string, rulesInline?: unknown): Deployment {
  const provider = createProviderHandle({
    id: 'mock1',
    type: 'mock',
    location: 'local',
    ...(rulesInline ? { options: { rulesInline } } : {}),
  });
  return {
    id: `mock1/${model}`,
    provider,
    model,
    location: 'local',
    capabilities: { tools: true, vision: false, jsonSchema: true, embeddings: true },
  };
}

async function collect(result: ChatResult): Promise<StreamEvent[]> {
  assert.equal(result.type, 'stream');
  const out: StreamEvent[] = [];
  if (result.type === 'stream') for await (const e of result.events) out.push(e);
  return out;
}

const say: ChatRequest = { model: 'ignored', messages: [{ role: 'user', content: "Say 'test passed' and nothing else" }] };

test('the registry knows the mock type and needs no baseUrl', () => {
  assert.equal(getAdapter('mock').type, 'mock');
  assert.equal(deployment('mock-small').provider.baseUrl, '');
});

test('non-streamed chat answers in-process with the deployment model', async () => {
  const d = deployment('mock-small');
  const result = await getAdapter('mock').chat({ request: say, deployment: d, signal: new AbortController().signal });
  assert.equal(result.type, 'response');
  if (result.type !== 'response') return;
  assert.equal(result.response.model, 'mock-small');
  assert.equal(result.response.choices[0]!.message.content, 'test passed');
});

test('streamed chat yields role, content, finish and a usage chunk that add up', async () => {
  const d = deployment('mock-small');
  const events = await collect(
    await getAdapter('mock').chat({ request: { ...say, stream: true }, deployment: d, signal: new AbortController().signal }),
  );
  const text = events.map((e) => e.chunk.choices[0]?.delta.content ?? '').join('');
  assert.equal(text, 'test passed');
  assert.equal(events[0]!.chunk.choices[0]!.delta.role, 'assistant');
  assert.equal(events.at(-2)!.chunk.choices[0]!.finish_reason, 'stop');
  assert.deepEqual(events.at(-1)!.chunk.choices, []);
  assert.ok(events.at(-1)!.chunk.usage!.total_tokens > 0);
});

test('rule errors become UpstreamError with status and Retry-After', async () => {
  const d = deployment('busy', { rules: [{ match: { model: 'busy' }, error: { status: 429, retry_after: 7 } }] });
  await assert.rejects(
    getAdapter('mock').chat({ request: say, deployment: d, signal: new AbortController().signal }),
    (err: unknown) => err instanceof UpstreamError && err.upstreamStatus === 429 && err.retryAfter === 7 && err.isRetryable,
  );
});

test('a truncated stream throws mid-stream after the allowed chunks', async () => {
  const d = deployment('cut', [{ match: { model: 'cut' }, text: 'a b c d e', truncate_after_chunks: 2 }]);
  const result = await getAdapter('mock').chat({ request: { ...say, stream: true }, deployment: d, signal: new AbortController().signal });
  const seen: string[] = [];
  await assert.rejects(async () => {
    if (result.type !== 'stream') throw new Error('expected stream');
    for await (const e of result.events) seen.push(e.chunk.choices[0]?.delta.content ?? '');
  }, UpstreamError);
  assert.deepEqual(seen, ['', 'a ']);
});

test('a hang ends with a timeout when the signal times out', async () => {
  const d = deployment('stuck', [{ match: { model: 'stuck' }, hang: true }]);
  await assert.rejects(getAdapter('mock').chat({ request: say, deployment: d, signal: AbortSignal.timeout(50) }), UpstreamTimeoutError);
});

test('embeddings and listModels', async () => {
  const d = deployment('mock-embed', { models: ['extra-model'], rules: [] });
  const res = await getAdapter('mock').embed!({
    request: { model: 'x', input: ['a', 'b'], dimensions: 8 },
    deployment: d,
    signal: new AbortController().signal,
  });
  assert.equal(res.data.length, 2);
  assert.equal((res.data[0]!.embedding as number[]).length, 8);
  const models = await getAdapter('mock').listModels!(d.provider, new AbortController().signal);
  const ids = models.map((m) => m.id);
  assert.ok(ids.includes('mock-small') && ids.includes('mock-embed') && ids.includes('extra-model'), ids.join());
  assert.equal(models.find((m) => m.id === 'mock-embed')!.capabilities!.embeddings, true);
});
