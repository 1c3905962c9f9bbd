/** Outcome feedback over real HTTP: POST /v1/feedback on a logged request, the episode header, the admin summary. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, sendJson, type FakeUpstream } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const MASTER = 'master-key-for-tests-0123456789';

describe('feedback over HTTP', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  let acme: string;
  let globex: string;
  const admin = (path: string, body?: unknown) =>
    fetch(`${gw.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const post = (path: string, key: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

  before(async () => {
    upstream = await startUpstream((_req, res) =>
      sendJson(res, 200, {
        id: 'x',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
      }),
    );
    gw = await startGateway(
      {
        providers: [{ id: 'local', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' }],
        models: { chat: [{ provider: 'local', model: 'm' }] },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    acme = ((await (await admin('/admin/keys', { tenant: 'acme' })).json()) as { key: string }).key;
    globex = ((await (await admin('/admin/keys', { tenant: 'globex' })).json()) as { key: string }).key;
    await admin('/admin/prompts', { name: 'greet', prompt: { type: 'text', template: 'Be brief.', model: 'chat' } });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('stores feedback on a logged request, aggregates it per prompt version and deployment, and logs the episode', async () => {
    const since = new Date(Date.now() - 1_000).toISOString();
    const res = await post(
      '/v1/chat/completions',
      acme,
      { model: 'prompt:greet', messages: [{ role: 'user', content: 'Hi' }] },
      { 'x-meridian-episode': 'run-42' },
    );
    assert.equal(res.status, 200);
    const requestId = res.headers.get('x-request-id')!;
    const plain = await post('/v1/chat/completions', acme, { model: 'chat', messages: [{ role: 'user', content: 'Hi' }] });
    const plainId = plain.headers.get('x-request-id')!;

    const good = await post('/v1/feedback', acme, { request_id: requestId, score: 1, label: 'resolved', comment: 'thanks' });
    assert.equal(good.status, 201);
    assert.equal(((await good.json()) as { request_id: string }).request_id, requestId);
    assert.equal((await post('/v1/feedback', acme, { request_id: requestId, score: 0 })).status, 201);
    assert.equal((await post('/v1/feedback', acme, { request_id: plainId, label: 'escalated' })).status, 201);

    const summary = (await (await admin(`/admin/feedback/summary?since=${encodeURIComponent(since)}`)).json()) as {
      byPromptVersion: { key: string; feedback: number; avgScore: number | null; labels: Record<string, number> }[];
      byDeployment: { key: string; feedback: number }[];
    };
    assert.deepEqual(summary.byPromptVersion, [
      { key: 'greet@1', feedback: 2, avgScore: 0.5, labels: { resolved: 1 } },
      { key: '', feedback: 1, avgScore: null, labels: { escalated: 1 } },
    ]);
    assert.deepEqual(
      summary.byDeployment.map((g) => [g.key, g.feedback]),
      [['local/m', 3]],
    );

    const log = (await (await admin('/admin/requests?limit=10')).json()) as { data: { id: string; episode?: string }[] };
    assert.equal(log.data.find((e) => e.id === requestId)?.episode, 'run-42');
    assert.equal(log.data.find((e) => e.id === plainId)?.episode, undefined);
  });

  it("404 for an unknown request id or another tenant's request; bounded fields; key required", async () => {
    const res = await post('/v1/chat/completions', acme, { model: 'chat', messages: [{ role: 'user', content: 'Hi' }] });
    const id = res.headers.get('x-request-id')!;
    const unknown = await post('/v1/feedback', acme, { request_id: 'no-such-request', score: 1 });
    assert.equal(unknown.status, 404);
    assert.equal(await code(unknown), 'request_not_found');
    assert.equal((await post('/v1/feedback', globex, { request_id: id, score: 1 })).status, 404, 'another tenant');
    assert.equal((await post('/v1/feedback', acme, { request_id: id })).status, 400, 'nothing to store');
    assert.equal((await post('/v1/feedback', acme, { request_id: id, comment: 'x'.repeat(2_001) })).status, 400);
    assert.equal((await post('/v1/feedback', acme, { request_id: id, label: 'has space' })).status, 400);
    assert.equal((await post('/v1/feedback', acme, { request_id: id, score: 1, extra: true })).status, 400);
    assert.equal((await post('/v1/feedback', acme, { request_id: 'r'.repeat(201), score: 1 })).status, 400);
    assert.equal((await post('/v1/feedback', 'mk-wrong', { request_id: id, score: 1 })).status, 401);
    const bad = await admin('/admin/feedback/summary?since=yesterday-ish');
    assert.equal(bad.status, 400);
  });
});
