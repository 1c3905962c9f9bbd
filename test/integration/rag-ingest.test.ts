/**
 * The ingest side of retrieval over real sockets (docs/rag.md): HTML and PDF documents through
 * `POST /v1/rag/collections/{c}/documents`, clear 400s for unreadable PDFs, the documents and
 * collections listings and deletions, and `meridian rag ingest` run as users run it on a folder of
 * Markdown, HTML and PDF files (a corrupt PDF fails alone; a second run sends only what changed and
 * removes what was deleted).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { makePdf } from '../helpers/pdf.js';

const MASTER = 'mk-master-rag-ingest-000000000000';
const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');

const HTML = `<html><head><title>Printers</title><script>var secretToken = "zebra-script";</script></head><body>
<nav>Home | Wiki</nav><h1>Office printers</h1><h2>Toner</h2><p>Order toner for the &quot;LaserJet&quot; from the supplies portal.</p>
<pre><code>lpstat -p laserjet</code></pre></body></html>`;

interface ErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

/** A pass-through proxy in front of the gateway that records what the CLI sends. */
async function recordingProxy(target: string): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const up = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise((r) => server.close(() => r())) };
}

function runIngest(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(tsx, ['src/cli/main.ts', 'rag', 'ingest', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('RAG ingest: HTML, PDF, documents management, meridian rag ingest', () => {
  let gw: RunningGateway;
  let key: string;
  const call = (method: string, path: string, body?: unknown, auth = MASTER) =>
    fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${auth}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const search = async (collection: string, query: string) =>
    (
      (await (await call('POST', '/v1/rag/search', { collection, query, k: 5 }, key)).json()) as {
        data: Array<{ id: string; heading: string; text: string; document_id: string }>;
      }
    ).data;

  before(async () => {
    gw = await startGateway(
      {
        providers: [{ id: 'mock', type: 'mock', location: 'local' }],
        models: { embed: [{ provider: 'mock', model: 'mock-embed-ngram' }] },
        router: { healthIntervalMs: 0, retries: 0 },
        // Small on purpose: the documents route accepts PDFs larger than this, other routes do not.
        server: { bodyLimitBytes: 64 * 1024 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    const created = await call('POST', '/admin/keys', { tenant: 'rag' });
    key = ((await created.json()) as { key: string }).key;
    for (const name of ['docs', 'cli', 'doomed']) {
      assert.equal((await call('POST', '/v1/rag/collections', { name, embeddingModel: 'embed' })).status, 201);
    }
  });
  after(() => gw.close());

  it('HTML: headings become the heading path, code stays, script and navigation are not indexed', async () => {
    const res = await call('POST', '/v1/rag/collections/docs/documents', { id: 'wiki/printers.html', format: 'html', text: HTML });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { format: string; chunks: number; unchanged: boolean };
    assert.deepEqual([body.format, body.chunks, body.unchanged], ['html', 1, false]);
    const [hit] = await search('docs', 'toner LaserJet');
    assert.equal(hit?.id, 'wiki/printers.html#0');
    assert.equal(hit.heading, 'Office printers > Toner');
    assert.match(hit.text, /"LaserJet"/);
    assert.match(hit.text, /```\nlpstat -p laserjet\n```/);
    assert.ok(!(await search('docs', 'zebra-script secretToken Wiki')).some((h) => /zebra|Wiki/.test(h.text)));
  });

  it('PDF: base64 in, text of every page searchable, the same bytes again are not parsed or embedded', async () => {
    const pdf = makePdf([['Travel policy', 'Book trains for trips under 600 km.'], ['Hotels are booked through the travel desk.']]);
    const doc = { id: 'policies/travel.pdf', format: 'pdf', data: pdf.toString('base64'), metadata: { team: 'finance' } };
    const res = await call('POST', '/v1/rag/collections/docs/documents', doc);
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { format: string; pages: number; chunks: number };
    assert.deepEqual([body.format, body.pages, body.chunks], ['pdf', 2, 1]);
    const [hit] = await search('docs', 'hotels travel desk');
    assert.equal(hit?.document_id, 'policies/travel.pdf');
    assert.match(hit.text, /Book trains[\s\S]*travel desk/);
    const again = (await (await call('POST', '/v1/rag/collections/docs/documents', doc)).json()) as { unchanged: boolean; pages?: number };
    assert.equal(again.unchanged, true);
    assert.equal(again.pages, undefined, 'an unchanged PDF is not parsed again');
  });

  it('a PDF larger than server.bodyLimitBytes is accepted on the documents route only', async () => {
    const pages = Array.from({ length: 120 }, (_, i) => [`Page ${i} of the large manual.`, 'x'.repeat(400)]);
    const pdf = makePdf(pages);
    assert.ok(pdf.length > 64 * 1024);
    const res = await call('POST', '/v1/rag/collections/docs/documents', { id: 'big.pdf', format: 'pdf', data: pdf.toString('base64') });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { pages: number }).pages, 120);
    const other = await call('POST', '/v1/rag/search', { collection: 'docs', query: 'x'.repeat(70 * 1024) }, key);
    assert.equal(other.status, 413);
  });

  it('corrupt, encrypted and textless PDFs, and bad base64, get a clear 400 in the OpenAI error shape', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [Buffer.from('%PDF-1.4\nthis file was cut off').toString('base64'), 'unreadable_document', /damaged or not a PDF/],
      [makePdf([['secret']], { encrypted: true }).toString('base64'), 'unreadable_document', /encrypted/],
      [makePdf([[]]).toString('base64'), 'unreadable_document', /no text layer/],
      ['not base64!', 'invalid_request', /base64/],
    ];
    for (const [data, code, message] of cases) {
      const res = await call('POST', '/v1/rag/collections/docs/documents', { id: 'bad.pdf', format: 'pdf', data });
      assert.equal(res.status, 400);
      const { error } = (await res.json()) as ErrorBody;
      assert.deepEqual([error.type, error.code, error.param], ['invalid_request_error', code, 'data']);
      assert.match(error.message, message);
      assert.ok(!error.message.includes('bad.pdf'));
    }
    assert.ok(!(await search('docs', 'secret')).some((h) => h.document_id === 'bad.pdf'));
  });

  it('documents are listed by id, page by page, and deleted by percent-encoded id; collections listed and deleted', async () => {
    const first = (await (await call('GET', '/v1/rag/collections/docs/documents?limit=2')).json()) as {
      data: Array<{ id: string; chunks: number; content_hash: string; metadata: Record<string, unknown> }>;
      has_more: boolean;
      last_id: string;
    };
    assert.deepEqual(
      first.data.map((d) => d.id),
      ['big.pdf', 'policies/travel.pdf'],
    );
    assert.equal(first.has_more, true);
    assert.deepEqual(first.data[1]!.metadata, { team: 'finance' });
    assert.match(first.data[1]!.content_hash, /^[0-9a-f]{64}$/);
    const rest = (await (await call('GET', `/v1/rag/collections/docs/documents?after=${encodeURIComponent(first.last_id)}`)).json()) as {
      data: Array<{ id: string }>;
      has_more: boolean;
    };
    assert.deepEqual(
      rest.data.map((d) => d.id),
      ['wiki/printers.html'],
    );
    assert.equal(rest.has_more, false);

    assert.equal((await call('GET', '/v1/rag/collections/docs/documents', undefined, key)).status, 401, 'listing needs the master key');
    assert.equal((await call('DELETE', '/v1/rag/collections/docs/documents/wiki/printers.html')).status, 404, 'a raw / is not an id');
    const del = await call('DELETE', `/v1/rag/collections/docs/documents/${encodeURIComponent('wiki/printers.html')}`);
    assert.deepEqual(await del.json(), { object: 'rag.document', collection: 'docs', id: 'wiki/printers.html', deleted: true });
    assert.ok(!(await search('docs', 'toner LaserJet')).some((h) => h.document_id === 'wiki/printers.html'));
    const again = await call('DELETE', '/v1/rag/collections/docs/documents/wiki%2Fprinters.html');
    assert.equal(again.status, 404);
    assert.equal(((await again.json()) as ErrorBody).error.code, 'document_not_found');
    assert.equal((await call('DELETE', '/v1/rag/collections/docs/documents/%E0%A4%A')).status, 400);

    await call('POST', '/v1/rag/collections/doomed/documents', { id: 'a.md', text: '# A\n\nsomething to delete' });
    const listed = (await (await call('GET', '/v1/rag/collections')).json()) as {
      data: Array<{ name: string; documents: number; chunks: number; embeddingModel: string }>;
    };
    assert.deepEqual(
      listed.data.map((c) => [c.name, c.documents]),
      [
        ['cli', 0],
        ['docs', 2],
        ['doomed', 1],
      ],
    );
    assert.equal((await call('DELETE', '/v1/rag/collections/doomed')).status, 200);
    assert.equal((await call('DELETE', '/v1/rag/collections/doomed')).status, 404);
    assert.equal((await call('GET', '/v1/rag/collections/doomed/documents')).status, 404);
    assert.equal((await call('POST', '/v1/rag/search', { collection: 'doomed', query: 'something' }, key)).status, 404);
  });

  it('meridian rag ingest: md + html + pdf + a corrupt pdf; then one change, one deletion: only the change is sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rag-ingest-cli-'));
    const proxy = await recordingProxy(gw.url);
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'guide.md'), '# Guide\n\nThe VPN client is WireGuard.');
      writeFileSync(join(dir, 'printers.html'), HTML);
      writeFileSync(join(dir, 'manual.pdf'), makePdf([['Badge access', 'Lost badges are replaced at reception.']]));
      writeFileSync(join(dir, 'broken.pdf'), makePdf([['Half a file']]).subarray(0, 120));
      writeFileSync(join(dir, 'sub', 'notes.txt'), 'Parking is free on weekends.');
      const env = { MERIDIAN_MASTER_KEY: MASTER };
      const args = [dir, '--collection', 'cli', '--base-url', `${proxy.url}/v1`];

      const first = await runIngest(args, env);
      assert.equal(first.code, 1, first.stdout + first.stderr);
      const lines = first.stdout.trim().split('\n');
      assert.deepEqual(
        lines
          .filter((l) => l.startsWith('ingested'))
          .map((l) => l.split(/\s+/)[1])
          .sort(),
        ['guide.md', 'manual.pdf', 'printers.html', 'sub/notes.txt'],
      );
      assert.ok(lines.includes('ingested  manual.pdf (1 chunks, 1 pages)'), first.stdout);
      assert.ok(
        lines.some((l) => /^failed +broken\.pdf: 400 The PDF cannot be ingested: it is damaged or not a PDF/.test(l)),
        first.stdout,
      );
      assert.equal(lines.at(-1), '4 ingested, 0 unchanged, 0 removed, 1 failed');
      assert.match(first.stderr, /1 file\(s\) failed/);
      assert.doesNotMatch(first.stdout + first.stderr, /Warning/, 'PDF.js stays quiet');
      assert.equal((await search('cli', 'lost badges reception'))[0]?.document_id, 'manual.pdf');

      // Another writer's document (no `path`) in the same collection is not the CLI's to remove.
      await call('POST', '/v1/rag/collections/cli/documents', { id: 'api-entry', text: 'Posted over the API.' });
      writeFileSync(join(dir, 'guide.md'), '# Guide\n\nThe VPN client is WireGuard; the config is on the IT portal.');
      unlinkSync(join(dir, 'printers.html'));
      unlinkSync(join(dir, 'broken.pdf'));
      proxy.seen.length = 0;
      const second = await runIngest(args, env);
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.deepEqual(
        proxy.seen.filter((s) => !s.startsWith('GET')),
        ['POST /v1/rag/collections/cli/documents', 'DELETE /v1/rag/collections/cli/documents/printers.html'],
      );
      const out = second.stdout.trim().split('\n');
      assert.deepEqual(out, [
        'ingested  guide.md (1 chunks)',
        'unchanged manual.pdf',
        'unchanged sub/notes.txt',
        'removed   printers.html',
        '1 ingested, 2 unchanged, 1 removed, 0 failed',
      ]);
      const docs = (await (await call('GET', '/v1/rag/collections/cli/documents')).json()) as { data: Array<{ id: string }> };
      assert.deepEqual(
        docs.data.map((d) => d.id),
        ['api-entry', 'guide.md', 'manual.pdf', 'sub/notes.txt'],
      );

      // --no-prune keeps a deleted file's document.
      unlinkSync(join(dir, 'sub', 'notes.txt'));
      const kept = await runIngest([...args, '--no-prune'], env);
      assert.equal(kept.code, 0, kept.stdout + kept.stderr);
      assert.equal(kept.stdout.trim().split('\n').at(-1), '0 ingested, 2 unchanged, 0 removed, 0 failed');
    } finally {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
