/**
 * Seeded fuzz of the retrieval endpoints (docs/rag.md): POST /v1/rag/collections,
 * POST /v1/rag/collections/{c}/documents, POST /v1/rag/search and POST /v1/chat/completions with
 * `"rag"`; hostile bodies and headers, no 5xx, every error in the OpenAI envelope, the event loop
 * never blocked > 100 ms.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { fuzzPostEndpoint, fuzzSeed, type FuzzGateway } from '../helpers/fuzz-gateway.js';

const SEED = fuzzSeed(0x4a6);
const MASTER = 'master-key-for-fuzz-rag-000000001';
const DOC = '# Refunds\n\nCustomers may request a refund within 30 days.\n\n```sh\nrefund --id 42\n```\n\n## Gift cards\n\nNever refunded.';

describe('fuzz /v1/rag', () => {
  let gw: RunningGateway;
  let fuzz: FuzzGateway;
  let keyAuth: Record<string, string>;

  before(async () => {
    gw = await startGateway(
      {
        providers: [{ id: 'mock', type: 'mock', location: 'local' }],
        models: { embed: [{ provider: 'mock', model: 'mock-embed-ngram' }], chat: [{ provider: 'mock', model: 'mock-small' }] },
        router: { healthIntervalMs: 0, retries: 0 },
        server: { bodyLimitBytes: 1024 * 1024 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    const master = { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' };
    const created = await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: master, body: JSON.stringify({ tenant: 'fuzz' }) });
    keyAuth = { authorization: `Bearer ${((await created.json()) as { key: string }).key}` };
    for (const c of [
      { name: 'handbook', embeddingModel: 'embed' },
      { name: 'private', embeddingModel: 'embed', localOnly: true },
    ]) {
      const res = await fetch(`${gw.url}/v1/rag/collections`, { method: 'POST', headers: master, body: JSON.stringify(c) });
      assert.equal(res.status, 201);
      const doc = await fetch(`${gw.url}/v1/rag/collections/${c.name}/documents`, {
        method: 'POST',
        headers: master,
        body: JSON.stringify({ id: 'refunds.md', text: DOC, metadata: { team: 'support' } }),
      });
      assert.equal(doc.status, 200);
    }
    fuzz = { url: gw.url, auth: keyAuth, master: { authorization: `Bearer ${MASTER}` }, close: () => gw.close() };
  });
  after(() => gw.close());

  it(`POST /v1/rag/collections: hostile bodies (seed ${SEED})`, async () => {
    const templates = [{ name: 'handbook' }, { name: 'private', localOnly: true }, { name: 'handbook', localOnly: false }];
    const opts = { templates, models: ['embed', 'mock/mock-embed-ngram'], modelField: 'embeddingModel', providerPrefixes: ['mock/'] };
    await fuzzPostEndpoint(fuzz, '/v1/rag/collections', { ...opts, baseHeaders: fuzz.master }, SEED, 'openai', 600);
  });

  it(`POST /v1/rag/collections/{c}/documents: hostile bodies (seed ${SEED})`, async () => {
    const templates = [
      { id: 'refunds.md', text: DOC, metadata: { team: 'support', n: 1, ok: true } },
      { id: 'notes/a.txt', text: 'Plain text about vacation days.' },
      { id: 'empty', text: '' },
    ];
    const opts = { templates, models: [], modelField: null, providerPrefixes: [] };
    await fuzzPostEndpoint(fuzz, '/v1/rag/collections/handbook/documents', { ...opts, baseHeaders: fuzz.master }, SEED, 'openai', 600);
  });

  it(`POST /v1/rag/search: hostile bodies (seed ${SEED})`, async () => {
    const templates = [
      { query: 'refund within how many days?', k: 3 },
      { query: 'gift cards', filter: { team: 'support' } },
      { query: 'x' },
    ];
    const opts = { templates, models: ['handbook', 'private'], modelField: 'collection', providerPrefixes: [] };
    await fuzzPostEndpoint(fuzz, '/v1/rag/search', { ...opts, baseHeaders: keyAuth }, SEED, 'openai');
  });

  it(`POST /v1/chat/completions with "rag": hostile bodies (seed ${SEED})`, async () => {
    const templates = [
      { rag: { collection: 'handbook', k: 2 }, messages: [{ role: 'user', content: 'How long do refunds take?' }] },
      {
        rag: { collection: 'private', filter: { team: 'support' } },
        messages: [{ role: 'user', content: [{ type: 'text', text: 'gift cards?' }] }],
      },
    ];
    const opts = { templates, models: ['chat'], providerPrefixes: ['mock/'] };
    await fuzzPostEndpoint(fuzz, '/v1/chat/completions', { ...opts, baseHeaders: keyAuth }, SEED, 'openai');
  });
});
