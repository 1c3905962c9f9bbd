/**
 * Retrieval over real sockets (docs/rag.md): collections, ingest and re-ingest, hybrid search with
 * the mock's deterministic n-gram embeddings, metadata filters, chat with `"rag"` (the upstream
 * sees the context, the client gets `x-meridian-sources`), `localOnly` keeping requests local,
 * and 400s for bad input.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, sendJson, type FakeUpstream } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestPath } from '../../src/rag/ingest-client.js';
import { documentHash } from '../../src/rag/hash.js';

const MASTER = 'mk-master-rag-test-000000000000';

const DOCS = [
  {
    id: 'handbook/refunds.md',
    metadata: { team: 'support', lang: 'en' },
    text: '# Refunds\n\nCustomers may request a refund within 30 days of purchase. Refunds go back to the original payment card.\n\n## Exceptions\n\nGift cards are never refunded.',
  },
  {
    id: 'handbook/vpn.md',
    metadata: { team: 'it', lang: 'en' },
    text: '# VPN setup\n\nInstall the WireGuard client, then import the configuration file from the IT portal.\n\n```sh\nwg-quick up meridian\n```\n',
  },
  {
    id: 'handbook/holidays.md',
    metadata: { team: 'hr', lang: 'en' },
    text: '# Holidays\n\nEmployees get 25 vacation days per year. Unused vacation days expire in March.',
  },
];

describe('RAG: collections, ingest, hybrid search, chat with sources', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  let key: string;

  const post = (path: string, body: unknown, auth = key) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  before(async () => {
    upstream = await startUpstream((req, res) =>
      sendJson(res, 200, {
        id: 'chatcmpl-rag',
        object: 'chat.completion',
        created: 1,
        model: req.json.model,
        choices: [{ index: 0, message: { role: 'assistant', content: `answered by ${req.json.model}` }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
      }),
    );
    gw = await startGateway(
      {
        providers: [
          { id: 'mock', type: 'mock', location: 'local' },
          { id: 'onprem', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' },
          { id: 'cloud', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-fake-cloud-000000000', location: 'cloud' },
        ],
        models: {
          embed: [{ provider: 'mock', model: 'mock-embed-ngram' }],
          chat: {
            deployments: [
              { provider: 'cloud', model: 'cloud-model' },
              { provider: 'onprem', model: 'local-model' },
            ],
          },
          'cloud-only': [{ provider: 'cloud', model: 'cloud-model' }],
        },
        router: { healthIntervalMs: 0, retries: 0 },
        guard: { enabled: true, defaultAction: 'pseudonymize' },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    const created = await post('/admin/keys', { tenant: 'rag' }, MASTER);
    assert.equal(created.status, 201);
    key = ((await created.json()) as { key: string }).key;
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('creates collections (master key only; 200 for an existing name) and ingests documents', async () => {
    assert.equal((await post('/v1/rag/collections', { name: 'handbook', embeddingModel: 'embed' })).status, 401);
    const res = await post('/v1/rag/collections', { name: 'handbook', embeddingModel: 'embed' }, MASTER);
    assert.equal(res.status, 201);
    assert.deepEqual(((await res.json()) as { localOnly: boolean }).localOnly, false);
    const again = await post('/v1/rag/collections', { name: 'handbook', embeddingModel: 'embed', localOnly: true }, MASTER);
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { localOnly: boolean }).localOnly, false, 'an existing collection is left as it was');
    assert.equal((await post('/v1/rag/collections', { name: 'private', embeddingModel: 'embed', localOnly: true }, MASTER)).status, 201);
    for (const d of DOCS) {
      for (const c of ['handbook', 'private']) {
        const r = await post(`/v1/rag/collections/${c}/documents`, d, MASTER);
        assert.equal(r.status, 200, await r.clone().text());
        assert.ok(((await r.json()) as { chunks: number }).chunks >= 1);
      }
    }
    assert.equal((await post('/v1/rag/collections/handbook/documents', DOCS[0], key)).status, 401);
  });

  it('ranks the right chunk first for handcrafted queries, with scores and source ids', async () => {
    const cases: Array<[string, string]> = [
      ['how many days do I have to ask for a refund?', 'handbook/refunds.md'],
      ['wireguard configuration', 'handbook/vpn.md'],
      ['vacation days per year', 'handbook/holidays.md'],
      ['are gift cards refunded', 'handbook/refunds.md'],
    ];
    for (const [query, doc] of cases) {
      const res = await post('/v1/rag/search', { collection: 'handbook', query, k: 3 });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { data: Array<{ id: string; document_id: string; score: number; scores: { bm25: number } }> };
      assert.equal(body.data[0]?.document_id, doc, `query "${query}" → ${JSON.stringify(body.data.map((h) => h.id))}`);
      assert.match(body.data[0]!.id, /^handbook\/\w+\.md#\d+$/);
      assert.ok(body.data[0]!.score > 0);
      for (let i = 1; i < body.data.length; i++) assert.ok(body.data[i - 1]!.score >= body.data[i]!.score);
    }
    const gift = (await (await post('/v1/rag/search', { collection: 'handbook', query: 'gift cards', k: 1 })).json()) as {
      data: Array<{ heading: string; text: string }>;
    };
    assert.equal(gift.data[0]?.heading, 'Refunds > Exceptions', 'headings start chunks and travel with them');
  });

  it('filters on metadata key=value', async () => {
    const res = await post('/v1/rag/search', { collection: 'handbook', query: 'refund vacation wireguard', k: 10, filter: { team: 'hr' } });
    const body = (await res.json()) as { data: Array<{ document_id: string }> };
    assert.ok(body.data.length >= 1);
    assert.deepEqual([...new Set(body.data.map((h) => h.document_id))], ['handbook/holidays.md']);
    const none = (await (await post('/v1/rag/search', { collection: 'handbook', query: 'refund', filter: { team: 'nobody' } })).json()) as {
      data: unknown[];
    };
    assert.deepEqual(none.data, []);
  });

  it('re-ingest of the same id replaces its chunks', async () => {
    const same = (await (await post('/v1/rag/collections/handbook/documents', DOCS[0], MASTER)).json()) as { unchanged: boolean };
    assert.equal(same.unchanged, true, 'the same text and metadata again is skipped');
    const doc = { id: 'handbook/refunds.md', metadata: { team: 'support' }, text: 'Refunds are handled by the billing desk on floor 3.' };
    const changed = await post('/v1/rag/collections/handbook/documents', doc, MASTER);
    const { content_hash: hash, ...rest } = (await changed.json()) as { content_hash: string };
    assert.deepEqual(rest, { object: 'rag.document', collection: 'handbook', id: doc.id, format: 'text', unchanged: false, chunks: 1 });
    assert.equal(hash, documentHash('text', doc.text, doc.metadata), 'the hash a client can compute before sending');
    const res = await post('/v1/rag/search', { collection: 'handbook', query: 'refund', k: 20 });
    const body = (await res.json()) as { data: Array<{ id: string; text: string; document_id: string }> };
    const refunds = body.data.filter((h) => h.document_id === 'handbook/refunds.md');
    assert.deepEqual(
      refunds.map((h) => h.id),
      ['handbook/refunds.md#0'],
    );
    assert.match(refunds[0]!.text, /billing desk/);
    assert.ok(!body.data.some((h) => /30 days/.test(h.text)), 'the old chunks are gone');
  });

  it('chat with rag: the upstream sees the context, the client gets x-meridian-sources', async () => {
    const calls = upstream.requests.length;
    const res = await post('/v1/chat/completions', {
      model: 'chat',
      rag: { collection: 'handbook', k: 2 },
      messages: [{ role: 'user', content: 'How many vacation days do employees get?' }],
    });
    assert.equal(res.status, 200, await res.clone().text());
    const sources = res.headers.get('x-meridian-sources') ?? '';
    assert.match(sources, /^handbook\/holidays\.md#0(, [^,]+)?$/);
    assert.equal(((await res.json()) as { model: string }).model, 'cloud-model', 'an ordinary collection may use the cloud');
    const sent = upstream.requests[calls]!.json as { messages: Array<{ role: string; content: string }>; rag?: unknown };
    assert.equal(sent.rag, undefined, 'the rag field is the gateway’s, not the upstream’s');
    assert.equal(sent.messages[0]!.role, 'system');
    assert.match(sent.messages[0]!.content, /\[source: handbook\/holidays\.md#0\][^]*25 vacation days/);
    assert.equal(sent.messages.at(-1)!.content, 'How many vacation days do employees get?');
  });

  it('retrieved text passes through the guard: personal data in a chunk reaches the cloud as a placeholder', async () => {
    const doc = {
      id: 'handbook/escalation.md',
      text: '# Escalation\n\nEscalate billing disputes to jane.doe@example.com on the finance team.',
    };
    assert.equal((await post('/v1/rag/collections/handbook/documents', doc, MASTER)).status, 200);
    const calls = upstream.requests.length;
    const res = await post('/v1/chat/completions', {
      model: 'chat',
      rag: { collection: 'handbook', k: 1 },
      messages: [{ role: 'user', content: 'Who handles escalation of billing disputes?' }],
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('x-meridian-sources'), 'handbook/escalation.md#0');
    assert.match(res.headers.get('x-meridian-pii') ?? '', /email/);
    const sent = upstream.requests[calls]!;
    assert.equal(sent.json.model, 'cloud-model');
    assert.match(sent.body, /Escalate billing disputes to/);
    assert.doesNotMatch(sent.body, /jane\.doe@example\.com/);
    await res.arrayBuffer();
  });

  it('a localOnly collection keeps the request on local deployments (and refuses a cloud-only alias)', async () => {
    const calls = upstream.requests.length;
    const res = await post('/v1/chat/completions', {
      model: 'chat',
      rag: { collection: 'private' },
      messages: [{ role: 'user', content: 'How do I set up the VPN?' }],
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(res.headers.get('x-meridian-sources') ?? '', /^handbook\/vpn\.md#0/);
    assert.equal(upstream.requests[calls]!.json.model, 'local-model');
    assert.match(res.headers.get('x-meridian-route') ?? '', /onprem\/local-model/);
    const cloud = await post('/v1/chat/completions', {
      model: 'cloud-only',
      rag: { collection: 'private' },
      messages: [{ role: 'user', content: 'How do I set up the VPN?' }],
    });
    assert.equal(cloud.status, 503);
    assert.equal(upstream.requests.length, calls + 1, 'nothing reached the cloud');
  });

  it('bad input is a 400 in the OpenAI envelope; unknown collections 404', async () => {
    const bad: Array<[string, unknown, string?]> = [
      ['/v1/rag/collections', { name: '../etc', embeddingModel: 'embed' }, MASTER],
      ['/v1/rag/collections', { name: 'x', embeddingModel: 'embed', extra: 1 }, MASTER],
      ['/v1/rag/collections', { name: 'x' }, MASTER],
      ['/v1/rag/collections', '[1,2]', MASTER],
      ['/v1/rag/collections/handbook/documents', { id: 'a b', text: 'x' }, MASTER],
      ['/v1/rag/collections/handbook/documents', { id: 'a', text: 'x'.repeat(500_001) }, MASTER],
      ['/v1/rag/collections/handbook/documents', { id: 'a', text: 'x', metadata: { k: { nested: 1 } } }, MASTER],
      ['/v1/rag/collections/bad%20name/documents', { id: 'a', text: 'x' }, MASTER],
      ['/v1/rag/search', { collection: 'handbook', query: '' }],
      ['/v1/rag/search', { collection: 'handbook', query: 'x', k: 0 }],
      ['/v1/rag/search', { collection: 'handbook', query: 'x', k: 1000 }],
      ['/v1/rag/search', { collection: 'handbook', query: 'x', filter: { a: [1] } }],
      ['/v1/chat/completions', { model: 'chat', rag: { collection: 'handbook', k: 'many' }, messages: [{ role: 'user', content: 'hi' }] }],
      ['/v1/chat/completions', { model: 'chat', rag: { collection: 'handbook' }, messages: [{ role: 'system', content: 'hi' }] }],
    ];
    for (const [path, body, auth] of bad) {
      const res = await post(path, body, auth);
      const text = await res.text();
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body).slice(0, 200)} → ${res.status} ${text.slice(0, 300)}`);
      assert.equal((JSON.parse(text) as { error: { type: string } }).error.type, 'invalid_request_error');
    }
    assert.equal((await post('/v1/rag/search', { collection: 'nope', query: 'x' })).status, 404);
    assert.equal((await post('/v1/rag/collections/nope/documents', { id: 'a', text: 'x' }, MASTER)).status, 404);
    assert.equal((await post('/v1/rag/collections', { name: 'x', embeddingModel: 'no-such-model' }, MASTER)).status, 404);
  });

  it('meridian rag ingest: a folder of .md/.txt files, unchanged files skipped, a bad file reported while the rest ingest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rag-ingest-'));
    try {
      mkdirSync(join(dir, 'it'));
      mkdirSync(join(dir, '.git'));
      writeFileSync(join(dir, 'printers.md'), '# Printers\n\nThe printer on floor 2 needs toner every month.');
      writeFileSync(join(dir, 'it', 'wifi notes.txt'), 'The guest wifi password rotates every Monday.');
      writeFileSync(join(dir, 'image.png'), 'not a document');
      writeFileSync(join(dir, '.git', 'HEAD'), 'ref: x');
      writeFileSync(join(dir, 'huge.md'), 'x '.repeat(300_000));
      await post('/v1/rag/collections', { name: 'office', embeddingModel: 'embed' }, MASTER);
      const lines: string[] = [];
      const opts = { collection: 'office', baseUrl: `${gw.url}/v1`, masterKey: MASTER, out: (l: string) => lines.push(l) };
      assert.deepEqual(await ingestPath(dir, opts), { ingested: 2, unchanged: 0, removed: 0, failed: 1 });
      assert.ok(
        lines.some((l) => /^failed +huge\.md: 400 /.test(l)),
        lines.join('\n'),
      );
      assert.ok(lines.includes('ingested  it/wifi_notes.txt (1 chunks)'), lines.join('\n'));
      writeFileSync(join(dir, 'printers.md'), '# Printers\n\nThe printer on floor 2 was replaced by a laser printer.');
      rmSync(join(dir, 'huge.md'));
      assert.deepEqual(await ingestPath(dir, opts), { ingested: 1, unchanged: 1, removed: 0, failed: 0 });
      const hits = (await (await post('/v1/rag/search', { collection: 'office', query: 'laser printer', k: 1 })).json()) as {
        data: Array<{ id: string; metadata: { path: string } }>;
      };
      assert.equal(hits.data[0]?.id, 'printers.md#0');
      assert.equal(hits.data[0]?.metadata.path, 'printers.md');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
