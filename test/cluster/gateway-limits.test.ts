/**
 * Two `meridian serve` processes on different ports sharing PostgreSQL and Redis: a key created
 * through one replica's admin API works on the other at once, its rpm limit of 50 admits exactly
 * 50 of 100 concurrent requests spread over both, a hard token budget admits exactly what it
 * allows across both, and every request lands in the shared request log.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { quickPromptEstimate } from '../../src/gateway/meter-service.js';
import type { ChatRequest } from '../../src/api/types.js';
import { sendJson, startUpstream, type FakeUpstream } from '../helpers/upstream.js';
import { admin, chat, eventually, startCluster, type Cluster } from './gateway-harness.js';

interface CreatedKey {
  key: string;
  id: string;
}
interface LogList {
  data: Array<{ id: string; status: number; keyId?: string; errorCode?: string }>;
}

describe('two gateway replicas over PostgreSQL + Redis: limits', () => {
  let upstream: FakeUpstream;
  let cluster: Cluster;

  before(async () => {
    // Reports the gateway's own prompt estimate and the full output cap as usage: a request settles
    // at exactly what its budget check reserved, so the budget arithmetic below is exact.
    upstream = await startUpstream((req, res) => {
      if (req.method === 'GET')
        return sendJson(res, 200, { object: 'list', data: [{ id: 'm', object: 'model', created: 0, owned_by: 'test' }] });
      const body = req.json as ChatRequest;
      const prompt = quickPromptEstimate(body);
      const completion = body.max_completion_tokens ?? body.max_tokens ?? 0;
      sendJson(res, 200, {
        id: `chatcmpl-${randomBytes(4).toString('hex')}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      });
    });
    cluster = await startCluster(upstream.url);
  });

  after(async () => {
    await cluster?.destroy();
    await upstream?.close();
  });

  it('rpm 50: a key made on replica A is honored on B at once, and 100 concurrent requests over both admit exactly 50', async () => {
    const [a, b] = cluster.replicas as [NonNullable<Cluster['replicas'][0]>, NonNullable<Cluster['replicas'][0]>];
    // Before any key exists, both replicas are open (auth: auto).
    assert.equal((await chat(b.url)).status, 200);

    const tenant = `rpm-${randomBytes(3).toString('hex')}`;
    const created = await admin<CreatedKey>(a.url, '/admin/keys', { tenant, rpm: 50 });
    assert.equal(created.status, 201);
    const { key, id } = created.json;

    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => chat(i % 2 === 0 ? a.url : b.url, { key })));
    const byStatus = (s: number) => results.filter((r) => r.status === s).length;
    assert.equal(byStatus(200), 50, `statuses: ${JSON.stringify(results.map((r) => r.status))}`);
    assert.equal(byStatus(429), 50);
    assert.ok(results.filter((r) => r.status === 429).every((r) => r.code === 'rate_limit_exceeded'));
    // Both replicas admitted some: the limit is shared, not split.
    const admittedOn = (i: number) => results.filter((r, j) => j % 2 === i && r.status === 200).length;
    assert.ok(admittedOn(0) > 0 && admittedOn(1) > 0, `A admitted ${admittedOn(0)}, B ${admittedOn(1)}`);

    // Every request, admitted or limited, is in the shared log (each replica flushes within ~250 ms).
    const logged = await eventually(async () => {
      const r = await admin<LogList>(a.url, `/admin/requests?tenant=${tenant}&limit=1000`);
      return r.json.data.length >= 100 ? r.json.data : undefined;
    });
    assert.ok(logged, 'all 100 requests logged');
    assert.equal(logged.length, 100);
    assert.equal(logged.filter((e) => e.status === 200).length, 50);
    assert.equal(logged.filter((e) => e.status === 429).length, 50);
    assert.ok(logged.every((e) => e.keyId === id));

    // Replica B learns that keys exist (it only saw the key presented): anonymous requests are refused soon.
    const anon = await eventually(async () => ((await chat(b.url)).status === 401 ? 401 : undefined), 8_000, 250);
    assert.equal(anon, 401);
    assert.equal((await chat(a.url)).status, 401);
  });

  it('a hard token budget holds across replicas: 40 concurrent requests admit exactly what it allows', async () => {
    const [a, b] = cluster.replicas as [NonNullable<Cluster['replicas'][0]>, NonNullable<Cluster['replicas'][0]>];
    const content = 'What is the capital of France? Answer briefly.';
    const maxTokens = 16;
    // A hard budget reserves the prompt estimate plus the output cap before each request.
    const perRequest = quickPromptEstimate({ model: 'm', messages: [{ role: 'user', content }] }) + maxTokens;
    const allowed = 10;
    const tenant = `budget-${randomBytes(3).toString('hex')}`;
    const created = await admin<CreatedKey>(b.url, '/admin/keys', {
      tenant,
      budget: { tokens: perRequest * allowed, period: 'day', mode: 'hard' },
    });
    assert.equal(created.status, 201);
    const { key } = created.json;

    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => chat(i % 2 === 0 ? a.url : b.url, { key, content, maxTokens })));
    const ok = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 429 && r.code === 'budget_exceeded').length;
    assert.equal(ok, allowed, `statuses: ${JSON.stringify(results.map((r) => `${r.status}:${r.code ?? ''}`))}`);
    assert.equal(refused, 40 - allowed);

    // Spent means spent, on both replicas.
    assert.equal((await chat(a.url, { key, content, maxTokens })).code, 'budget_exceeded');
    assert.equal((await chat(b.url, { key, content, maxTokens })).code, 'budget_exceeded');

    const logged = await eventually(async () => {
      const r = await admin<LogList>(b.url, `/admin/requests?tenant=${tenant}&limit=1000`);
      return r.json.data.length >= 42 ? r.json.data : undefined;
    });
    assert.ok(logged, 'all 42 requests logged');
    assert.equal(logged.filter((e) => e.status === 200).length, allowed);
  });
});
