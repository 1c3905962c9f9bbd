/**
 * Contract tests for Gemini embeddings, model listing and error mapping over real HTTP.
 * References: https://ai.google.dev/api/embeddings#method:-models.batchembedcontents ,
 * https://ai.google.dev/api/models#method:-models.list ,
 * https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EmbeddingsRequest } from '../../src/api/types.js';
import { InvalidRequestError, UpstreamError } from '../../src/errors.js';
import { createProviderHandle } from '../../src/providers/registry.js';
import { sendJson } from '../helpers/upstream.js';
import { API_KEY, chat, fixture, startGemini, type GeminiHarness } from './fixtures/gemini/harness.js';

describe('gemini adapter: embeddings, models, errors', () => {
  let h: GeminiHarness;
  before(async () => {
    h = await startGemini((_req, res) => sendJson(res, 200, fixture('batch-embed-contents.json')), 'gemini-embedding-001');
  });
  after(() => h.close());

  const embed = (request: Omit<EmbeddingsRequest, 'model'>) =>
    h.provider.adapter.embed!({
      request: { model: h.deployment.model, ...request },
      deployment: h.deployment,
      signal: AbortSignal.timeout(5000),
    });

  it('embeds through batchEmbedContents and returns an OpenAI embeddings list', async () => {
    h.upstream.setHandler((_req, res) => sendJson(res, 200, fixture('batch-embed-contents.json')));
    const out = await embed({ input: ['What is the meaning of life?', 'How much wood would a woodchuck chuck?'], dimensions: 4 });
    const sent = h.upstream.requests.at(-1)!;
    assert.equal(sent.url, '/v1beta/models/gemini-embedding-001:batchEmbedContents');
    assert.equal(sent.headers['x-goog-api-key'], API_KEY);
    assert.deepEqual(sent.json, {
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'What is the meaning of life?' }] }, outputDimensionality: 4 },
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'How much wood would a woodchuck chuck?' }] },
          outputDimensionality: 4,
        },
      ],
    });
    assert.equal(out.object, 'list');
    assert.equal(out.model, 'gemini-embedding-001');
    assert.deepEqual(out.data, [
      { object: 'embedding', index: 0, embedding: [0.0123, -0.0456, 0.0789, -0.0012] },
      { object: 'embedding', index: 1, embedding: [-0.0321, 0.0654, -0.0987, 0.0021] },
    ]);
    // Estimated: ceil(28/4) + ceil(38/4) = 7 + 10.
    assert.deepEqual(out.usage, { prompt_tokens: 17, total_tokens: 17 });
  });

  it('encodes base64 embeddings as little-endian float32', async () => {
    h.upstream.setHandler((_req, res) => sendJson(res, 200, { embeddings: [{ values: [0.5, -1] }] }));
    const out = await embed({ input: 'hi', encoding_format: 'base64' });
    const buf = Buffer.from(out.data[0]!.embedding as string, 'base64');
    assert.deepEqual([buf.readFloatLE(0), buf.readFloatLE(4)], [0.5, -1]);
  });

  it('rejects token-id input without calling upstream', async () => {
    const before = h.upstream.requests.length;
    await assert.rejects(embed({ input: [1, 2, 3] }), InvalidRequestError);
    assert.equal(h.upstream.requests.length, before);
  });

  it('lists models without the models/ prefix, following pages', async () => {
    h.upstream.setHandler((req, res) => {
      if (req.url.includes('pageToken=p2'))
        return sendJson(res, 200, { models: [{ name: 'models/gemini-2.5-pro', inputTokenLimit: 1048576 }] });
      sendJson(res, 200, { ...fixture<Record<string, unknown>>('list-models.json'), nextPageToken: 'p2' });
    });
    const models = await h.provider.adapter.listModels!(h.provider, AbortSignal.timeout(5000));
    assert.deepEqual(
      models.map((m) => m.id),
      ['gemini-2.5-flash', 'gemini-embedding-001', 'gemini-2.5-pro'],
    );
    assert.equal(models[0]!.capabilities?.contextWindow, 1048576);
    assert.equal(models[0]!.capabilities?.embeddings, false);
    assert.equal(models[1]!.capabilities?.embeddings, true);
    const listCalls = h.upstream.requests.filter((r) => r.method === 'GET');
    assert.ok(listCalls.every((r) => r.url.startsWith('/v1beta/models?') && r.headers['x-goog-api-key'] === API_KEY));
  });

  it('maps 429 RESOURCE_EXHAUSTED to a retryable UpstreamError with upstreamStatus 429', async () => {
    h.upstream.setHandler((_req, res) => sendJson(res, 429, fixture('error-429.json'), { 'retry-after': '17' }));
    await assert.rejects(chat(h, { messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.upstreamStatus, 429);
      assert.equal(err.status, 429);
      assert.equal(err.retryAfter, 17);
      assert.ok(err.isRetryable);
      assert.match(err.message, /Resource has been exhausted/);
      return true;
    });
  });

  it('keeps the message of a 400 INVALID_ARGUMENT and does not retry it', async () => {
    h.upstream.setHandler((_req, res) => sendJson(res, 400, fixture('error-400.json')));
    await assert.rejects(chat(h, { messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.upstreamStatus, 400);
      assert.equal(err.status, 400);
      assert.ok(!err.isRetryable);
      assert.match(err.message, /Unknown name "additionalProperties"/);
      return true;
    });
  });

  it('never puts the API key in an error message (echoed by upstream, or on connect failure)', async () => {
    h.upstream.setHandler((req, res) =>
      sendJson(res, 400, {
        error: { code: 400, message: `API key not valid: ${String(req.headers['x-goog-api-key'])}`, status: 'INVALID_ARGUMENT' },
      }),
    );
    await assert.rejects(chat(h, { messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.match(err.message, /API key not valid/);
      assert.ok(!err.message.includes(API_KEY));
      return true;
    });
    h.upstream.setHandler((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: {"error":{"code":500,"message":"internal, key=${API_KEY}"}}\n\n`);
    });
    const streamed = await chat(h, { messages: [{ role: 'user', content: 'x' }], stream: true });
    assert.equal(streamed.type, 'stream');
    if (streamed.type === 'stream') {
      await assert.rejects(
        (async () => {
          for await (const _ of streamed.events) void _;
        })(),
        (err: unknown) => err instanceof UpstreamError && !err.message.includes(API_KEY) && /internal/.test(err.message),
      );
    }

    const dead = createProviderHandle({
      id: 'gemini-dead',
      type: 'gemini',
      baseUrl: 'http://127.0.0.1:1/v1beta',
      apiKey: API_KEY,
      location: 'cloud',
    });
    try {
      await assert.rejects(
        dead.adapter.chat({
          request: { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] },
          deployment: { ...h.deployment, id: 'gemini-dead/gemini-2.5-flash', provider: dead },
          signal: AbortSignal.timeout(5000),
        }),
        (err: unknown) => err instanceof UpstreamError && err.upstreamStatus === undefined && !err.message.includes(API_KEY),
      );
    } finally {
      await dead.http.close();
    }
  });

  it('uses the documented default base URL', () => {
    const p = createProviderHandle({ id: 'g', type: 'gemini', location: 'cloud' });
    assert.equal(p.baseUrl, 'https://generativelanguage.googleapis.com/v1beta');
    void p.http.close();
  });
});
