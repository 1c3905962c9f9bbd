/**
 * The guard's local-model back-end wired through the gateway: its completion runs on the alias's
 * local deployment (never a cloud one), what the model lists is pseudonymized before the cloud
 * call; a back-end naming an alias with a cloud deployment is a start-up error; and a reload
 * rebuilds the guard with the new config.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/upstream.js';

const MASTER = 'guard-backends-gateway-master-0123';
const SECRET_NAME = 'Zorblax Quintavalle'; // no list or model would call this a name: only the local model finds it

function answer(res: ServerResponse, model: string, content: string): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    }),
  );
}

describe('guard local-model back-end through the gateway', () => {
  let local: FakeUpstream;
  let cloud: FakeUpstream;
  let gw: RunningGateway;
  const config = (guard: Record<string, unknown>) => ({
    providers: [
      { id: 'local', type: 'openai-compatible', baseUrl: '', location: 'local' },
      { id: 'cloud', type: 'openai-compatible', baseUrl: '', apiKey: 'sk-test-0000000000', location: 'cloud' },
    ],
    models: {
      'guard-model': [{ provider: 'local', model: 'pii-lister' }],
      assistant: [{ provider: 'cloud', model: 'gpt-x', price: { input: 1, output: 1 } }],
    },
    guard,
    router: { healthIntervalMs: 0, retries: 0 },
  });
  const withUrls = (c: ReturnType<typeof config>) => {
    c.providers[0]!.baseUrl = `${local.url}/v1`;
    c.providers[1]!.baseUrl = `${cloud.url}/v1`;
    return c;
  };

  before(async () => {
    local = await startUpstream((req: RecordedRequest, res) => {
      const text = String(req.json?.messages?.at(-1)?.content ?? '');
      const found = text.includes(SECRET_NAME) ? [{ type: 'person', text: SECRET_NAME }] : [];
      answer(res, 'pii-lister', JSON.stringify(found));
    });
    cloud = await startUpstream((req, res) => answer(res, 'gpt-x', 'noted'));
  });
  after(async () => {
    await gw?.close();
    await local.close();
    await cloud.close();
  });

  it('what the local model lists never reaches the cloud; the guard model ran locally', async () => {
    let source = withUrls(config({ defaultAction: 'pseudonymize', backends: [{ type: 'local-model', model: 'guard-model' }] }));
    gw = await startGateway(source, { env: { MERIDIAN_MASTER_KEY: MASTER }, configSource: () => parseConfig(source) });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'assistant', messages: [{ role: 'user', content: `Write to ${SECRET_NAME} about the invoice.` }] }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(res.headers.get('x-meridian-pii') ?? '', /person=1/);
    assert.ok(
      local.requests.some((r) => JSON.stringify(r.json).includes(SECRET_NAME)),
      'the local model saw the text',
    );
    const sentToCloud = cloud.requests.map((r) => r.body).join('\n');
    assert.ok(sentToCloud.length > 0);
    assert.ok(!sentToCloud.includes('Zorblax'), sentToCloud);

    // A reload rebuilds the guard: with block for person, the same request is refused.
    source = withUrls(
      config({ defaultAction: 'pseudonymize', actions: { person: 'block' }, backends: [{ type: 'local-model', model: 'guard-model' }] }),
    );
    const reloaded = await fetch(`${gw.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}` } });
    assert.equal(reloaded.status, 200, await reloaded.text());
    const blocked = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'assistant', messages: [{ role: 'user', content: `Write to ${SECRET_NAME} about the invoice.` }] }),
    });
    assert.equal(blocked.status, 403);
    assert.equal(((await blocked.json()) as { error: { code: string } }).error.code, 'pii_blocked');
  });

  it('a back-end model that could run in the cloud is a start-up error', async () => {
    await assert.rejects(
      startGateway(withUrls(config({ backends: [{ type: 'local-model', model: 'assistant' }] })), { env: { MERIDIAN_MASTER_KEY: MASTER } }),
      (err: Error) => err instanceof ConfigError && /guard\.backends\[0\]\.model: 'assistant' includes cloud deployments/.test(err.message),
    );
  });
});
