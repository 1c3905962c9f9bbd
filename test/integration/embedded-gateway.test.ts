/**
 * The embedded engine (`type: embedded`, node-llama-cpp) behind a real gateway on 127.0.0.1, with
 * a tiny llama model written at test time (random weights from a fixed seed, byte vocabulary, a
 * chat template in its metadata). Checks: the same prompt and seed give the same text, streamed or
 * not; SSE streaming; a client that disconnects stops generation; JSON schema and forced tool
 * calls through grammars; embeddings; a full engine queue overflows to cloud and its depth is
 * reported; bad files (not GGUF, truncated, absurd counts, a tensor missing, a load that outlasts
 * its timeout) give clear errors while the gateway keeps serving.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChatResponse } from '../../src/api/types.js';
import { closeEmbeddedEngines, embeddedEngineFor } from '../../src/providers/embedded/index.js';
import { createProviderHandle } from '../../src/providers/registry.js';
import type { ProviderConfig } from '../../src/providers/spec.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { ggufHeaderOnly, tinyLlamaGguf } from '../helpers/gguf-writer.js';
import { postChat, route } from '../helpers/routing.js';

const dir = mkdtempSync(join(tmpdir(), 'meridian-embedded-gw-'));
const write = (name: string, bytes: Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const tiny = write('tiny.gguf', tinyLlamaGguf({ seed: 7 }));
const good = tinyLlamaGguf({ seed: 7 });

const embOptions = { model: tiny, threads: 1, contextSize: 2048, parallel: 1, maxQueue: 0 };
const providers: ProviderConfig[] = [
  { id: 'emb', type: 'embedded', location: 'local', options: embOptions },
  { id: 'cloud', type: 'mock', location: 'cloud' },
  { id: 'not-gguf', type: 'embedded', location: 'local', options: { model: write('model.gguf.json', Buffer.from('{"model": "no"}')) } },
  {
    id: 'cut',
    type: 'embedded',
    location: 'local',
    options: { model: write('cut.gguf', good.subarray(0, Math.floor(good.length * 0.7))) },
  },
  { id: 'counts', type: 'embedded', location: 'local', options: { model: write('counts.gguf', ggufHeaderOnly(2n ** 62n, 3n)) } },
  {
    id: 'missing-tensor',
    type: 'embedded',
    location: 'local',
    options: { model: write('missing.gguf', tinyLlamaGguf({ seed: 7, omitTensor: 'blk.1.ffn_up.weight' })), threads: 1 },
  },
  { id: 'slow-load', type: 'embedded', location: 'local', options: { model: tiny, threads: 1, loadTimeoutMs: 100 } },
];
const alias = (provider: string) => ({ deployments: [{ provider, model: 'tiny' }] });

let gw: RunningGateway;

before(async () => {
  gw = await startGateway({
    providers,
    models: {
      tiny: alias('emb'),
      'tiny-embed': { deployments: [{ provider: 'emb', model: 'tiny', capabilities: { embeddings: true } }] },
      overflow: {
        strategy: 'local-first',
        deployments: [
          { provider: 'emb', model: 'tiny' },
          { provider: 'cloud', model: 'mock-cloud' },
        ],
      },
      'not-gguf': alias('not-gguf'),
      cut: alias('cut'),
      counts: alias('counts'),
      'missing-tensor': alias('missing-tensor'),
      'slow-load': alias('slow-load'),
    },
    router: { healthIntervalMs: 0, retries: 0 },
  });
});

after(async () => {
  await gw.close();
  closeEmbeddedEngines();
});

const engine = () => embeddedEngineFor(createProviderHandle({ id: 'emb', type: 'embedded', location: 'local', options: embOptions }));

const content = (body: unknown): string => (body as ChatResponse).choices[0]?.message.content as string;

/** Streams a chat request and returns its parsed `data:` events (and whether [DONE] came). */
async function streamChat(body: Record<string, unknown>): Promise<{ events: Array<Record<string, any>>; done: boolean; status: number }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Say hello.' }], stream: true, ...body }),
  });
  const text = await res.text();
  const datas = text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6));
  return { status: res.status, done: datas.at(-1) === '[DONE]', events: datas.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d)) };
}

describe('embedded engine through the gateway', () => {
  it('same prompt and seed → same text; another seed → other text', async () => {
    const ask = (seed: number) => postChat(gw.url, { model: 'tiny', max_tokens: 16, temperature: 0.8, seed });
    const a = await ask(11);
    const b = await ask(11);
    const c = await ask(12);
    assert.equal(a.status, 200, a.text);
    assert.equal(route(a).deployment, 'emb/tiny');
    assert.ok(content(a.body).length > 0);
    assert.equal(content(a.body), content(b.body));
    assert.notEqual(content(a.body), content(c.body));
    const usage = (a.body as ChatResponse).usage!;
    assert.equal(usage.completion_tokens, 16);
    assert.ok(usage.prompt_tokens > 3, `prompt tokens ${usage.prompt_tokens}`);
    assert.equal((a.body as ChatResponse).choices[0]?.finish_reason, 'length');
    // The prompt was rendered by the chat template stored in the GGUF (no built-in wrapper matches it).
    assert.equal(engine().loadedInfo?.chatWrapper, 'JinjaTemplate');
  });

  it('streams over SSE: role first, text deltas equal to the unstreamed answer, finish, usage, [DONE]', async () => {
    const plain = await postChat(gw.url, { model: 'tiny', max_tokens: 12, temperature: 0.8, seed: 5 });
    const s = await streamChat({ model: 'tiny', max_tokens: 12, temperature: 0.8, seed: 5, stream_options: { include_usage: true } });
    assert.equal(s.status, 200);
    assert.equal(s.done, true);
    assert.equal(s.events[0]?.choices[0]?.delta.role, 'assistant');
    const text = s.events.map((e) => e.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, content(plain.body));
    assert.ok(s.events.filter((e) => e.choices[0]?.delta.content).length > 1, 'several content chunks');
    assert.equal(s.events.find((e) => e.choices[0]?.finish_reason)?.choices[0].finish_reason, 'length');
    assert.equal(s.events.at(-1)?.usage?.completion_tokens, 12);
  });

  it('a client that disconnects mid-stream stops generation', async () => {
    const before = { ...engine().stats };
    const ac = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'Go on forever.' }], stream: true, max_tokens: 20_000 }),
      signal: ac.signal,
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('"content":"') || !/"content":"[^"]/.test(seen)) {
      const { value, done } = await reader.read();
      assert.equal(done, false, 'stream ended before any text');
      seen += Buffer.from(value!).toString('utf8');
    }
    ac.abort();
    await engine().whenIdle();
    const after = engine().stats;
    assert.equal(after.abort, before.abort + 1);
    const generated = after.completionTokens - before.completionTokens;
    assert.ok(generated > 0 && generated < 20_000, `generated ${generated} tokens after the client left`);
    // The engine serves the next request normally.
    assert.equal((await postChat(gw.url, { model: 'tiny', max_tokens: 4 })).status, 200);
  });

  it('JSON schema and a forced tool call are generated under a grammar', async () => {
    const schema = { type: 'object', properties: { unit: { enum: ['c', 'f'] } }, required: ['unit'] };
    const r = await postChat(gw.url, {
      model: 'tiny',
      max_tokens: 64,
      response_format: { type: 'json_schema', json_schema: { name: 'u', schema } },
    });
    assert.equal(r.status, 200, r.text);
    assert.ok(['c', 'f'].includes(JSON.parse(content(r.body)).unit), content(r.body));

    const t = await postChat(gw.url, {
      model: 'tiny',
      max_tokens: 64,
      tools: [{ type: 'function', function: { name: 'set_unit', parameters: schema } }],
      tool_choice: { type: 'function', function: { name: 'set_unit' } },
    });
    assert.equal(t.status, 200, t.text);
    const choice = (t.body as ChatResponse).choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.tool_calls?.[0]?.function.name, 'set_unit');
    assert.ok(['c', 'f'].includes(JSON.parse(choice.message.tool_calls![0]!.function.arguments).unit));
  });

  it('tools the model may call are accepted; a schema the grammar builder refuses is a 400', async () => {
    const tools = [
      {
        type: 'function',
        function: { name: 'lookup', description: 'Look up a word', parameters: { type: 'object', properties: { q: { type: 'string' } } } },
      },
    ];
    const r = await postChat(gw.url, { model: 'tiny', max_tokens: 8, seed: 1, tools });
    assert.equal(r.status, 200, r.text);
    assert.ok(['stop', 'length', 'tool_calls'].includes((r.body as ChatResponse).choices[0]!.finish_reason!));

    const bad = await postChat(gw.url, {
      model: 'tiny',
      max_tokens: 8,
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'no-such-type' } } },
    });
    assert.equal(bad.status, 400, bad.text);
    assert.match(
      (bad.body as { error: { message: string } }).error.message,
      /cannot build a grammar: schema.type "no-such-type" is not a JSON type/,
    );
    assert.equal((await postChat(gw.url, { model: 'tiny', max_tokens: 4 })).status, 200);
  });

  it('embeddings: one vector per input, the model width, the same input twice → the same vector', async () => {
    const res = await fetch(`${gw.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny-embed', input: ['hello', 'world', 'hello'] }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { data: Array<{ embedding: number[] }>; usage: { prompt_tokens: number } };
    assert.equal(body.data.length, 3);
    assert.equal(body.data[0]?.embedding.length, 64);
    assert.deepEqual(body.data[0]?.embedding, body.data[2]?.embedding);
    assert.notDeepEqual(body.data[0]?.embedding, body.data[1]?.embedding);
    assert.ok(body.usage.prompt_tokens > 0);
  });

  it('a full engine queue sends the next request to cloud; the depth is what the engine reports', async () => {
    const ac = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'overflow', messages: [{ role: 'user', content: 'Long.' }], stream: true, max_tokens: 20_000 }),
      signal: ac.signal,
    });
    assert.equal(res.headers.get('x-meridian-route')?.split(';')[0], 'emb/tiny');
    const reader = res.body!.getReader();
    await reader.read();
    assert.deepEqual(engine().state(), { waiting: 0, running: 1 });
    const second = await postChat(gw.url, { model: 'overflow', max_tokens: 4 });
    assert.equal(second.status, 200, second.text);
    assert.equal(route(second).deployment, 'cloud/mock-cloud');
    ac.abort();
    await engine().whenIdle();
    assert.deepEqual(engine().state(), { waiting: 0, running: 0 });
  });

  it('bad files give clear errors and the gateway keeps serving', async () => {
    const cases: Array<[string, RegExp]> = [
      ['not-gguf', /not a GGUF file/],
      ['cut', /truncated/],
      ['counts', /absurd tensor count/],
      ['missing-tensor', /llama\.cpp could not load|engine process exited/],
      ['slow-load', /took longer than 100 ms/],
    ];
    for (const [model, message] of cases) {
      const r = await postChat(gw.url, { model, max_tokens: 4 });
      assert.equal(r.status, 502, `${model}: ${r.text}`);
      assert.match((r.body as { error: { message: string } }).error.message, message, model);
      // The failure is remembered: the next request fails at once instead of loading again.
      const again = await postChat(gw.url, { model, max_tokens: 4 });
      assert.equal(again.status, 502);
      assert.ok(again.ms < 1000, `${model} second failure took ${again.ms} ms`);
    }
    const ok = await postChat(gw.url, { model: 'tiny', max_tokens: 4 });
    assert.equal(ok.status, 200);
  });
});

describe('queue depth', () => {
  it('waiting requests are counted, the queue is bounded, cancelled waiters leave it', async () => {
    const options = { model: tiny, threads: 1, contextSize: 1024, parallel: 1, maxQueue: 2 };
    const provider = createProviderHandle({ id: 'q', type: 'embedded', location: 'local', options });
    const deployment = {
      id: 'q/tiny',
      provider,
      model: 'tiny',
      location: 'local' as const,
      capabilities: { tools: true, vision: false, jsonSchema: true, embeddings: true },
    };
    const long = { model: 'tiny', messages: [{ role: 'user' as const, content: 'x' }], max_tokens: 20_000, stream: true };
    const ac = new AbortController();
    const first = await provider.adapter.chat({ request: long, deployment, signal: ac.signal });
    assert.equal(first.type, 'stream');
    const it = (first as { events: AsyncIterable<unknown> }).events[Symbol.asyncIterator]();
    await it.next();
    const waiters = [new AbortController(), new AbortController()];
    const queued = waiters.map((w) => provider.adapter.chat({ request: { ...long, stream: false }, deployment, signal: w.signal }));
    assert.deepEqual(await provider.adapter.engineState!(provider, AbortSignal.timeout(1000)), { waiting: 2, running: 1 });
    await assert.rejects(provider.adapter.chat({ request: long, deployment, signal: AbortSignal.timeout(5000) }), (e: any) => {
      assert.equal(e.code, 'engine_queue_full');
      assert.equal(e.status, 429);
      assert.equal(e.isRetryable, true);
      return true;
    });
    for (const w of waiters) w.abort();
    await Promise.allSettled(queued);
    assert.deepEqual(embeddedEngineFor(provider).state(), { waiting: 0, running: 1 });
    ac.abort();
    await assert.rejects(it.next(), (e: any) => e.code === 'request_cancelled');
    await embeddedEngineFor(provider).whenIdle();

    // A stream dropped before its first read (return() without next()) still stops generating.
    const before = { ...embeddedEngineFor(provider).stats };
    const unread = await provider.adapter.chat({ request: long, deployment, signal: AbortSignal.timeout(60_000) });
    await (unread as { events: AsyncIterable<unknown> }).events[Symbol.asyncIterator]().return!();
    await embeddedEngineFor(provider).whenIdle();
    const stats = embeddedEngineFor(provider).stats;
    assert.equal(stats.abort, before.abort + 1);
    assert.ok(stats.completionTokens - before.completionTokens < 20_000);
  });
});

describe('the health monitor reads the engine', () => {
  const options = { model: tiny, threads: 1, contextSize: 1024, parallel: 1, maxQueue: 4 };
  let g: RunningGateway;
  before(async () => {
    g = await startGateway({
      providers: [
        { id: 'watched', type: 'embedded', location: 'local', options },
        { id: 'cloud', type: 'mock', location: 'cloud' },
      ],
      models: {
        'watched-only': alias('watched'),
        burst: {
          strategy: 'local-first',
          deployments: [
            { provider: 'watched', model: 'tiny' },
            { provider: 'cloud', model: 'mock-cloud' },
          ],
        },
      },
      // Checks run when the test asks (checkHealth); the interval only has to be on.
      router: { healthIntervalMs: 600_000, queueThreshold: 1, retries: 0 },
    });
  });
  after(() => g.close());

  it('cold until loaded; a queue at queueThreshold sends local-first traffic to cloud', async () => {
    assert.equal((await g.gateway.checkHealth())['watched/tiny'], 'cold');
    const ac = new AbortController();
    const long = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'burst', messages: [{ role: 'user', content: 'Long.' }], stream: true, max_tokens: 20_000 }),
      signal: ac.signal,
    });
    assert.equal(long.headers.get('x-meridian-route')?.split(';')[0], 'watched/tiny');
    await long.body!.getReader().read();
    const watched = embeddedEngineFor(createProviderHandle({ id: 'watched', type: 'embedded', location: 'local', options }));
    // A request that may only run locally waits in the engine's queue.
    const queued = postChat(g.url, { model: 'watched-only', max_tokens: 4 });
    while (watched.state().waiting !== 1) await new Promise((r) => setImmediate(r));
    assert.equal((await g.gateway.checkHealth())['watched/tiny'], 'up');
    const next = await postChat(g.url, { model: 'burst', max_tokens: 4 });
    assert.equal(next.status, 200, next.text);
    assert.equal(route(next).deployment, 'cloud/mock-cloud');
    ac.abort();
    assert.equal((await queued).status, 200);
    await watched.whenIdle();
    await g.gateway.checkHealth();
    assert.equal(route(await postChat(g.url, { model: 'burst', max_tokens: 4 })).deployment, 'watched/tiny');
  });
});

describe('an engine process that dies', () => {
  it('fails its requests with the reason, leaves the gateway process up, and restarts on the next request', async () => {
    const options = { model: tiny, threads: 1, contextSize: 1024 };
    const provider = createProviderHandle({ id: 'crashy', type: 'embedded', location: 'local', options });
    const deployment = {
      id: 'crashy/tiny',
      provider,
      model: 'tiny',
      location: 'local' as const,
      capabilities: { tools: true, vision: false, jsonSchema: true, embeddings: true },
    };
    const request = { model: 'tiny', messages: [{ role: 'user' as const, content: 'x' }], max_tokens: 20_000, stream: true };
    const result = await provider.adapter.chat({ request, deployment, signal: AbortSignal.timeout(60_000) });
    const it = (result as { events: AsyncIterable<unknown> }).events[Symbol.asyncIterator]();
    await it.next();
    const engine = embeddedEngineFor(provider);
    const pid = engine.pid!;
    process.kill(pid, 'SIGKILL');
    await assert.rejects(
      (async () => {
        for (;;) if ((await it.next()).done) return;
      })(),
      (e: any) => e.status === 502 && /engine process exited \(SIGKILL\)/.test(e.message) && e.isRetryable,
    );
    const again = await provider.adapter.chat({
      request: { ...request, stream: false, max_tokens: 4 },
      deployment,
      signal: AbortSignal.timeout(60_000),
    });
    assert.equal((again as { response: ChatResponse }).response.usage?.completion_tokens, 4);
    assert.notEqual(engine.pid, pid);
  });
});

describe('a model from the Ollama store', () => {
  it('ollama:<name>:<tag> loads the blob its manifest names, without an Ollama server', async () => {
    const store = mkdtempSync(join(tmpdir(), 'meridian-ollama-models-'));
    const hex = 'e3'.repeat(32);
    mkdirSync(join(store, 'blobs'));
    writeFileSync(join(store, 'blobs', `sha256-${hex}`), good);
    mkdirSync(join(store, 'manifests', 'registry.ollama.ai', 'library', 'tiny'), { recursive: true });
    writeFileSync(
      join(store, 'manifests', 'registry.ollama.ai', 'library', 'tiny', 'q1'),
      JSON.stringify({
        schemaVersion: 2,
        layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${hex}`, size: good.length }],
      }),
    );
    const saved = process.env.OLLAMA_MODELS;
    process.env.OLLAMA_MODELS = store;
    try {
      const provider = createProviderHandle({
        id: 'from-ollama',
        type: 'embedded',
        location: 'local',
        options: { model: 'ollama:tiny:q1', threads: 1 },
      });
      assert.deepEqual(
        (await provider.adapter.listModels!(provider, AbortSignal.timeout(5000))).map((m) => m.id),
        ['tiny:q1'],
      );
      const deployment = {
        id: 'from-ollama/tiny:q1',
        provider,
        model: 'tiny:q1',
        location: 'local' as const,
        capabilities: { tools: true, vision: false, jsonSchema: true, embeddings: true },
      };
      const r = await provider.adapter.chat({
        request: { model: 'tiny:q1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 },
        deployment,
        signal: AbortSignal.timeout(60_000),
      });
      assert.equal((r as { response: ChatResponse }).response.usage?.completion_tokens, 3);
    } finally {
      if (saved === undefined) delete process.env.OLLAMA_MODELS;
      else process.env.OLLAMA_MODELS = saved;
    }
  });
});
