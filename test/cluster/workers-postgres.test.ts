/**
 * `meridian serve --workers 2` on PostgreSQL + Redis (issue 15, "All the cores"), as real
 * processes on one port: the workers share the counters in Redis and the log in PostgreSQL
 * directly, not through the primary. A key's rpm and an alias's hard budget are exact across the
 * workers, the request log (PostgreSQL) holds exactly the requests served, a key revoked through
 * one worker is refused by both, and SIGTERM drains the cluster to exit 0. A fresh schema and
 * Redis prefix per run keep parallel runs apart; nothing waits on time (log lines, held requests).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { heldCompletions, sayHi, revokeAcrossWorkers, send, watch, workersOf } from '../helpers/cluster-process.js';
import { startUpstream, sendJson, type FakeUpstream } from '../helpers/upstream.js';
import { makePostgresHarness, REDIS_URL } from './store-harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'meridian-workers-pg-'));
const MASTER = 'master-key-for-worker-pg-tests-0123456789';
// $1000 per million tokens in and out; "Hi" is 8 prompt tokens, max_tokens 100 reserved: $0.108 a request.
const BUDGET_USD = ((8 + 100) * 1000 * 7.5) / 1e6; // room for 7.5 requests: exactly 7 fit

describe('meridian serve --workers 2 on PostgreSQL + Redis', { timeout: 120_000 }, () => {
  let harness: Awaited<ReturnType<typeof makePostgresHarness>>;
  let upstream: FakeUpstream;
  let child: ChildProcess;
  let out: ReturnType<typeof watch>;
  let url: string;
  const held = heldCompletions();

  before(async () => {
    harness = await makePostgresHarness();
    upstream = await startUpstream(async (req, res: ServerResponse) => {
      if (req.method === 'GET') return sendJson(res, 200, { object: 'list', data: [] });
      await held.answer(req, res);
    });
    const file = join(work, 'meridian.yaml');
    writeFileSync(
      file,
      [
        'server: { port: 0 }',
        `store: { postgres: "${harness.postgresUrl}", redis: "${REDIS_URL}", redisPrefix: "${harness.redisPrefix}" }`,
        'router: { healthIntervalMs: 0 }',
        'log: { requests: true }',
        'providers:',
        '  - { id: mock, type: mock, location: local }',
        `  - { id: cloud, type: openai-compatible, baseUrl: "${upstream.url}/v1", location: cloud }`,
        'models:',
        '  chat: [{ provider: mock, model: mock-small }]',
        '  capped: [{ provider: cloud, model: gpt-x, price: { input: 1000, output: 1000 } }]',
        'budgets:',
        `  - { scope: alias, match: capped, period: day, usd: ${BUDGET_USD}, mode: hard }`,
        '',
      ].join('\n'),
    );
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', file, '--workers', '2'], {
      cwd: root,
      env: { ...process.env, MERIDIAN_MASTER_KEY: MASTER },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    out = watch(child);
    [, url] = (await out.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)","workers":2[^\n]*meridian cluster listening/)) as [string, string];
    await out.waitFor(/"worker":1,[^\n]*meridian listening/);
    await out.waitFor(/"worker":2,[^\n]*meridian listening/);
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await upstream?.close();
    await harness?.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  let other: Record<string, string> = {};

  it('rpm 50 of 100 requests across both workers: exactly 50 served, 50 refused', async () => {
    const made = await send(url, 'POST', '/admin/keys', { tenant: 'acme', rpm: 50 }, { authorization: `Bearer ${MASTER}` });
    assert.equal(made.status, 201, made.body);
    const { key } = JSON.parse(made.body) as { key: string };
    const replies = await Promise.all(Array.from({ length: 100 }, () => sayHi(url, key)));
    const ok = replies.filter((r) => r.status === 200);
    const limited = replies.filter((r) => r.status === 429);
    assert.equal(ok.length, 50);
    assert.equal(limited.length, 50);
    assert.deepEqual([...workersOf(ok)].sort(), ['1', '2'], 'both workers served requests');
    assert.deepEqual([...workersOf(limited)].sort(), ['1', '2'], 'both workers refused requests past the shared limit');
    const second = await send(url, 'POST', '/admin/keys', { tenant: 'other' }, { authorization: `Bearer ${MASTER}` });
    other = { authorization: `Bearer ${(JSON.parse(second.body) as { key: string }).key}` };
  });

  it('a hard budget under 40 concurrent requests over both workers admits exactly floor(limit / estimate)', async () => {
    const replies = await held.burst(url, { model: 'capped', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 100 }, other, 40);
    assert.equal(replies.filter((r) => r.status === 200).length, 7, 'one budget over both workers: 7 of $0.108 fit in $0.81');
    for (const r of replies.filter((x) => x.status !== 200)) assert.equal(JSON.parse(r.body).error.code, 'budget_exceeded');
    assert.deepEqual([...workersOf(replies)].sort(), ['1', '2']);
  });

  it('a key revoked through one worker is refused by both', async () => {
    const { before: first, after: then } = await revokeAcrossWorkers(url, MASTER);
    assert.deepEqual(
      first.map((r) => r.status),
      [200, 200, 200, 200],
    );
    assert.deepEqual(
      then.map((r) => r.status),
      [401, 401, 401, 401],
    );
    assert.deepEqual([...workersOf(then)].sort(), ['1', '2']);
  });

  it('SIGTERM drains the cluster to exit 0, and the PostgreSQL request log holds exactly the requests served', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out.output());
    const db = new pg.Client({ connectionString: harness.postgresUrl });
    await db.connect();
    try {
      const count = async (sql: string): Promise<number> => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);
      // 100 of the rpm test and 4 before the revoke; 7 within the budget of 40; no row twice.
      assert.equal(await count("SELECT count(*) AS n FROM request_log WHERE alias = 'chat' AND status = 200"), 54);
      assert.equal(await count("SELECT count(*) AS n FROM request_log WHERE alias = 'chat' AND status = 429"), 50);
      assert.equal(await count("SELECT count(*) AS n FROM request_log WHERE alias = 'capped' AND status = 200"), 7);
      assert.equal(await count("SELECT count(*) AS n FROM request_log WHERE alias = 'capped'"), 40);
      assert.equal(await count('SELECT count(DISTINCT id) AS n FROM request_log'), await count('SELECT count(*) AS n FROM request_log'));
    } finally {
      await db.end();
    }
  });
});
