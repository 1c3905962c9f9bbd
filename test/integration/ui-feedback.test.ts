/**
 * The admin API behind the dashboard's feedback and episode views, over real HTTP:
 * GET /admin/requests?episode=…, GET /admin/feedback?request_id=… (the request detail) and
 * GET /admin/feedback/summary over a window (the Feedback view). Rendering is checked in
 * test/browser/dashboard.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const MASTER = 'master-key-for-ui-feedback-tests-01';

interface LogRow {
  id: string;
  episode?: string;
  promptVersion?: string;
}
interface Feedback {
  id: string;
  requestId: string;
  time: string;
  score?: number;
  label?: string;
  comment?: string;
}

describe('dashboard API: feedback on a request, episodes, feedback summary', () => {
  let gw: RunningGateway;
  const admin = (path: string, key = MASTER) => fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const chat = async (model: string, episode?: string): Promise<string> => {
    const res = await post(
      '/v1/chat/completions',
      { model, messages: [{ role: 'user', content: 'hello' }] },
      episode ? { 'x-meridian-episode': episode } : {},
    );
    assert.equal(res.status, 200, await res.clone().text());
    await res.arrayBuffer();
    return res.headers.get('x-request-id')!;
  };
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; param: string | null } }).error;

  before(async () => {
    gw = await startGateway(
      {
        providers: [{ id: 'mock', type: 'mock', location: 'local' }],
        models: { chat: [{ provider: 'mock', model: 'mock-small' }], 'chat-b': [{ provider: 'mock', model: 'mock-large' }] },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    const pushed = await fetch(`${gw.url}/admin/prompts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'support', prompt: { type: 'text', template: 'Be brief.', model: 'chat' } }),
    });
    assert.equal(pushed.status, 201);
  });
  after(() => gw?.close());

  it('GET /admin/requests?episode= returns exactly that episode, newest first, and combines with other filters', async () => {
    const a1 = await chat('chat', 'ep-alpha');
    const other = await chat('chat', 'ep-beta');
    const a2 = await chat('prompt:support', 'ep-alpha');
    const a3 = await chat('chat-b', 'ep-alpha');
    const none = await chat('chat');
    const rows = ((await (await admin('/admin/requests?episode=ep-alpha')).json()) as { data: LogRow[] }).data;
    assert.deepEqual(
      rows.map((r) => r.id),
      [a3, a2, a1],
    );
    assert.ok(rows.every((r) => r.episode === 'ep-alpha'));
    assert.equal(rows[1]!.promptVersion, 'support@1');
    const all = ((await (await admin('/admin/requests?limit=100')).json()) as { data: LogRow[] }).data.map((r) => r.id);
    assert.ok(
      [a1, a2, a3, other, none].every((id) => all.includes(id)),
      'without the filter every request is listed',
    );
    const combined = (await (await admin('/admin/requests?episode=ep-alpha&alias=chat-b')).json()) as { data: LogRow[] };
    assert.deepEqual(
      combined.data.map((r) => r.id),
      [a3],
      'alias narrows the episode',
    );
    assert.equal(((await (await admin('/admin/requests?episode=ep-gamma')).json()) as { data: LogRow[] }).data.length, 0);
    assert.equal((await admin('/admin/requests?episode=ep-alpha', 'wrong-master-key-wrong-master-key')).status, 401);
  });

  it('GET /admin/feedback?request_id= lists the feedback on that request as stored, oldest first', async () => {
    const id = await chat('prompt:support', 'ep-fb');
    const hostile = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> & "quotes"';
    assert.equal((await post('/v1/feedback', { request_id: id, score: 0.25, label: 'wrong-tone', comment: hostile })).status, 201);
    assert.equal((await post('/v1/feedback', { request_id: id, score: 1, label: 'resolved' })).status, 201);
    const res = await admin(`/admin/feedback?request_id=${encodeURIComponent(id)}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { object: string; request_id: string; data: Feedback[] };
    assert.equal(body.object, 'list');
    assert.equal(body.request_id, id);
    assert.deepEqual(
      body.data.map((f) => [f.requestId, f.score, f.label, f.comment]),
      [
        [id, 0.25, 'wrong-tone', hostile],
        [id, 1, 'resolved', undefined],
      ],
      'the comment comes back byte for byte: escaping is the page’s job',
    );
    assert.ok(body.data[0]!.time <= body.data[1]!.time);
    const empty = (await (await admin('/admin/feedback?request_id=no-such-request')).json()) as { data: Feedback[] };
    assert.deepEqual(empty.data, []);
  });

  it('GET /admin/feedback needs the master key and a bounded request_id', async () => {
    assert.equal((await fetch(`${gw.url}/admin/feedback?request_id=x`)).status, 401);
    assert.equal((await admin('/admin/feedback?request_id=x', 'wrong-master-key-wrong-master-key')).status, 401);
    const missing = await admin('/admin/feedback');
    assert.equal(missing.status, 400);
    assert.equal((await errorOf(missing)).param, 'request_id');
    const long = await admin(`/admin/feedback?request_id=${'r'.repeat(201)}`);
    assert.equal(long.status, 400);
    assert.equal((await errorOf(long)).param, 'request_id');
  });

  it('GET /admin/feedback/summary covers the chosen window only', async () => {
    const id = await chat('chat');
    assert.equal((await post('/v1/feedback', { request_id: id, score: 0.5, label: 'ok' })).status, 201);
    type Summary = {
      since: string;
      byPromptVersion: { key: string; feedback: number }[];
      byDeployment: { key: string; feedback: number }[];
    };
    const hour = (await (await admin('/admin/feedback/summary?since=1h')).json()) as Summary;
    assert.ok(Math.abs(Date.parse(hour.since) - (Date.now() - 3_600_000)) < 60_000, hour.since);
    assert.deepEqual(hour.byPromptVersion.find((g) => g.key === 'support@1')?.feedback, 2);
    assert.deepEqual(hour.byPromptVersion.find((g) => g.key === '')?.feedback, 1);
    assert.equal(hour.byDeployment.find((g) => g.key === 'mock/mock-small')?.feedback, 3);
    const future = (await (await admin(`/admin/feedback/summary?since=${new Date(Date.now() + 60_000).toISOString()}`)).json()) as Summary;
    assert.deepEqual([future.byPromptVersion, future.byDeployment], [[], []]);
  });
});
