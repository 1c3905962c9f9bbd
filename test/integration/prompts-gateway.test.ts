/** The prompt registry over real HTTP: admin API pushes and labels, a chat request runs a labelled version end to end. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, sendJson, type FakeUpstream } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const MASTER = 'master-key-for-tests-0123456789';

const supportReply = (tone: string) => ({
  type: 'chat',
  model: 'chat',
  params: { temperature: 0.3, max_tokens: 64 },
  messages: [{ role: 'system', content: `Reply for {{company}}, ${tone}.` }, { placeholder: 'history' }],
  metadata: { owner: 'support-team', tone, compliance: 'never promise refunds' },
});

describe('prompts over HTTP', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  const admin = (path: string, body?: unknown) =>
    fetch(`${gw.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const chat = (body: unknown) =>
    fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string; param: string | null } }).error;

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
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('push, label, run: the version that ran is in the header and the request log; labels move and roll back', async () => {
    const v1 = await admin('/admin/prompts', { name: 'support-reply', prompt: supportReply('formal'), note: 'first' });
    assert.equal(v1.status, 201);
    assert.deepEqual(await v1.json(), { name: 'support-reply', version: 1, created: true });
    const same = await admin('/admin/prompts', { name: 'support-reply', prompt: supportReply('formal') });
    assert.equal(same.status, 200, 'unchanged content: no new version');
    assert.equal(((await same.json()) as { created: boolean }).created, false);
    assert.equal((await admin('/admin/prompts', { name: 'support-reply', prompt: supportReply('warm') })).status, 201);
    const labelled = await admin('/admin/prompts/label', {
      name: 'support-reply',
      label: 'production',
      version: 1,
      protect: true,
      reason: 'launch',
    });
    assert.equal(labelled.status, 200);

    const res = await chat({
      model: 'prompt:support-reply@production',
      messages: [{ role: 'user', content: 'Where is my parcel?' }],
      prompt: { variables: { company: 'Acme' } },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-meridian-prompt'), 'support-reply@1');
    const requestId = res.headers.get('x-request-id')!;
    const sent = upstream.requests.at(-1)!.json as Record<string, unknown>;
    assert.equal(sent.model, 'm');
    assert.equal(sent.temperature, 0.3);
    assert.deepEqual(sent.messages, [
      { role: 'system', content: 'Reply for Acme, formal.' },
      { role: 'user', content: 'Where is my parcel?' },
    ]);
    const log = (await (await admin('/admin/requests?limit=10')).json()) as { data: { id: string; promptVersion?: string }[] };
    assert.equal(log.data.find((e) => e.id === requestId)?.promptVersion, 'support-reply@1');

    // Move production to v2, then roll back: each request runs what the label points at now.
    assert.equal((await admin('/admin/prompts/label', { name: 'support-reply', label: 'production', version: 2 })).status, 200);
    const v2 = await chat({
      model: 'prompt:support-reply@production',
      messages: [{ role: 'user', content: 'Hi' }],
      prompt: { variables: { company: 'Acme' } },
    });
    assert.equal(v2.headers.get('x-meridian-prompt'), 'support-reply@2');
    const back = await admin('/admin/prompts/rollback', { name: 'support-reply', label: 'production', reason: 'too warm' });
    assert.equal(back.status, 200);
    assert.equal(((await back.json()) as { version: number }).version, 1);
    const v1again = await chat({
      prompt: { name: 'support-reply', label: 'production', variables: { company: 'Acme' } },
      messages: [{ role: 'user', content: 'Hi' }],
    });
    assert.equal(v1again.headers.get('x-meridian-prompt'), 'support-reply@1');

    const shown = (await (await admin('/admin/prompts?name=support-reply')).json()) as {
      labels: { label: string; version: number; protected: boolean }[];
      versions: { version: number; variables: string[] }[];
    };
    assert.deepEqual(
      shown.labels.map((l) => [l.label, l.version, l.protected]),
      [['production', 1, true]],
    );
    assert.deepEqual(
      shown.versions.map((v) => [v.version, v.variables]),
      [
        [2, ['company']],
        [1, ['company']],
      ],
    );
    const audit = (await (await admin('/admin/audit')).json()) as {
      data: { action: string; target?: string; details?: { reason?: string } }[];
    };
    assert.ok(
      audit.data.some((a) => a.action === 'prompt.rollback' && a.target === 'support-reply@production' && a.details?.reason === 'too warm'),
    );
  });

  it('a missing variable is a 400 naming it; an unknown prompt or label a 404; nothing reaches the upstream', async () => {
    const before = upstream.requests.length;
    const missing = await chat({ model: 'prompt:support-reply@production', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(missing.status, 400);
    const e = await errorOf(missing);
    assert.equal(e.code, 'missing_variable');
    assert.equal(e.param, 'prompt.variables.company');
    assert.match(e.message, /"company"/);
    const unknownLabel = await chat({ model: 'prompt:support-reply@canary', messages: [] });
    assert.equal(unknownLabel.status, 404);
    assert.equal((await errorOf(unknownLabel)).code, 'prompt_not_found');
    assert.equal((await chat({ model: 'prompt:nope', messages: [] })).status, 404);
    const badLabel = await admin('/admin/prompts/label', { name: 'support-reply', label: 'latest', version: 1 });
    assert.equal(badLabel.status, 400);
    const invalid = await admin('/admin/prompts', { name: 'x', prompt: { type: 'chat', template: 'no' } });
    assert.equal(invalid.status, 400);
    assert.equal((await errorOf(invalid)).code, 'invalid_prompt');
    assert.equal(upstream.requests.length, before);
  });

  it('the prompt admin API needs the master key', async () => {
    const res = await fetch(`${gw.url}/admin/prompts`, { headers: { authorization: 'Bearer mk-nope' } });
    assert.equal(res.status, 401);
  });
});
