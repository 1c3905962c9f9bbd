/**
 * Seeded fuzz of the retrieval endpoints (docs/rag.md): POST /v1/rag/collections,
 * POST /v1/rag/collections/{c}/documents (text, HTML, PDF; PDFs also with corrupted bytes),
 * GET/DELETE of documents and collections with hostile ids and queries, POST /v1/rag/search and
 * POST /v1/chat/completions with `"rag"`; hostile bodies and headers, no 5xx, every error in the
 * OpenAI envelope, the event loop never blocked > 100 ms.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { fuzzPostEndpoint, fuzzSeed, type FuzzGateway } from '../helpers/fuzz-gateway.js';
import {
  assertLoopNeverBlocked,
  chance,
  describeFailures,
  getCases,
  hostileString,
  int,
  pick,
  rng,
  runCases,
  watchEventLoop,
  type FuzzCase,
  type FuzzRun,
  type Rand,
} from '../helpers/fuzz.js';
import { makePdf } from '../helpers/pdf.js';

const SEED = fuzzSeed(0x4a6);
const MASTER = 'master-key-for-fuzz-rag-000000001';
const PDF = makePdf([['Refund policy', 'Customers may request a refund within 30 days.'], ['Gift cards are never refunded.']]);
const HTML =
  '<html><head><title>Refunds</title><script>x()</script></head><body><h2>Window</h2><p>30 days &amp; more</p><pre>refund --id 42</pre></body></html>';

/** Percent-encodes any string, lone surrogates included (encodeURIComponent throws on those). */
function encodeAny(v: string): string {
  return [...Buffer.from(v, 'utf8')]
    .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`))
    .join('');
}

/** The PDF with bytes flipped, cut short, or spliced: PDF.js must fail cleanly or read what is left. */
function corruptPdf(r: Rand): Buffer {
  const b = Buffer.from(PDF);
  const k = r();
  if (k < 0.4) {
    for (let i = 0, n = 1 + int(r, 20); i < n; i++) b[int(r, b.length)] = int(r, 256);
    return b;
  }
  if (k < 0.7) return b.subarray(0, int(r, b.length));
  const at = int(r, b.length);
  return Buffer.concat([b.subarray(0, at), Buffer.from(hostileString(r).slice(0, 200), 'latin1'), b.subarray(at)]);
}

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
    // The first PDF loads PDF.js (a one-time cost of about half a second, docs/rag.md): not what the loop watch measures.
    const warm = await fetch(`${gw.url}/v1/rag/collections/handbook/documents`, {
      method: 'POST',
      headers: master,
      body: JSON.stringify({ id: 'warm.pdf', format: 'pdf', data: PDF.toString('base64') }),
    });
    assert.equal(warm.status, 200);
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
      { id: 'notes/a.txt', format: 'text', text: 'Plain text about vacation days.' },
      { id: 'empty', text: '' },
      { id: 'page.html', format: 'html', text: HTML, metadata: { path: 'page.html' } },
      { id: 'policy.pdf', format: 'pdf', data: PDF.toString('base64') },
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

  it(`POST /v1/rag/collections/{c}/documents: corrupted PDFs (seed ${SEED})`, async () => {
    const r = rng(SEED);
    const cases: FuzzCase[] = Array.from({ length: 150 }, (_, i) => ({
      generator: 'corrupt-pdf',
      method: 'POST',
      path: '/v1/rag/collections/handbook/documents',
      headers: { ...fuzz.master, 'content-type': 'application/json' },
      body: JSON.stringify({ id: `corrupt-${i % 7}.pdf`, format: 'pdf', data: corruptPdf(r).toString('base64') }),
    }));
    let run: FuzzRun = { failures: [], statuses: new Map() };
    const loop = await watchEventLoop(async () => {
      run = await runCases(fuzz.url, cases, 'openai', 4);
    });
    assert.equal(run.failures.length, 0, describeFailures(run));
    assert.ok((run.statuses.get(400) ?? 0) >= 20, `too few corruptions were refused: ${describeFailures(run)}`);
    assertLoopNeverBlocked(loop);
  });

  it(`GET/DELETE documents and collections: hostile ids, names and queries (seed ${SEED})`, async () => {
    const master = { ...fuzz.master };
    // Documents the DELETE cases can really remove, so the success path runs under fuzz too.
    const real = Array.from({ length: 40 }, (_, i) => `del/doc-${i}.md`);
    for (const id of real) {
      const res = await fetch(`${fuzz.url}/v1/rag/collections/handbook/documents`, {
        method: 'POST',
        headers: { ...master, 'content-type': 'application/json' },
        body: JSON.stringify({ id, text: `Document ${id} about refunds.` }),
      });
      assert.equal(res.status, 200);
    }
    const r = rng(SEED + 1);
    const hostileName = (): string =>
      chance(r, 0.5)
        ? encodeAny(hostileString(r).slice(0, pick(r, [8, 64, 300])))
        : pick(r, ['handbook', 'private', 'nope', '%2e%2e', '-x', 'a'.repeat(65)]);
    const cases: FuzzCase[] = [];
    while (cases.length < 600) {
      const k = r();
      if (k < 0.3) {
        const id = chance(r, 0.3) ? encodeURIComponent(pick(r, real)) : encodeAny(hostileString(r).slice(0, pick(r, [8, 200, 3000])));
        cases.push({
          generator: 'delete-document',
          method: 'DELETE',
          path: `/v1/rag/collections/${hostileName()}/documents/${id}`,
          headers: master,
        });
      } else if (k < 0.45) {
        cases.push({
          generator: 'list-documents-name',
          method: 'GET',
          path: `/v1/rag/collections/${hostileName()}/documents`,
          headers: master,
        });
      } else if (k < 0.7) {
        cases.push(
          ...getCases(r, '/v1/rag/collections/handbook/documents', 1, master).map((c) => ({
            ...c,
            generator: `list-documents-${c.generator}`,
          })),
        );
      } else if (k < 0.8) {
        cases.push(...getCases(r, '/v1/rag/collections', 1, master).map((c) => ({ ...c, generator: `list-collections-${c.generator}` })));
      } else if (k < 0.9) {
        // Never a real collection: deleting one would empty what the other cases read.
        const name = chance(r, 0.5) ? `gone-${int(r, 1000)}` : hostileName().replace(/^(handbook|private)$/, 'x');
        cases.push({ generator: 'delete-collection', method: 'DELETE', path: `/v1/rag/collections/${name}`, headers: master });
      } else {
        const after = chance(r, 0.5) ? encodeURIComponent(pick(r, real)) : encodeAny(hostileString(r).slice(0, 300));
        cases.push({
          generator: 'list-documents-page',
          method: 'GET',
          path: `/v1/rag/collections/handbook/documents?limit=${pick(r, ['1', '1000', '1001', '0', '-1', '1e3', 'x', ''])}&after=${after}`,
          headers: chance(r, 0.8) ? master : keyAuth,
        });
      }
    }
    let run: FuzzRun = { failures: [], statuses: new Map() };
    const loop = await watchEventLoop(async () => {
      run = await runCases(fuzz.url, cases, 'openai');
    });
    assert.equal(run.failures.length, 0, describeFailures(run));
    assert.ok((run.statuses.get(200) ?? 0) >= 50, `too few requests were answered: ${describeFailures(run)}`);
    assert.ok((run.statuses.get(404) ?? 0) >= 20, `too few hostile ids reached the lookup: ${describeFailures(run)}`);
    assertLoopNeverBlocked(loop);
  });
});
