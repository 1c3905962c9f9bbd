/** Response cache units (issue #13): keys, the memory LRU's bounds, entry size, and a silent Redis as a miss. */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { ChatRequest } from '../../src/api/types.js';
import { cacheConfigSchema } from '../../src/cache/config.js';
import {
  cacheKeys,
  MemoryCacheBackend,
  parseCacheControl,
  RedisCacheBackend,
  ResponseCache,
  type CachedAnswer,
  type CacheSettings,
} from '../../src/cache/index.js';

const req = (over: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...over });

describe('cache keys', () => {
  it('ignore user, metadata, stream_options, the model spelling and key order; keep the parameters', () => {
    const base = cacheKeys(req({ temperature: 0 }), 'chat', 't1', false).key;
    assert.equal(cacheKeys(req({ temperature: 0, user: 'u', metadata: { a: 'b' }, stream_options: {} }), 'chat', 't1', false).key, base);
    assert.equal(cacheKeys({ messages: [{ content: 'hi', role: 'user' }], temperature: 0, model: 'other' }, 'chat', 't1', false).key, base);
    assert.notEqual(cacheKeys(req({ temperature: 0.5 }), 'chat', 't1', false).key, base);
    assert.notEqual(cacheKeys(req({ temperature: 0, max_tokens: 5 }), 'chat', 't1', false).key, base);
    assert.notEqual(cacheKeys(req({ temperature: 0, stream: true }), 'chat', 't1', false).key, base);
    assert.notEqual(cacheKeys(req({ temperature: 0, response_format: { type: 'json_object' } }), 'chat', 't1', false).key, base);
    assert.notEqual(cacheKeys(req({ temperature: 0 }), 'other-alias', 't1', false).key, base);
  });

  it('are per tenant unless shared', () => {
    assert.notEqual(cacheKeys(req(), 'chat', 'a', false).key, cacheKeys(req(), 'chat', 'b', false).key);
    assert.notEqual(cacheKeys(req(), 'chat', undefined, false).key, cacheKeys(req(), 'chat', 'a', false).key);
    assert.equal(cacheKeys(req(), 'chat', 'a', true).key, cacheKeys(req(), 'chat', 'b', true).key);
  });

  it('semantic bucket: the same request but for the last user message', () => {
    const a = cacheKeys(
      req({
        messages: [
          { role: 'system', content: 's' },
          { role: 'user', content: 'one' },
        ],
      }),
      'c',
      't',
      false,
    );
    const b = cacheKeys(
      req({
        messages: [
          { role: 'system', content: 's' },
          { role: 'user', content: 'two' },
        ],
      }),
      'c',
      't',
      false,
    );
    const c = cacheKeys(
      req({
        messages: [
          { role: 'system', content: 'other' },
          { role: 'user', content: 'one' },
        ],
      }),
      'c',
      't',
      false,
    );
    assert.notEqual(a.key, b.key);
    assert.equal(a.bucket, b.bucket);
    assert.notEqual(a.bucket, c.bucket);
    assert.equal(a.lastUser, 'one');
  });
});

describe('memory back-end', () => {
  it('evicts the least recently used entries past maxBytes', async () => {
    const m = new MemoryCacheBackend(2_000);
    const v = 'x'.repeat(300); // ~700 bytes each with key and overhead
    await m.set('a', v, 60_000);
    await m.set('b', v, 60_000);
    assert.equal(await m.get('a'), v); // a is now the most recently used
    await m.set('c', v, 60_000);
    assert.equal(await m.get('b'), undefined, 'b was the least recently used');
    assert.equal(await m.get('a'), v);
    assert.equal(await m.get('c'), v);
    assert.ok(m.bytes <= 2_000);
    await m.set('huge', 'y'.repeat(5_000), 60_000);
    assert.equal(await m.get('huge'), undefined, 'larger than the whole cache: not kept');
  });

  it('expires by the injected clock; vectors are bounded per bucket, newest first', async () => {
    let now = 0;
    const m = new MemoryCacheBackend(100_000, () => now);
    await m.set('k', 'v', 1_000);
    now = 999;
    assert.equal(await m.get('k'), 'v');
    now = 1_000;
    assert.equal(await m.get('k'), undefined);
    for (const i of [1, 2, 3]) await m.pushVector('s', String(i), 2, 10_000);
    assert.deepEqual(await m.vectors('s'), ['3', '2']);
  });
});

describe('ResponseCache', () => {
  const settings: CacheSettings = { ttlMs: 60_000, maxEntryBytes: 400, shareAcrossTenants: false, maxVectorsPerBucket: 8 };
  const answer = (text: string): CachedAnswer => ({
    type: 'response',
    response: {
      id: 'x',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    },
    deployment: 'p/m',
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    costUsd: 0.01,
    storedAt: 0,
  });

  it('does not store an answer over maxEntryBytes; corrupt entries read as misses', async () => {
    const backend = new MemoryCacheBackend(1_000_000);
    const cache = new ResponseCache(backend);
    const keys = cacheKeys(req(), 'c', 't', false);
    assert.equal(await cache.put(keys, answer('y'.repeat(500)), settings), false);
    assert.equal(await cache.getExact(keys), undefined);
    assert.equal(await cache.put(keys, answer('short'), settings), true);
    assert.equal((await cache.getExact(keys))?.answer.type, 'response');
    await backend.set(keys.key, '{"not":"an answer"}', 1000);
    assert.equal(await cache.getExact(keys), undefined);
  });

  it('semantic: the nearest vector at or above the threshold wins', async () => {
    const cache = new ResponseCache(new MemoryCacheBackend(1_000_000));
    const k1 = cacheKeys(req({ messages: [{ role: 'user', content: 'a' }] }), 'c', 't', false);
    const k2 = cacheKeys(req({ messages: [{ role: 'user', content: 'b' }] }), 'c', 't', false);
    await cache.put(k1, answer('one'), settings, [1, 0]);
    await cache.put(k2, answer('two'), settings, [0, 1]);
    const q = cacheKeys(req({ messages: [{ role: 'user', content: 'q' }] }), 'c', 't', false);
    const hit = await cache.getSemantic(q, [0.6, 0.8], 0.7);
    assert.equal(hit?.answer.type === 'response' && hit.answer.response.choices[0]!.message.content, 'two');
    assert.equal(await cache.getSemantic(q, [0.6, 0.8], 0.9), undefined);
  });

  it('settings: the global block, then the alias', () => {
    const cache = new ResponseCache(new MemoryCacheBackend(1000));
    const config = {
      cache: cacheConfigSchema.parse({ enabled: false, ttlSeconds: 10 }),
      models: { on: { deployments: [], cache: { enabled: true, ttlSeconds: 5 } }, plain: [] },
    } as never;
    assert.equal(cache.settingsFor(config, 'plain'), undefined);
    assert.equal(cache.settingsFor(config, 'on')?.ttlMs, 5_000);
  });
});

describe('Cache-Control', () => {
  it('reads no-cache and no-store among other directives', () => {
    assert.deepEqual(parseCacheControl('max-age=0, No-Cache'), { noCache: true, noStore: false });
    assert.deepEqual(parseCacheControl(['no-store']), { noCache: false, noStore: true });
    assert.deepEqual(parseCacheControl(undefined), { noCache: false, noStore: false });
  });
});

describe('Redis back-end', () => {
  it('a Redis that never answers is a miss within the timeout, not a stall or an error', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s)); // accepts, never replies
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 0 });
    redis.on('error', () => undefined);
    const errors: string[] = [];
    const backend = new RedisCacheBackend(redis, { prefix: 't:', timeoutMs: 50, onError: (_e, c) => errors.push(c) });
    try {
      const t0 = performance.now();
      assert.equal(await backend.get('k'), undefined);
      await backend.set('k', 'v', 1000);
      assert.deepEqual(await backend.vectors('b'), []);
      const ms = performance.now() - t0;
      assert.ok(ms < 1000, `three calls in ${Math.round(ms)} ms`);
      assert.deepEqual(errors, ['cache get', 'cache set', 'cache vectors']);
    } finally {
      redis.disconnect();
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
