/** Embedding inputs go through the privacy guard too: placeholders to a cloud API, local-only, block; and key model limits. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, sendJson, type FakeUpstream } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const MASTER = 'master-key-for-embeddings-test-1';
const EMAIL = 'jane.roe@example.com';

function embeddingsUpstream(): Promise<FakeUpstream> {
  // https://platform.openai.com/docs/api-reference/embeddings/object
  return startUpstream((req, res) => {
    const inputs: string[] = Array.isArray(req.json.input) ? req.json.input : [req.json.input];
    sendJson(res, 200, {
      object: 'list',
      data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.1, 0.2, 0.3] })),
      model: req.json.model,
      usage: { prompt_tokens: 8, total_tokens: 8 },
    });
  });
}

describe('embeddings and the privacy guard', () => {
  let cloud: FakeUpstream;
  let local: FakeUpstream;
  const gateways: RunningGateway[] = [];
  const start = async (guard: Record<string, unknown>) => {
    const gw = await startGateway(
      {
        providers: [
          { id: 'cloud', type: 'openai', baseUrl: `${cloud.url}/v1`, apiKey: 'sk-x', location: 'cloud' },
          { id: 'local', type: 'openai-compatible', baseUrl: `${local.url}/v1`, location: 'local' },
        ],
        models: {
          embed: [
            { provider: 'cloud', model: 'text-embedding-3-small' },
            { provider: 'local', model: 'nomic-embed-text' },
          ],
        },
        guard,
        router: { healthIntervalMs: 0 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    gateways.push(gw);
    return gw;
  };
  const embed = (gw: RunningGateway, input: unknown, key?: string) =>
    fetch(`${gw.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ model: 'embed', input }),
    });

  before(async () => {
    cloud = await embeddingsUpstream();
    local = await embeddingsUpstream();
  });
  after(async () => {
    for (const gw of gateways) await gw.close();
    await cloud.close();
    await local.close();
  });

  it('sends placeholders, never the value, to a cloud embedding API', async () => {
    const gw = await start({ defaultAction: 'pseudonymize' });
    const res = await embed(gw, [`Contact ${EMAIL} about the invoice`, 'nothing personal here']);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-meridian-pii'), 'email=1');
    assert.match(res.headers.get('x-meridian-route') ?? '', /^cloud\//);
    const sent = cloud.requests.at(-1)!;
    assert.doesNotMatch(sent.body, /jane\.roe/);
    assert.match(sent.json.input[0], /⟦EMAIL_1⟧/);
    assert.equal(sent.json.input[1], 'nothing personal here');
  });

  it('keeps it local under local-only, and refuses under block', async () => {
    const localOnly = await start({ defaultAction: 'local-only' });
    const before = cloud.requests.length;
    const res = await embed(localOnly, `Contact ${EMAIL}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-meridian-route') ?? '', /^local\//);
    assert.equal(cloud.requests.length, before, 'the cloud API got nothing');
    assert.equal(local.requests.at(-1)!.json.input, `Contact ${EMAIL}`, 'local sees the real text');

    const blocking = await start({ defaultAction: 'block' });
    const blocked = await embed(blocking, `Contact ${EMAIL}`);
    assert.equal(blocked.status, 403);
    const body = await blocked.text();
    assert.match(body, /pii_blocked/);
    assert.doesNotMatch(body, /jane\.roe/);
  });

  it("enforces a key's allowed models on embeddings", async () => {
    const gw = await start({});
    const created = await fetch(`${gw.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 't', models: ['chat-default'] }),
    });
    const { key } = (await created.json()) as { key: string };
    const res = await embed(gw, 'hello', key);
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'model_not_allowed');
  });
});
