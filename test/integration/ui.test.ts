/** The dashboard over real HTTP: static files at /ui, traversal refused, and GET /admin/summary. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { startUpstream, sendJson, type FakeUpstream } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const MASTER = 'master-key-for-ui-tests-0123456789';

/** A raw GET: unlike fetch, node:http sends the path exactly as written (no `..` normalization). */
function rawGet(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Group {
  key: string;
  requests: number;
  errors: number;
  costUsd: number;
  promptTokens: number;
  completionTokens: number;
}
interface Summary {
  object: string;
  since: string;
  totals: Omit<Group, 'key'> & { piiRequests: number; estimatedTokenRequests: number; avgLatencyMs: number };
  byLocation: Group[];
  byAlias: Group[];
  byDeployment: Group[];
  byReason: Group[];
  byTenant: Group[];
  byStatus: Group[];
  pii: Record<string, number>;
}
interface LogRow {
  status: number;
  alias: string;
  location?: string;
  costUsd?: number;
  promptTokens?: number;
  completionTokens?: number;
  pii?: Record<string, number>;
}

describe('dashboard: /ui and /admin/summary', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  const startedAt = new Date(Date.now() - 1000).toISOString();
  const admin = (path: string, key = MASTER) => fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const chat = (model: string, content: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
    });

  before(async () => {
    upstream = await startUpstream((_req, res) =>
      sendJson(res, 200, {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-test',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
      }),
    );
    gw = await startGateway(
      {
        providers: [
          { id: 'mock', type: 'mock', location: 'local' },
          { id: 'cloud', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'cloud' },
        ],
        models: {
          chat: [{ provider: 'mock', model: 'mock-small' }],
          smart: [{ provider: 'cloud', model: 'gpt-test', price: { input: 2, output: 10 } }],
        },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('serves the page at /ui and /ui/ as HTML with a same-origin CSP', async () => {
    for (const path of ['/ui', '/ui/', '/ui/index.html']) {
      const res = await fetch(`${gw.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'.*connect-src 'self'/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      const html = await res.text();
      assert.equal(html, readFileSync(new URL('../../web/index.html', import.meta.url), 'utf8'));
      assert.match(html, /<script type="module" src="\/ui\/app\.js">/);
    }
  });

  it('serves every asset the page references, with the right content type, and nothing external', async () => {
    const html = await (await fetch(`${gw.url}/ui`)).text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(!refs.some((r) => /^(https?:)?\/\//.test(r)), `no external references: ${refs.join(', ')}`);
    const assets = refs.filter((r) => r.startsWith('/ui/'));
    assert.deepEqual(assets.sort(), ['/ui/app.js', '/ui/style.css', '/ui/vendor/uplot.min.css']);
    const types: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
    // The page's own modules, followed through their static imports from app.js, plus the charting library.
    const queue = [...assets, '/ui/vendor/uplot.esm.js'];
    const own = new Map<string, string>();
    for (let path = queue.shift(); path; path = queue.shift()) {
      const res = await fetch(`${gw.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), types[path.slice(path.lastIndexOf('.'))]);
      const text = await res.text();
      assert.ok(text.length > 100, `${path} has content`);
      if (!path.endsWith('.js') || path.startsWith('/ui/vendor/')) continue;
      own.set(path, text);
      // The ES modules import each other by relative path only, and fetch only same-origin paths.
      for (const m of text.matchAll(/from '([^']+)'/g)) {
        assert.match(m[1]!, /^\.\/[a-z-]+\.js$/);
        const next = `/ui/${m[1]!.slice(2)}`;
        if (!own.has(next) && !queue.includes(next)) queue.push(next);
      }
      for (const m of text.matchAll(/import\('([^']+)'\)/g)) assert.equal(m[1], './vendor/uplot.esm.js', 'the only dynamic import');
      assert.ok(!/https?:\/\//.test(text), `no absolute URLs in ${path}`);
    }
    assert.ok(own.size >= 9, `every view module was reached: ${[...own.keys()].join(', ')}`);
  });

  it('needs no virtual key for the page even when auth is on', async () => {
    const created = await fetch(`${gw.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'ui-test' }),
    });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    try {
      assert.equal((await fetch(`${gw.url}/ui`)).status, 200);
      assert.equal((await fetch(`${gw.url}/ui/app.js`)).status, 200);
      assert.equal((await chat('chat', 'hi')).status, 401, 'the API itself now needs a key');
    } finally {
      // Auth stays on after this (revoked keys still count): later tests create their own key.
      await fetch(`${gw.url}/admin/keys/revoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id }),
      });
    }
  });

  it('refuses directory traversal and unknown files, plain and encoded', async () => {
    const attempts = [
      '/ui/../package.json',
      '/ui/..%2fpackage.json',
      '/ui/%2e%2e/package.json',
      '/ui/%2e%2e%2fpackage.json',
      '/ui/..%5cpackage.json',
      '/ui/./app.js',
      '/ui//etc/passwd',
      '/ui/%2fetc%2fpasswd',
      '/ui/nope.js',
      '/ui/app.js%00.html',
      '/ui/../src/gateway/ui-routes.ts',
    ];
    for (const path of attempts) {
      const res = await rawGet(gw.url, path);
      assert.equal(res.status, 404, path);
      assert.ok(!res.body.includes('"name": "meridian"') && !res.body.includes('root:'), `${path} leaks nothing`);
      assert.match(String(res.headers['content-type']), /application\/json/, `${path} answers with the JSON error, not a file`);
    }
  });

  it('POST /admin/route/explain explains with the master key (no tenant) and refuses without it', async () => {
    const body = JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] });
    const post = (key?: string) =>
      fetch(`${gw.url}/admin/route/explain`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body,
      });
    assert.equal((await post()).status, 401);
    assert.equal((await post('not-the-master-key-000000000')).status, 401);
    const res = await post(MASTER);
    assert.equal(res.status, 200);
    const x = (await res.json()) as {
      alias: string;
      eligible: Array<{ deployment: string; location: string }>;
      facts: { tenant?: string };
    };
    assert.equal(x.alias, 'smart');
    assert.deepEqual(
      x.eligible.map((e) => [e.deployment, e.location]),
      [['cloud/gpt-test', 'cloud']],
    );
    assert.equal(x.facts.tenant, undefined);
  });

  it('GET /admin/summary requires the master key', async () => {
    assert.equal((await fetch(`${gw.url}/admin/summary`)).status, 401);
    assert.equal((await admin('/admin/summary', 'wrong-key-wrong-key-wrong')).status, 401);
    const bad = await admin('/admin/summary?since=yesterday-ish');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { param: string } }).error.param, 'since');
  });

  it('GET /admin/summary aggregates the requests sent through the gateway', async () => {
    const created = await fetch(`${gw.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'acme' }),
    });
    const { key } = (await created.json()) as { key: string };
    const send = (model: string, content: string) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
      });
    const statuses = [];
    for (const [model, content] of [
      ['chat', 'hello'],
      ['chat', 'mail me at jane.doe@example.com'],
      ['smart', 'what is 2+2?'],
      ['smart', 'and 3+3?'],
      ['missing-model', 'hi'],
    ] as const) {
      const res = await send(model, content);
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 404]);

    const res = await admin(`/admin/summary?since=${encodeURIComponent(startedAt)}`);
    assert.equal(res.status, 200);
    const s = (await res.json()) as Summary;
    assert.equal(s.object, 'summary');
    assert.equal(s.since, startedAt);

    // The summary must agree with the rows of the request log for the same window.
    const rows = ((await (await admin(`/admin/requests?since=${encodeURIComponent(startedAt)}&limit=1000`)).json()) as { data: LogRow[] })
      .data;
    const sum = (f: (r: LogRow) => number | undefined) => rows.reduce((a, r) => a + (f(r) ?? 0), 0);
    assert.equal(s.totals.requests, rows.length);
    assert.equal(s.totals.errors, rows.filter((r) => r.status >= 400).length);
    assert.ok(Math.abs(s.totals.costUsd - sum((r) => r.costUsd)) < 1e-12);
    assert.equal(
      s.totals.promptTokens,
      sum((r) => r.promptTokens),
    );

    // And with what was sent: 2 local, 2 cloud at the configured price, 1 unknown model.
    const loc = Object.fromEntries(s.byLocation.map((g) => [g.key, g]));
    assert.equal(loc.local?.requests, 2);
    assert.equal(loc.cloud?.requests, 2);
    assert.equal(loc.cloud?.promptTokens, 2000);
    assert.equal(loc.cloud?.completionTokens, 1000);
    assert.ok(Math.abs((loc.cloud?.costUsd ?? 0) - (2 * (1000 * 2 + 500 * 10)) / 1e6) < 1e-12, `cloud cost ${loc.cloud?.costUsd}`);
    const alias = Object.fromEntries(s.byAlias.map((g) => [g.key, g.requests]));
    assert.equal(alias.chat, 2);
    assert.equal(alias.smart, 2);
    assert.equal(s.byDeployment.find((g) => g.key.includes('gpt-test'))?.requests, 2);
    assert.equal(
      s.byTenant.find((g) => g.key === 'acme')?.requests,
      rows.filter((r) => (r as { tenant?: string }).tenant === 'acme').length,
    );
    assert.ok((s.byTenant.find((g) => g.key === 'acme')?.requests ?? 0) >= 4);
    assert.equal(s.byStatus.find((g) => g.key === '200')?.requests, rows.filter((r) => r.status === 200).length);
    assert.ok(s.byReason.reduce((a, g) => a + g.requests, 0) === s.totals.requests, 'every request has one reason group');
    assert.equal(s.pii.email, 1, 'one email found (a count, never the value)');
    assert.ok(s.totals.piiRequests >= 1);
    assert.ok(!JSON.stringify(s).includes('jane.doe'), 'no PII values in the summary');

    // A window after everything is empty.
    const later = (await (
      await admin(`/admin/summary?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)
    ).json()) as Summary;
    assert.equal(later.totals.requests, 0);
    assert.deepEqual(later.byAlias, []);
    // Relative durations work too.
    const hour = (await (await admin('/admin/summary?since=1h')).json()) as Summary;
    assert.ok(hour.totals.requests >= s.totals.requests);
  });
});
