/**
 * Seeded fuzz of `"rag"` on the other chat wires (docs/rag.md): Anthropic Messages, the Responses
 * API and Ollama's /api/chat, with and without re-ranking, plus /v1/rag/search with `rerank`.
 * Hostile bodies: no 5xx, every error in the wire's own envelope, the event loop never blocked.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { fuzzPostEndpoint, fuzzSeed, type FuzzGateway } from '../helpers/fuzz-gateway.js';

const SEED = fuzzSeed(0x4a7);
const MASTER = 'master-key-for-fuzz-rag-wires-0001';

describe('fuzz rag on every wire', () => {
  let gw: RunningGateway;
  let fuzz: FuzzGateway;

  before(async () => {
    gw = await startGateway(
      {
        providers: [{ id: 'mock', type: 'mock', location: 'local' }],
        models: {
          embed: [{ provider: 'mock', model: 'mock-embed-ngram' }],
          rerank: [{ provider: 'mock', model: 'mock-rerank' }],
          chat: [{ provider: 'mock', model: 'mock-small' }],
        },
        router: { healthIntervalMs: 0, retries: 0 },
        server: { bodyLimitBytes: 1024 * 1024 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    const master = { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' };
    const created = await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: master, body: JSON.stringify({ tenant: 'fuzz' }) });
    const auth = { authorization: `Bearer ${((await created.json()) as { key: string }).key}` };
    const res = await fetch(`${gw.url}/v1/rag/collections`, {
      method: 'POST',
      headers: master,
      body: JSON.stringify({ name: 'kb', embeddingModel: 'embed' }),
    });
    assert.equal(res.status, 201);
    const doc = await fetch(`${gw.url}/v1/rag/collections/kb/documents`, {
      method: 'POST',
      headers: master,
      body: JSON.stringify({ id: 'refunds.md', text: '# Refunds\n\nCustomers may request a refund within 30 days.' }),
    });
    assert.equal(doc.status, 200);
    fuzz = { url: gw.url, auth, master: { authorization: `Bearer ${MASTER}` }, close: () => gw.close() };
  });
  after(() => gw.close());

  it(`POST /v1/messages with "rag" (seed ${SEED})`, async () => {
    const templates = [
      { max_tokens: 20, rag: { collection: 'kb', k: 2 }, messages: [{ role: 'user', content: 'How long for a refund?' }] },
      {
        max_tokens: 20,
        system: 'Be brief.',
        rag: { collection: 'kb', rerank: 'rerank' },
        messages: [{ role: 'user', content: 'refund?' }],
      },
    ];
    const opts = { templates, models: ['chat'], providerPrefixes: ['mock/'], baseHeaders: fuzz.auth };
    await fuzzPostEndpoint(fuzz, '/v1/messages', opts, SEED, 'anthropic', 500);
  });

  it(`POST /v1/responses with "rag" (seed ${SEED})`, async () => {
    const templates = [
      { store: false, rag: { collection: 'kb', k: 1 }, input: 'How long for a refund?' },
      {
        store: false,
        instructions: 'Be brief.',
        rag: { collection: 'kb', rerank: 'rerank', k: 3 },
        input: [{ role: 'user', content: 'refund?' }],
      },
    ];
    const opts = { templates, models: ['chat'], providerPrefixes: ['mock/'], baseHeaders: fuzz.auth };
    await fuzzPostEndpoint(fuzz, '/v1/responses', opts, SEED, 'openai', 500);
  });

  it(`POST /api/chat with "rag" (seed ${SEED})`, async () => {
    const templates = [
      { stream: false, rag: { collection: 'kb' }, messages: [{ role: 'user', content: 'How long for a refund?' }] },
      {
        stream: false,
        rag: { collection: 'kb', rerank: 'rerank', filter: { team: 'x' } },
        messages: [{ role: 'user', content: 'refund?' }],
      },
    ];
    const opts = { templates, models: ['chat'], providerPrefixes: ['mock/'], baseHeaders: fuzz.auth };
    await fuzzPostEndpoint(fuzz, '/api/chat', opts, SEED, 'ollama', 500);
  });

  it(`POST /v1/rag/search with "rerank" (seed ${SEED})`, async () => {
    const templates = [
      { query: 'refund within how many days?', k: 3, rerank: 'rerank' },
      { query: 'gift cards', rerank: 'mock/mock-rerank' },
    ];
    const opts = { templates, models: ['kb'], modelField: 'collection', providerPrefixes: [], baseHeaders: fuzz.auth };
    await fuzzPostEndpoint(fuzz, '/v1/rag/search', opts, SEED, 'openai', 500);
  });
});
