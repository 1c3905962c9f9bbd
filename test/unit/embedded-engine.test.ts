/**
 * The embedded engine's pure parts: GGUF header checks on files written at test time (a good tiny
 * model, then files that are not GGUF, truncated at seeded random points, or claim absurd
 * counts), options validation, Ollama store lookup, the missing-package error, and the
 * request conversion (history, tools, grammars).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, InvalidRequestError } from '../../src/errors.js';
import { convertEmbeddedRequest, schemaProblem, toHistory } from '../../src/providers/embedded/convert-embedded-request.js';
import { GgufError, readGgufInfo } from '../../src/providers/embedded/gguf-header.js';
import { checkEmbeddedPackage } from '../../src/providers/embedded/index.js';
import { manifestParts, resolveOllamaModel } from '../../src/providers/embedded/ollama-store.js';
import { defaultThreads, readEmbeddedSettings } from '../../src/providers/embedded/settings.js';
import { createProviderHandle } from '../../src/providers/registry.js';
import { ggufHeaderOnly, tinyLlamaGguf } from '../helpers/gguf-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'meridian-embedded-unit-'));
const file = (name: string, bytes: Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

/** mulberry32, for reproducible cut points. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('GGUF header checks', () => {
  const good = tinyLlamaGguf({ seed: 1 });

  it('reads a good file: architecture, context length, chat template', async () => {
    const info = await readGgufInfo(file('good.gguf', good));
    assert.equal(info.architecture, 'llama');
    assert.equal(info.version, 3);
    assert.equal(info.contextLength, 512);
    assert.equal(info.embeddingLength, 64);
    assert.equal(info.hasChatTemplate, true);
    assert.equal(info.tensorCount, 3 + 2 * 9);
    assert.equal(info.fileBytes, good.length);
  });

  it('the same seed writes the same bytes; another seed other weights', () => {
    assert.deepEqual(tinyLlamaGguf({ seed: 1 }), good);
    assert.notDeepEqual(tinyLlamaGguf({ seed: 2 }), good);
  });

  it('refuses a file that is not GGUF, naming what it found', async () => {
    await assert.rejects(readGgufInfo(file('text.gguf', Buffer.from('{"not": "a model"}'))), (e: Error) => {
      assert.ok(e instanceof GgufError);
      assert.match(e.message, /not a GGUF file.*0x7b226e6f/);
      return true;
    });
    await assert.rejects(readGgufInfo(file('empty.gguf', Buffer.alloc(0))), /not a GGUF file/);
    await assert.rejects(readGgufInfo(join(dir, 'missing.gguf')), /file not found/);
    await assert.rejects(readGgufInfo(dir), /not a regular file/);
  });

  it('refuses unsupported versions and absurd counts', async () => {
    await assert.rejects(readGgufInfo(file('v1.gguf', ggufHeaderOnly(0n, 0n, 1))), /unsupported GGUF version 1/);
    await assert.rejects(readGgufInfo(file('v99.gguf', ggufHeaderOnly(0n, 0n, 99))), /unsupported GGUF version 99/);
    await assert.rejects(readGgufInfo(file('tensors.gguf', ggufHeaderOnly(2n ** 63n, 1n))), /absurd tensor count 9223372036854775808/);
    await assert.rejects(readGgufInfo(file('kvs.gguf', ggufHeaderOnly(1n, 2n ** 40n))), /absurd metadata count/);
    // Counts under the limits that still cannot fit in the file.
    await assert.rejects(readGgufInfo(file('fit.gguf', ggufHeaderOnly(50_000n, 50_000n))), /more than 24 bytes can hold/);
  });

  it('refuses a file cut anywhere (seeded cut points), from the header to the last tensor', async () => {
    const next = rng(1234);
    const cuts = [4, 10, 23, 100, good.length - 1, ...Array.from({ length: 40 }, () => Math.floor(next() * good.length))];
    for (const cut of cuts) {
      await assert.rejects(
        readGgufInfo(file(`cut-${cut}.gguf`, good.subarray(0, cut))),
        /truncated|not a GGUF file|corrupt/,
        `cut at ${cut}`,
      );
    }
  });

  it('seeded fuzz: any corrupted header or metadata byte is accepted or refused with a GgufError, never another exception', async () => {
    const next = rng(99);
    // The metadata (vocabulary included) and the tensor table: everything before the weights.
    const headerEnd = good.indexOf(Buffer.from('blk.1.ffn_up.weight')) + 64;
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      const bad = Buffer.from(good);
      const edits = 1 + Math.floor(next() * 4);
      for (let e = 0; e < edits; e++) bad[Math.floor(next() * headerEnd)] = Math.floor(next() * 256);
      try {
        await readGgufInfo(file('fuzz.gguf', bad));
      } catch (err) {
        assert.ok(err instanceof GgufError, `case ${i}: ${(err as Error).stack}`);
        refused++;
      }
    }
    assert.ok(refused > 20, `only ${refused} of 200 corrupted files were refused`);
  });

  it('refuses a string length larger than the file', async () => {
    const bad = Buffer.from(ggufHeaderOnly(0n, 1n));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(2n ** 60n);
    await assert.rejects(
      readGgufInfo(file('strlen.gguf', Buffer.concat([bad, len, Buffer.alloc(64)]))),
      /string length 1152921504606846976 exceeds/,
    );
  });
});

describe('embedded options', () => {
  it('defaults: CPU only, one core left to the gateway, a bounded queue', () => {
    const s = readEmbeddedSettings({ model: '/m/qwen2.5-0.5b.gguf' });
    assert.equal(s.name, 'qwen2.5-0.5b');
    assert.equal(s.gpuLayers, 0);
    assert.equal(s.parallel, 1);
    assert.equal(s.maxQueue, 16);
    assert.equal(s.threads, defaultThreads());
    assert.equal(defaultThreads(1), 1);
    assert.equal(defaultThreads(2), 1);
    assert.equal(defaultThreads(8), 7);
    assert.equal(readEmbeddedSettings({ model: 'ollama:llama3.2:1b' }).name, 'llama3.2:1b');
  });

  it('names the bad option', () => {
    assert.throws(() => readEmbeddedSettings({}), /options.model is required/);
    assert.throws(() => readEmbeddedSettings({ model: 'x.gguf', threads: 0 }), /options.threads must be an integer from 1/);
    assert.throws(() => readEmbeddedSettings({ model: 'x.gguf', maxQueue: 1.5 }), /options.maxQueue/);
    assert.throws(() => readEmbeddedSettings({ model: 'x.gguf', gpuLayer: 1 }), /options.gpuLayer is not an embedded-engine option/);
    assert.throws(
      () => createProviderHandle({ id: 'emb', type: 'embedded', location: 'local', options: { model: 'x.gguf', contextSize: 'big' } }),
      (e: Error) => e instanceof ConfigError && /^providers\[emb\]\.options\.contextSize/.test(e.message),
    );
  });

  it('a missing node-llama-cpp is a ConfigError naming the package and how to install it', () => {
    assert.doesNotThrow(() => checkEmbeddedPackage());
    assert.throws(
      () =>
        checkEmbeddedPackage(() => {
          throw new Error('Cannot find package');
        }),
      (e: Error) =>
        e instanceof ConfigError && /node-llama-cpp/.test(e.message) && /npm install -E node-llama-cpp@3\.21\.1/.test(e.message),
    );
  });
});

describe('Ollama store lookup', () => {
  const store = mkdtempSync(join(tmpdir(), 'meridian-ollama-store-'));
  const hex = 'ab'.repeat(32);
  const manifest = (parts: string[], layers: unknown) => {
    mkdirSync(join(store, 'manifests', ...parts.slice(0, -1)), { recursive: true });
    writeFileSync(join(store, 'manifests', ...parts), JSON.stringify({ schemaVersion: 2, layers }));
  };
  manifest(
    ['registry.ollama.ai', 'library', 'llama3.2', 'latest'],
    [
      { mediaType: 'application/vnd.ollama.image.template', digest: `sha256:${'cd'.repeat(32)}` },
      { mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${hex}` },
    ],
  );
  manifest(
    ['registry.ollama.ai', 'library', 'broken', 'latest'],
    [{ mediaType: 'application/vnd.ollama.image.model', digest: 'sha256:../../x' }],
  );

  it('name → manifest → model layer → blob', async () => {
    assert.equal(await resolveOllamaModel('llama3.2', store), join(store, 'blobs', `sha256-${hex}`));
    assert.equal(await resolveOllamaModel('llama3.2:latest', store), join(store, 'blobs', `sha256-${hex}`));
    assert.deepEqual(manifestParts('me/model:v1'), ['registry.ollama.ai', 'me', 'model', 'v1']);
    assert.deepEqual(manifestParts('hf.co/org/model:Q4_K_M'), ['hf.co', 'org', 'model', 'Q4_K_M']);
  });

  it('says what is missing; names cannot leave the store', async () => {
    await assert.rejects(resolveOllamaModel('qwen3', store), /not in the store.*ollama pull qwen3/);
    await assert.rejects(resolveOllamaModel('broken', store), /no model layer with a sha256 digest/);
    assert.throws(() => manifestParts('../../etc/passwd'), /not an Ollama model name/);
    assert.throws(() => manifestParts('a/..:b'), /not an Ollama model name/);
  });
});

describe('chat request → engine job', () => {
  it('messages become history; tool results attach to their calls', () => {
    const history = toHistory([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather in ' },
          { type: 'text', text: 'Oslo?' },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: '{"temp":3}' },
      { role: 'assistant', content: 'It is 3 degrees.' },
      { role: 'user', content: 'Thanks' },
    ]);
    assert.deepEqual(history, [
      { type: 'system', text: 'Be brief.' },
      { type: 'user', text: 'Weather in Oslo?' },
      {
        type: 'model',
        response: [{ type: 'functionCall', name: 'weather', params: { city: 'Oslo' }, result: { temp: 3 } }, 'It is 3 degrees.'],
      },
      { type: 'user', text: 'Thanks' },
      { type: 'model', response: [] },
    ]);
  });

  it('tools become functions, a named tool a grammar, JSON modes grammars', () => {
    const tools = [{ type: 'function' as const, function: { name: 'f', description: 'does f', parameters: { type: 'object' } } }];
    const base = { model: 'm', messages: [{ role: 'user' as const, content: 'x' }] };
    assert.deepEqual(convertEmbeddedRequest({ ...base, tools }).functions, { f: { description: 'does f', params: { type: 'object' } } });
    assert.deepEqual(convertEmbeddedRequest({ ...base, tools, tool_choice: { type: 'function', function: { name: 'f' } } }).grammar, {
      kind: 'schema',
      schema: { type: 'object' },
    });
    assert.equal(convertEmbeddedRequest({ ...base, tools, tool_choice: 'none' }).functions, undefined);
    assert.deepEqual(convertEmbeddedRequest({ ...base, response_format: { type: 'json_object' } }).grammar, { kind: 'json' });
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    assert.deepEqual(
      convertEmbeddedRequest({ ...base, response_format: { type: 'json_schema', json_schema: { name: 's', schema } } }).grammar,
      {
        kind: 'schema',
        schema,
      },
    );
    const job = convertEmbeddedRequest({ ...base, max_tokens: 9, seed: 3, temperature: 0.5, stop: 'END' });
    assert.deepEqual([job.maxTokens, job.seed, job.temperature, job.stop], [9, 3, 0.5, ['END']]);
  });

  it('schemas a grammar cannot honour are named', () => {
    assert.equal(
      schemaProblem({ type: 'object', properties: { a: { type: ['string', 'null'] }, b: { type: 'array', items: { enum: [1] } } } }),
      undefined,
    );
    assert.equal(
      schemaProblem({ type: 'object', properties: { a: { anyOf: [{ type: 'text' }] } } }),
      'schema.properties.a.anyOf[0].type "text" is not a JSON type',
    );
    assert.equal(schemaProblem('string'), 'schema is not a JSON Schema object');
  });

  it('refuses what it cannot do, as a client error', () => {
    const base = { model: 'm', messages: [{ role: 'user' as const, content: 'x' }] };
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    assert.throws(() => convertEmbeddedRequest({ ...base, n: 2 }), InvalidRequestError);
    assert.throws(() => convertEmbeddedRequest({ ...base, tools, response_format: { type: 'json_object' } }), /cannot combine tools/);
    assert.throws(
      () => convertEmbeddedRequest({ ...base, tools, tool_choice: { type: 'function', function: { name: 'g' } } }),
      /names 'g'/,
    );
    assert.throws(
      () =>
        convertEmbeddedRequest({ ...base, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,' } }] }] }),
      /text only/,
    );
  });
});
