/** Ingest formats of src/rag: HTML → Markdown-like text, PDF → text (and clear errors), the shared content hash, body parsing. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chunkText } from '../../src/rag/chunk.js';
import { htmlToText } from '../../src/rag/html.js';
import { pdfText } from '../../src/rag/pdf.js';
import { documentHash } from '../../src/rag/hash.js';
import { extractText, INGEST_LIMITS, parseDocument } from '../../src/rag/extract.js';
import { InvalidRequestError } from '../../src/errors.js';
import { makePdf } from '../helpers/pdf.js';

const LIMITS = { maxPages: 2_000, maxChars: 500_000 };

const PAGE = `<!doctype html><html><head><title>VPN &amp; Wi-Fi guide</title>
<style>p { color: red }</style><script>var leak = "<p>script text</p>";</script></head>
<body><nav><a href="/">Home</a> <a href="/docs">Docs menu</a></nav>
<h2>Install   the <em>client</em></h2>
<p>Use the WireGuard&nbsp;client &mdash; it&#39;s &lt;fast&gt; &amp; small.<br>Second line.</p>
<p># not a heading</p>
<ul><li>one</li><li>two <code>wg</code><ul><li>nested</li></ul></li></ul>
<pre><code class="language-sh">wg-quick up meridian
echo "a &amp;&amp; b"
</code></pre>
<table><tr><th>Plan</th><th>Days</th></tr><tr><td>Basic</td><td>30</td></tr></table>
<h3>Troubleshooting</h3><div>Restart it.</div></body></html>`;

function unreadable(pattern: RegExp) {
  return (err: unknown) =>
    err instanceof InvalidRequestError && err.status === 400 && err.code === 'unreadable_document' && pattern.test(err.message);
}

describe('rag: HTML to text', () => {
  it('headings, paragraphs, lists, tables and code survive; title used without an h1; script, style, nav and head dropped', async () => {
    const text = await htmlToText(PAGE);
    assert.equal(
      text,
      [
        '# VPN & Wi-Fi guide',
        '## Install the client',
        "Use the WireGuard client — it's <fast> & small.\nSecond line.",
        '\\# not a heading',
        '- one\n- two `wg`\n  - nested',
        '```sh\nwg-quick up meridian\necho "a && b"\n```',
        'Plan | Days\nBasic | 30',
        '### Troubleshooting',
        'Restart it.',
      ].join('\n\n'),
    );
    assert.doesNotMatch(text, /script text|color: red|Docs menu/);
  });

  it('the chunker sees the headings and keeps the code block whole', async () => {
    const chunks = chunkText(await htmlToText(PAGE));
    assert.deepEqual(
      chunks.map((c) => c.heading),
      ['VPN & Wi-Fi guide > Install the client', 'VPN & Wi-Fi guide > Install the client > Troubleshooting'],
    );
    assert.match(chunks[0]!.text, /```sh\nwg-quick up meridian\necho "a && b"\n```/);
  });

  it('an h1 wins over the title; a fence is longer than any backtick run in the code; ordered lists are numbered', async () => {
    const text = await htmlToText(
      '<title>Ignored</title><h1>Real</h1><pre>say ```hi```</pre><ol><li>first</li><li>second</li></ol><p>a<br/>b</p>',
    );
    assert.equal(text, '# Real\n\n````\nsay ```hi```\n````\n\n1. first\n2. second\n\na\nb');
  });

  it('a large page is converted in slices without losing text across slice boundaries', async () => {
    const para = '<p>' + 'word '.repeat(40) + '&amp;</p>';
    const text = await htmlToText(para.repeat(2_000));
    assert.equal(text.split('\n\n').length, 2_000);
    assert.ok(text.split('\n\n').every((p) => p === `${'word '.repeat(40)}&`));
  });
});

describe('rag: PDF to text', () => {
  it('extracts each page, in order, pages apart', async () => {
    const r = await pdfText(makePdf([['Refunds within 30 days (card)', 'Second line'], ['Page two text']]), LIMITS);
    assert.equal(r.pages, 2);
    assert.equal(r.text, 'Refunds within 30 days (card)\nSecond line\n\nPage two text');
  });

  it('a line that looks like a heading stays text', async () => {
    const r = await pdfText(makePdf([['# 1 Scope', 'body']]), LIMITS);
    assert.equal(r.text, '\\# 1 Scope\nbody');
    assert.deepEqual(
      chunkText(r.text).map((c) => c.heading),
      [''],
    );
  });

  it('corrupt, encrypted, empty and textless PDFs get a 400 that names the problem', async () => {
    const good = makePdf([['Hello']]);
    await assert.rejects(pdfText(makePdf([['secret']], { encrypted: true }), LIMITS), unreadable(/encrypted/));
    await assert.rejects(pdfText(Buffer.from('this is not a PDF at all'), LIMITS), unreadable(/damaged or not a PDF/));
    await assert.rejects(pdfText(good.subarray(0, 60), LIMITS), unreadable(/damaged or not a PDF/));
    await assert.rejects(pdfText(new Uint8Array(0), LIMITS), unreadable(/empty/));
    await assert.rejects(pdfText(makePdf([]), LIMITS), unreadable(/no pages/));
    await assert.rejects(pdfText(makePdf([[]]), LIMITS), unreadable(/no text layer/));
  });

  it('page and text bounds are enforced', async () => {
    const tooLarge = (err: unknown) => err instanceof InvalidRequestError && err.code === 'document_too_large';
    await assert.rejects(pdfText(makePdf([['a'], ['b'], ['c']]), { maxPages: 2, maxChars: 1000 }), tooLarge);
    await assert.rejects(pdfText(makePdf([['x'.repeat(60)], ['y'.repeat(60)]]), { maxPages: 10, maxChars: 100 }), tooLarge);
  });

  it("PDF.js's warnings about a damaged file stay out of the console", async () => {
    // The page names a font the PDF does not define: PDF.js warns about it at its default verbosity.
    const pdf = Buffer.from(
      makePdf([['Hello']])
        .toString('latin1')
        .replace('/F1 12 Tf', '/F9 12 Tf'),
      'latin1',
    );
    const seen: unknown[] = [];
    const saved = { log: console.log, warn: console.warn, error: console.error, info: console.info };
    console.log = console.warn = console.error = console.info = (...args: unknown[]) => void seen.push(args);
    try {
      assert.equal((await pdfText(pdf, LIMITS)).text, 'Hello');
    } finally {
      Object.assign(console, saved);
    }
    assert.deepEqual(seen, []);
  });
});

describe('rag: document bodies and the content hash', () => {
  it('the hash covers format, source and metadata, not the order of metadata keys', () => {
    const h = documentHash('markdown', '# A', { path: 'a.md', team: 'hr' });
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(documentHash('markdown', '# A', { team: 'hr', path: 'a.md' }), h);
    assert.notEqual(documentHash('text', '# A', { path: 'a.md', team: 'hr' }), h);
    assert.notEqual(documentHash('markdown', '# B', { path: 'a.md', team: 'hr' }), h);
    assert.notEqual(documentHash('markdown', '# A', { path: 'a.md', team: 'it' }), h);
    assert.equal(documentHash('pdf', Buffer.from('%PDF'), {}), documentHash('pdf', new Uint8Array(Buffer.from('%PDF')), {}));
  });

  it('bodies are parsed by format; PDFs travel as base64; errors never quote the value', async () => {
    const pdf = makePdf([['Hello PDF']]);
    const parsed = parseDocument({ id: 'a/b.pdf', format: 'pdf', data: pdf.toString('base64'), metadata: { path: 'a/b.pdf' } });
    assert.equal(parsed.format, 'pdf');
    assert.deepEqual(Buffer.from(parsed.source as Uint8Array), pdf);
    assert.equal((await extractText(parsed)).text, 'Hello PDF');
    assert.equal(parseDocument({ id: 'x', text: 'plain' }).format, 'text');
    assert.equal((await extractText(parseDocument({ id: 'x', format: 'html', text: '<h1>T</h1><p>b</p>' }))).text, '# T\n\nb');
    const bad = (body: Record<string, unknown>, param: string) =>
      assert.throws(
        () => parseDocument(body),
        (err: unknown) => err instanceof InvalidRequestError && err.param === param && !err.message.includes('SECRET'),
      );
    bad({ id: 'x', format: 'SECRET', text: 'a' }, 'format');
    bad({ id: 'x', format: 'pdf', data: 'SECRET!!' }, 'data');
    bad({ id: 'x', format: 'pdf', text: 'SECRET' }, 'data');
    bad({ id: 'x', format: 'html', data: 'SECRET' }, 'text');
    bad({ id: 'x', text: 'x'.repeat(500_001) }, 'text');
    bad({ id: 'x', format: 'html', text: 'x'.repeat(INGEST_LIMITS.htmlChars + 1) }, 'text');
  });

  it('HTML whose text exceeds the document bound is refused after conversion', async () => {
    const html = `<p>${'word '.repeat(120_000)}</p>`;
    await assert.rejects(
      extractText(parseDocument({ id: 'x', format: 'html', text: html })),
      (err: unknown) => err instanceof InvalidRequestError && err.code === 'document_too_large',
    );
  });
});
