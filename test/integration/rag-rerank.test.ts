/**
 * Re-ranking (docs/rag.md) over real sockets: the fused candidates go to a local reranker in the
 * llama.cpp / vLLM `POST /v1/rerank` wire format (as llama.cpp's server README documents it:
 * `{model, query, documents, top_n}` → `{results: [{index, relevance_score}]}`), its order wins;
 * a reranker that fails or answers nonsense leaves the fused order (`x-meridian-rerank: fallback`);
 * a cloud-only reranker is refused before any text leaves.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sendJson, startUpstream, type FakeUpstream } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const MASTER = 'mk-master-rag-rerank-0000000000';
const DOCS = [
  { id: 'kb/holidays.md', text: '# Holidays\n\nEmployees get 25 vacation days per year. Unused vacation days expire in March.' },
  { id: 'kb/vpn.md', text: '# VPN setup\n\nInstall the WireGuard client, then import the configuration file from the IT portal.' },
  { id: 'kb/travel.md', text: '# Travel\n\nBook travel through the portal; vacation travel is not reimbursed.' },
];

interface Hit {
  id: string;
  score: number;
  scores: { bm25: number; vector: number; rerank?: number };
}

describe('RAG re-ranking through a configured deployment', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  /** What the fake reranker does next. */
  let mode: 'wireguard-first' | 'error' | 'short' = 'wireguard-first';

  const post = (path: string, body: unknown, auth = MASTER) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const searchFor = async (body: Record<string, unknown>) => {
    const res = await post('/v1/rag/search', { collection: 'kb', query: 'vacation days per year', ...body });
    return { res, body: (await res.json()) as { data: Hit[]; reranker?: string; error?: { code: string } } };
  };

  before(async () => {
    upstream = await startUpstream((req, res) => {
      if (req.url !== '/v1/rerank') return sendJson(res, 404, { error: { message: 'not here' } });
      if (mode === 'error') return sendJson(res, 500, { error: { message: 'model not loaded', type: 'server_error' } });
      const documents = req.json.documents as string[];
      if (mode === 'short') return sendJson(res, 200, { results: [{ index: 0, relevance_score: 1 }] });
      // llama-server answers sorted by score; the order here is reversed on purpose (the gateway sorts).
      sendJson(res, 200, {
        model: req.json.model,
        object: 'list',
        usage: { prompt_tokens: 40, total_tokens: 40 },
        results: documents.map((d, index) => ({ index, relevance_score: d.includes('WireGuard') ? 0.9 : 0.1 / (index + 1) })),
      });
    });
    gw = await startGateway(
      {
        providers: [
          { id: 'mock', type: 'mock', location: 'local' },
          { id: 'onprem', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' },
          { id: 'cloud', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-fake-cloud-000000000', location: 'cloud' },
        ],
        models: {
          embed: [{ provider: 'mock', model: 'mock-embed-ngram' }],
          rerank: [{ provider: 'onprem', model: 'bge-reranker' }],
          'mock-rerank': [{ provider: 'mock', model: 'mock-rerank' }],
          'cloud-rerank': [{ provider: 'cloud', model: 'rerank-v3' }],
          chat: [{ provider: 'mock', model: 'mock-chat' }],
        },
        router: { healthIntervalMs: 0, retries: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    assert.equal((await post('/v1/rag/collections', { name: 'kb', embeddingModel: 'embed' })).status, 201);
    for (const d of DOCS) assert.equal((await post('/v1/rag/collections/kb/documents', d)).status, 200);
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('the reranker’s order wins; it got the query and every fused candidate in its wire format', async () => {
    const plain = await searchFor({ k: 3 });
    assert.equal(plain.body.data[0]!.id, 'kb/holidays.md#0', 'fused order first');
    assert.equal(plain.res.headers.get('x-meridian-rerank'), null);

    mode = 'wireguard-first';
    const from = upstream.requests.length;
    const { res, body } = await searchFor({ k: 2, rerank: 'rerank' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-meridian-rerank'), 'onprem/bge-reranker');
    assert.equal(body.reranker, 'onprem/bge-reranker');
    assert.equal(body.data.length, 2);
    assert.equal(body.data[0]!.id, 'kb/vpn.md#0');
    assert.equal(body.data[0]!.scores.rerank, 0.9);
    assert.equal(body.data[0]!.score, 0.9);
    assert.ok(body.data[0]!.score >= body.data[1]!.score);
    const sent = upstream.requests[from]!.json as { model: string; query: string; documents: string[]; top_n: number };
    assert.equal(upstream.requests.length, from + 1);
    assert.equal(sent.model, 'bge-reranker');
    assert.equal(sent.query, 'vacation days per year');
    assert.ok(sent.documents.length >= 2 && sent.documents.length <= 40, 'the fused pool, bounded');
    assert.equal(sent.top_n, sent.documents.length);
    assert.ok(
      sent.documents.some((d) => d.startsWith('Holidays\nEmployees get 25')),
      'heading travels with the text',
    );
  });

  it('the mock provider’s reranker is deterministic (query-word overlap)', async () => {
    const { res, body } = await searchFor({ query: 'WireGuard configuration portal', k: 3, rerank: 'mock-rerank' });
    assert.equal(res.status, 200);
    assert.equal(body.reranker, 'mock/mock-rerank');
    assert.equal(body.data[0]!.id, 'kb/vpn.md#0');
    assert.equal(body.data[0]!.scores.rerank, 1);
  });

  it('a failing or malformed reranker leaves the fused order, and says so', async () => {
    const plain = await searchFor({ k: 3 });
    for (const m of ['error', 'short'] as const) {
      mode = m;
      const { res, body } = await searchFor({ k: 3, rerank: 'rerank' });
      assert.equal(res.status, 200, m);
      assert.equal(res.headers.get('x-meridian-rerank'), 'fallback', m);
      assert.deepEqual(
        body.data.map((h) => h.id),
        plain.body.data.map((h) => h.id),
        m,
      );
      assert.ok(body.data.every((h) => h.scores.rerank === undefined));
    }
    mode = 'wireguard-first';
  });

  it('chat with rag.rerank: the context is in the reranked order', async () => {
    const res = await post('/v1/chat/completions', {
      model: 'chat',
      rag: { collection: 'kb', k: 1, rerank: 'rerank' },
      messages: [{ role: 'user', content: 'vacation days per year' }],
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('x-meridian-sources'), 'kb/vpn.md#0');
    assert.equal(res.headers.get('x-meridian-rerank'), 'onprem/bge-reranker');
    assert.deepEqual(
      ((await res.json()) as { sources: Array<{ id: string }> }).sources.map((s) => s.id),
      ['kb/vpn.md#0'],
    );
  });

  it('a reranker with only cloud deployments is refused before any text leaves; unknown models are errors', async () => {
    const from = upstream.requests.length;
    const cloud = await searchFor({ rerank: 'cloud-rerank' });
    assert.equal(cloud.res.status, 503);
    assert.match(JSON.stringify(cloud.body), /no local or private deployment with a rerank API/);
    const chat = await post('/v1/chat/completions', {
      model: 'chat',
      rag: { collection: 'kb', rerank: 'nope' },
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.ok(chat.status === 404 || chat.status === 400, String(chat.status));
    await chat.arrayBuffer();
    const bad = await searchFor({ rerank: 'x'.repeat(300) });
    assert.equal(bad.res.status, 400);
    assert.equal(upstream.requests.length, from, 'nothing was sent anywhere');
  });
});
