/**
 * Contract tests for the Bedrock adapter's embeddings (InvokeModel, Titan and Cohere bodies) and
 * model listing (control plane), against the signature-verifying fake on 127.0.0.1.
 * Wire formats: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html ,
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html ,
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html ,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_ListFoundationModels.html
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { EmbeddingsRequest } from '../../src/api/types.js';
import { InvalidRequestError } from '../../src/errors.js';
import { createProviderHandle } from '../../src/providers/registry.js';
import { sendJson } from '../helpers/upstream.js';
import { sendAwsError, startBedrock, useEnvCredentials, type BedrockHarness } from './fixtures/bedrock/fake-bedrock.js';

const TITAN = 'amazon.titan-embed-text-v2:0';
const COHERE = 'cohere.embed-multilingual-v3';

function embed(h: BedrockHarness, model: string, request: Omit<EmbeddingsRequest, 'model'>) {
  return h.provider.adapter.embed!({ request: { model, ...request }, deployment: h.deployment(model), signal: AbortSignal.timeout(5000) });
}

describe('bedrock adapter: embeddings and models', () => {
  let h: BedrockHarness;
  before(async () => {
    useEnvCredentials();
    h = await startBedrock(() => undefined, { controlEndpoint: 'http://127.0.0.1:1' });
  });
  after(() => h.close());
  beforeEach(() => {
    h.fake.upstream.requests.length = 0;
    h.fake.signatureFailures.length = 0;
  });

  it('Titan: one signed InvokeModel per text, {inputText, dimensions} → embedding + inputTextTokenCount', async () => {
    h.fake.setHandler((req, res) => {
      const text = req.json.inputText as string;
      sendJson(res, 200, { embedding: [text.length, 0.5, -0.25], inputTextTokenCount: text.length });
    });
    const out = await embed(h, TITAN, { input: ['hello', 'bedrock!'], dimensions: 256 });
    assert.deepEqual(h.fake.signatureFailures, []);
    assert.equal(h.fake.upstream.requests.length, 2);
    for (const r of h.fake.upstream.requests) {
      assert.equal(r.url, '/model/amazon.titan-embed-text-v2%3A0/invoke');
      assert.equal(r.method, 'POST');
    }
    assert.deepEqual(
      h.fake.upstream.requests.map((r) => r.json).sort((a, b) => a.inputText.localeCompare(b.inputText)),
      [
        { inputText: 'bedrock!', dimensions: 256 },
        { inputText: 'hello', dimensions: 256 },
      ],
    );
    assert.deepEqual(out, {
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [5, 0.5, -0.25] },
        { object: 'embedding', index: 1, embedding: [8, 0.5, -0.25] },
      ],
      model: TITAN,
      usage: { prompt_tokens: 13, total_tokens: 13 },
    });
  });

  it('Titan with encoding_format base64 returns little-endian float32', async () => {
    h.fake.setHandler((_req, res) => sendJson(res, 200, { embedding: [1, -2], inputTextTokenCount: 1 }));
    const out = await embed(h, TITAN, { input: 'x', encoding_format: 'base64' });
    const buf = Buffer.from(out.data[0]!.embedding as string, 'base64');
    assert.deepEqual([buf.readFloatLE(0), buf.readFloatLE(4)], [1, -2]);
  });

  it('Cohere: {texts, input_type} → embeddings, batches of 96, tokens from the InvokeModel header', async () => {
    h.fake.setHandler((req, res) => {
      const texts = req.json.texts as string[];
      sendJson(
        res,
        200,
        { id: 'e1', texts, embeddings: texts.map((t) => [Number(t)]), response_type: 'embeddings_floats' },
        { 'x-amzn-bedrock-input-token-count': String(texts.length * 2) },
      );
    });
    const input = Array.from({ length: 100 }, (_, i) => String(i));
    const out = await embed(h, COHERE, { input });
    assert.deepEqual(
      h.fake.upstream.requests.map((r) => [r.url, r.json.texts.length, r.json.input_type]),
      [
        ['/model/cohere.embed-multilingual-v3/invoke', 96, 'search_document'],
        ['/model/cohere.embed-multilingual-v3/invoke', 4, 'search_document'],
      ],
    );
    assert.deepEqual(
      out.data.map((d) => d.embedding),
      input.map((t) => [Number(t)]),
    );
    assert.deepEqual(out.usage, { prompt_tokens: 200, total_tokens: 200 });
    assert.deepEqual(h.fake.signatureFailures, []);
  });

  it('Cohere embeddings_by_type ({float: [...]}) is read too', async () => {
    h.fake.setHandler((_req, res) => sendJson(res, 200, { embeddings: { float: [[0.1, 0.2]] }, response_type: 'embeddings_by_type' }));
    const out = await embed(h, `us.${COHERE}`, { input: 'abcdefgh' });
    assert.deepEqual(out.data[0]!.embedding, [0.1, 0.2]);
    assert.deepEqual(out.usage, { prompt_tokens: 2, total_tokens: 2 });
  });

  it('refuses token-id input and models whose format it cannot tell', async () => {
    await assert.rejects(embed(h, TITAN, { input: [1, 2, 3] }), InvalidRequestError);
    await assert.rejects(embed(h, 'arn:aws:bedrock:eu-west-3:123456789012:custom-model/x', { input: 'x' }), /embeddingFormat/);
    assert.equal(h.fake.upstream.requests.length, 0);
  });

  it('an embedding error keeps the AWS error type', async () => {
    h.fake.setHandler((_req, res) => sendAwsError(res, 400, 'ValidationException', 'Malformed input request: expected maxLength: 50000'));
    await assert.rejects(embed(h, TITAN, { input: 'x' }), /400 ValidationException: Malformed input request/);
  });
});

describe('bedrock adapter: listModels on the control plane', () => {
  let h: BedrockHarness;
  before(async () => {
    useEnvCredentials();
    h = await startBedrock((req, res) => {
      if (req.url === '/foundation-models') {
        return sendJson(res, 200, {
          modelSummaries: [
            { modelId: 'anthropic.claude-3-haiku-20240307-v1:0', inputModalities: ['TEXT', 'IMAGE'], outputModalities: ['TEXT'] },
            { modelId: 'amazon.titan-embed-text-v2:0', inputModalities: ['TEXT'], outputModalities: ['EMBEDDING'] },
          ],
        });
      }
      if (req.url.startsWith('/inference-profiles?')) {
        return sendJson(res, 200, { inferenceProfileSummaries: [{ inferenceProfileId: 'us.anthropic.claude-3-haiku-20240307-v1:0' }] });
      }
      return sendAwsError(res, 404, 'UnknownOperationException', 'no');
    });
  });
  after(() => h.close());

  it('lists foundation models and system inference profiles with signed GETs', async () => {
    // The fake serves both planes; the control endpoint is pointed at it.
    const provider = createProviderHandle({
      id: 'bedrock-cp',
      type: 'bedrock',
      options: { endpoint: h.fake.upstream.url, controlEndpoint: h.fake.upstream.url },
    });
    try {
      const models = await provider.adapter.listModels!(provider, AbortSignal.timeout(5000));
      assert.deepEqual(models, [
        { id: 'anthropic.claude-3-haiku-20240307-v1:0', capabilities: { embeddings: false, vision: true } },
        { id: 'amazon.titan-embed-text-v2:0', capabilities: { embeddings: true, vision: false } },
        { id: 'us.anthropic.claude-3-haiku-20240307-v1:0' },
      ]);
      assert.deepEqual(h.fake.signatureFailures, []);
      assert.deepEqual(
        h.fake.upstream.requests.map((r) => [r.method, r.url]),
        [
          ['GET', '/foundation-models'],
          ['GET', '/inference-profiles?maxResults=1000&type=SYSTEM_DEFINED'],
        ],
      );
    } finally {
      await provider.http.close();
    }
  });

  it('lists nothing, without a call, when only the runtime endpoint is overridden or listModels is false', async () => {
    const before = h.fake.upstream.requests.length;
    for (const options of [{ endpoint: h.fake.upstream.url }, { controlEndpoint: h.fake.upstream.url, listModels: false }]) {
      const provider = createProviderHandle({ id: 'bedrock-quiet', type: 'bedrock', options });
      try {
        assert.deepEqual(await provider.adapter.listModels!(provider, AbortSignal.timeout(5000)), []);
      } finally {
        await provider.http.close();
      }
    }
    assert.equal(h.fake.upstream.requests.length, before);
  });

  it('AccessDeniedException on ListFoundationModels is an empty list (invoking may still be allowed); a bad signature is an error', async () => {
    const provider = createProviderHandle({
      id: 'bedrock-denied',
      type: 'bedrock',
      options: { endpoint: h.fake.upstream.url, controlEndpoint: h.fake.upstream.url },
    });
    try {
      h.fake.setHandler((_req, res) =>
        sendAwsError(res, 403, 'AccessDeniedException', 'not authorized to perform: bedrock:ListFoundationModels'),
      );
      assert.deepEqual(await provider.adapter.listModels!(provider, AbortSignal.timeout(5000)), []);
      h.fake.setHandler((_req, res) =>
        sendAwsError(res, 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'),
      );
      await assert.rejects(provider.adapter.listModels!(provider, AbortSignal.timeout(5000)), /403 UnrecognizedClientException/);
    } finally {
      await provider.http.close();
    }
  });
});
