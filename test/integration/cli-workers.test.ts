/**
 * `meridian serve --workers 2` (issue 15, "All the cores"), as real processes on one port with
 * the embedded SQLite store: a key's rpm and an alias's hard budget are exact across the workers
 * (the primary runs every counter operation), /metrics answers the sum over workers from any of
 * them, the request log holds exactly the requests served (one writer), a key made through the
 * admin API is honoured by both workers, SIGHUP reaches every worker, a killed worker is
 * restarted, and SIGTERM lets a streamed request in flight finish before the cluster exits 0.
 *
 * Every request goes on a connection of its own, so the primary's round-robin hands requests
 * to both workers. Nothing waits on time: readiness and shutdown are log lines, held requests
 * are released when every request has arrived upstream or been answered.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { heldCompletions, metricSum, revokeAcrossWorkers, sayHi, send, watch, workersOf } from '../helpers/cluster-process.js';
import { startUpstream, sendJson, type FakeUpstream } from '../helpers/upstream.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'meridian-workers-'));
const MASTER = 'master-key-for-worker-tests-0123456789';
const children: ChildProcess[] = [];

// Budget: $1000 per million tokens in and out; "Hi" is 8 prompt tokens, max_tokens 100 reserved.
const ESTIMATE_MICRO = (8 + 100) * 1000; // $0.108 per request, in micro-dollars
const BUDGET_USD = (ESTIMATE_MICRO * 7.5) / 1e6; // room for 7.5 requests: exactly 7 fit

describe('meridian serve --workers 2', { timeout: 90_000 }, () => {
  let upstream: FakeUpstream;
  let child: ChildProcess;
  let out: ReturnType<typeof watch>;
  let url: string;
  const db = join(work, 'm.db');
  // The budget burst: upstream requests arrived and held, until every request is accounted for.
  const held = heldCompletions();
  // The drain test's stream: the first event goes at once, the rest when the test says.
  let finishStream: () => void = () => {};
  let streamStarted: () => void = () => {};

  before(async () => {
    upstream = await startUpstream(async (req, res: ServerResponse) => {
      if (req.method === 'GET') return sendJson(res, 200, { object: 'list', data: [] });
      if (req.json.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = (content: string, finish: string | null) =>
          `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: req.json.model, choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
        res.write(chunk('first ', null));
        await new Promise<void>((r) => {
          finishStream = r;
          streamStarted();
        });
        res.end(`${chunk('last', 'stop')}data: [DONE]\n\n`);
        return;
      }
      await held.answer(req, res);
    });
    const file = join(work, 'meridian.yaml');
    writeFileSync(
      file,
      [
        'server: { port: 0 }',
        `store: { sqlite: "${db}" }`,
        'router: { healthIntervalMs: 0 }',
        'providers:',
        '  - { id: mock, type: mock, location: local }',
        `  - { id: cloud, type: openai-compatible, baseUrl: "${upstream.url}/v1", location: cloud }`,
        'models:',
        '  chat: [{ provider: mock, model: mock-small }]',
        '  capped: [{ provider: cloud, model: gpt-x, price: { input: 1000, output: 1000 } }]',
        '  slow: [{ provider: cloud, model: gpt-slow }]',
        'budgets:',
        `  - { scope: alias, match: capped, period: day, usd: ${BUDGET_USD}, mode: hard }`,
        '',
      ].join('\n'),
    );
    // node itself, not the tsx binary: tsx's wrapper does not pass signals on to the program.
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', file, '--workers', '2'], {
      cwd: root,
      env: { ...process.env, MERIDIAN_MASTER_KEY: MASTER },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    out = watch(child);
    [, url] = (await out.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)","workers":2[^\n]*meridian cluster listening/)) as [string, string];
    // Both workers have logged their start (the primary's line comes when both listen).
    await out.waitFor(/"worker":1,[^\n]*meridian listening/);
    await out.waitFor(/"worker":2,[^\n]*meridian listening/);
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await upstream?.close();
    rmSync(work, { recursive: true, force: true });
  });

  // First, before any request: a killed worker loses the log rows it had not handed over yet (up
  // to one flush interval), as a killed single process does.
  it('a worker that dies is logged and replaced', async () => {
    const [, pid] = (await out.waitFor(/"pid":(\d+),[^\n]*"worker":1,[^\n]*meridian listening/)) as [string, string];
    const from = out.output().length;
    process.kill(Number(pid), 'SIGKILL');
    await out.waitFor(/worker exited unexpectedly; restarting it/, from);
    await out.waitFor(/"worker":3,[^\n]*meridian listening/, from);
    const replies = await Promise.all(
      Array.from({ length: 4 }, () =>
        send(url, 'POST', '/v1/chat/completions', { model: 'chat', messages: [{ role: 'user', content: 'Hi' }] }),
      ),
    );
    assert.deepEqual(
      replies.map((r) => r.status),
      [200, 200, 200, 200],
    );
    assert.deepEqual([...workersOf(replies)].sort(), ['2', '3']);
  });

  let keyId = '';
  /** A key without limits for the later tests (once a key exists, every request needs one). */
  let other: Record<string, string> = {};

  it('rpm 50 of 100 requests across both workers: exactly 50 served, 50 refused, with a key made through the admin API', async () => {
    const made = await send(url, 'POST', '/admin/keys', { tenant: 'acme', rpm: 50 }, { authorization: `Bearer ${MASTER}` });
    assert.equal(made.status, 201, made.body);
    const { key, id } = JSON.parse(made.body) as { key: string; id: string };
    keyId = id;
    const replies = await Promise.all(Array.from({ length: 100 }, () => sayHi(url, key)));
    const ok = replies.filter((r) => r.status === 200);
    const limited = replies.filter((r) => r.status === 429);
    assert.equal(ok.length, 50);
    assert.equal(limited.length, 50);
    for (const r of limited) assert.equal(JSON.parse(r.body).error.code, 'rate_limit_exceeded');
    assert.deepEqual([...workersOf(ok)].sort(), ['2', '3'], 'both workers served requests with the new key');
    assert.deepEqual([...workersOf(limited)].sort(), ['2', '3'], 'both workers refused requests past the shared limit');
    const second = await send(url, 'POST', '/admin/keys', { tenant: 'other' }, { authorization: `Bearer ${MASTER}` });
    other = { authorization: `Bearer ${(JSON.parse(second.body) as { key: string }).key}` };
  });

  it('/metrics from either worker is the sum over both', async () => {
    const scrapes = await Promise.all(Array.from({ length: 4 }, () => send(url, 'GET', '/metrics')));
    assert.deepEqual([...workersOf(scrapes)].sort(), ['2', '3']);
    // The 100 of the rpm test and the 4 after the restart.
    for (const s of scrapes) {
      assert.equal(metricSum(s.body, 'meridian_requests_total', ['alias="chat"', 'status="200"']), 54);
      assert.equal(metricSum(s.body, 'meridian_requests_total', ['alias="chat"', 'status="429"']), 50);
    }
  });

  it('a hard budget under 40 concurrent requests over both workers admits exactly floor(limit / estimate)', async () => {
    const replies = await held.burst(url, { model: 'capped', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 100 }, other, 40);
    const ok = replies.filter((r) => r.status === 200);
    assert.equal(ok.length, 7, 'one budget over both workers: 7 of $0.108 fit in $0.81');
    for (const r of replies.filter((x) => x.status !== 200)) {
      assert.equal(r.status, 429);
      assert.equal(JSON.parse(r.body).error.code, 'budget_exceeded');
    }
    assert.deepEqual([...workersOf(replies)].sort(), ['2', '3']);
  });

  it('a key revoked through one worker is refused by both at once (the change is announced, not left to the key cache)', async () => {
    // Both workers look the key up and cache it before the revoke.
    const { before: first, after: then } = await revokeAcrossWorkers(url, MASTER);
    assert.deepEqual(
      first.map((r) => r.status),
      [200, 200, 200, 200],
    );
    assert.deepEqual([...workersOf(first)].sort(), ['2', '3']);
    assert.deepEqual(
      then.map((r) => r.status),
      [401, 401, 401, 401],
    );
    assert.deepEqual([...workersOf(then)].sort(), ['2', '3']);
  });

  it('SIGHUP to the primary reloads every worker', async () => {
    const from = out.output().length;
    child.kill('SIGHUP');
    await out.waitFor(/"worker":2,[^\n]*config reloaded/, from);
    await out.waitFor(/"worker":3,[^\n]*config reloaded/, from);
  });

  it('POST /admin/reload on one worker is passed on to the other', async () => {
    const from = out.output().length;
    const res = await send(url, 'POST', '/admin/reload', undefined, { authorization: `Bearer ${MASTER}` });
    assert.equal(res.status, 200, res.body);
    const answered = res.headers['x-meridian-worker'];
    const otherWorker = answered === '2' ? '3' : '2';
    await out.waitFor(new RegExp(`"worker":${answered},[^\\n]*"actor":"admin-api"[^\\n]*config reloaded`), from);
    await out.waitFor(new RegExp(`"worker":${otherWorker},[^\\n]*"actor":"signal:SIGHUP"[^\\n]*config reloaded`), from);
  });

  it('SIGTERM drains: a streamed request in flight completes, then the cluster exits 0', async () => {
    const started = new Promise<void>((r) => (streamStarted = r));
    const reply = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        `${url}/v1/chat/completions`,
        { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...other } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'slow', stream: true, messages: [{ role: 'user', content: 'Hi' }] }));
    });
    await started;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const from = out.output().length;
    child.kill('SIGTERM');
    await out.waitFor(/draining workers/, from);
    await out.waitFor(/"worker":2,[^\n]*"draining"/, from);
    await out.waitFor(/"worker":3,[^\n]*"draining"/, from);
    finishStream();
    const r = await reply;
    assert.equal(r.status, 200);
    assert.match(r.text, /first /);
    assert.match(r.text, /last/);
    assert.match(r.text, /data: \[DONE\]/);
    assert.equal(await exited, 0);
  });

  it('the request log, written by the primary alone, has exactly the requests served', () => {
    const sqlite = new Database(db, { readonly: true });
    try {
      const count = (sql: string, ...params: unknown[]) => Number((sqlite.prepare(sql).get(...params) as { n: number }).n);
      assert.equal(count("SELECT count(*) AS n FROM request_log WHERE key_id = ? AND status = 200 AND alias = 'chat'", keyId), 50);
      assert.equal(count('SELECT count(*) AS n FROM request_log WHERE key_id = ?', keyId), 100);
      assert.equal(count("SELECT count(*) AS n FROM request_log WHERE alias = 'capped' AND status = 200"), 7);
      assert.equal(count("SELECT count(*) AS n FROM request_log WHERE alias = 'capped'"), 40);
      assert.equal(count("SELECT count(*) AS n FROM request_log WHERE alias = 'slow' AND status = 200"), 1);
      assert.equal(count('SELECT count(DISTINCT id) AS n FROM request_log'), count('SELECT count(*) AS n FROM request_log'));
      assert.equal(count('SELECT count(*) AS n FROM request_log_dead_letters'), 0);
    } finally {
      sqlite.close();
    }
  });
});
