/**
 * Issue 3, the example policies through the running gateway over real HTTP, each counted at the
 * fake engines: "confidential runs only on local or private" (x-meridian-tags header and body
 * metadata), "requests with tools prefer cloud", "prompts over 30k tokens go where the context
 * window fits", "tenant acme-health never leaves local" (a virtual key made with POST
 * /admin/keys); `POST /v1/route/explain` (nothing sent upstream); and the error that names the
 * policy excluding each candidate when nothing may serve a request.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { fail, logEntry, postChat, route, startFakeEngine, type FakeEngine } from '../helpers/routing.js';

const MASTER = 'routing-policies-master-key-0123';

const policies = [
  // Anything tagged confidential runs only on local or private.
  { name: 'confidential-stays-inside', when: { tags: ['confidential'] }, require: { location: ['local', 'private'] } },
  // Requests with tools prefer cloud.
  { name: 'tools-prefer-cloud', when: { hasTools: true }, prefer: 'cloud' },
  // Prompts over 30k tokens go where the context window fits (an unknown window is excluded too).
  { name: 'long-prompts-fit', when: { estimatedPromptTokens: { gt: 30000 } }, require: { capability: ['contextWindow'] } },
  // Tenant acme-health never leaves local (not even private).
  { name: 'acme-health-local', when: { tenant: 'acme-health' }, require: { location: ['local'] } },
  {
    name: 'no-legal-hold',
    when: { tags: ['legal-hold'] },
    deny: { message: 'Requests under legal hold may not be processed by the gateway.' },
  },
];

interface Engines {
  local: FakeEngine;
  priv: FakeEngine;
  cloud: FakeEngine;
}

function gatewayConfig({ local, priv, cloud }: Engines) {
  const L = { provider: 'local', model: 'm-local', capabilities: { contextWindow: 8192, tools: true, vision: false } };
  const P = { provider: 'priv', model: 'm-private' }; // context window unknown
  const C = { provider: 'cloud', model: 'm-cloud', capabilities: { contextWindow: 128000, tools: true, vision: true } };
  return {
    providers: [
      { id: 'local', type: 'openai-compatible', baseUrl: local.baseUrl, location: 'local' },
      { id: 'priv', type: 'openai-compatible', baseUrl: priv.baseUrl, location: 'private' },
      { id: 'cloud', type: 'openai-compatible', baseUrl: cloud.baseUrl, location: 'cloud' },
    ],
    models: { chat: [L, P, C], cloudy: [C, L], inside: [P, L], 'cloud-only': [C] },
    policies,
    router: { healthIntervalMs: 0, retries: 0 },
  };
}

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  },
];
/** ~35k tokens by the gateway's estimate (4 characters a token). */
const longPrompt = 'lorem ipsum dolor sit amet '.repeat(5200);
/** ~10k tokens: under the 30k rule, over the local 8k window. */
const mediumPrompt = 'lorem ipsum dolor sit amet '.repeat(1500);

async function startEngines(): Promise<Engines> {
  return { local: await startFakeEngine('local'), priv: await startFakeEngine('private'), cloud: await startFakeEngine('cloud') };
}
const chatCounts = (e: Engines) => [e.local.chats.length, e.priv.chats.length, e.cloud.chats.length];

describe('example policies through the gateway', () => {
  let e: Engines;
  let gw: RunningGateway;

  before(async () => {
    e = await startEngines();
    gw = await startGateway(gatewayConfig(e), { env: { MERIDIAN_MASTER_KEY: MASTER } });
  });
  beforeEach(() => {
    for (const x of Object.values(e)) x.reset();
  });
  after(async () => {
    await gw.close();
    await Promise.all(Object.values(e).map((x) => x.close()));
  });

  it('confidential runs only on local or private: untagged goes to cloud, tagged (header) stays inside', async () => {
    const plain = await postChat(gw.url, { model: 'cloudy' });
    assert.deepEqual(route(plain), { deployment: 'cloud/m-cloud', reason: 'priority', strategy: 'priority' });
    const tagged = await postChat(gw.url, { model: 'cloudy' }, { 'x-meridian-tags': 'legal, Confidential' });
    assert.equal(tagged.status, 200);
    assert.deepEqual(route(tagged), { deployment: 'local/m-local', reason: 'confidential-stays-inside', strategy: 'priority' });
    assert.equal(tagged.body.choices[0].message.content, 'hello from local');
    assert.deepEqual(chatCounts(e), [1, 0, 1]);
  });

  it('confidential via body metadata (tags) is the same fact as the header', async () => {
    const r = await postChat(gw.url, { model: 'cloudy', metadata: { tags: 'confidential', project: 'atlas' } });
    assert.equal(r.status, 200);
    assert.deepEqual(route(r), { deployment: 'local/m-local', reason: 'confidential-stays-inside', strategy: 'priority' });
    assert.deepEqual(chatCounts(e), [1, 0, 0]);
    assert.equal(e.local.chats[0]!.json.metadata, undefined, 'routing metadata is not forwarded to the engine');
  });

  it('requests with tools prefer cloud; without tools the alias order (local) wins', async () => {
    const plain = await postChat(gw.url, { model: 'chat' });
    assert.deepEqual(route(plain), { deployment: 'local/m-local', reason: 'priority', strategy: 'priority' });
    const withTools = await postChat(gw.url, { model: 'chat', tools });
    assert.equal(withTools.status, 200);
    assert.deepEqual(route(withTools), { deployment: 'cloud/m-cloud', reason: 'tools-prefer-cloud', strategy: 'priority' });
    assert.equal(e.cloud.chats[0]!.json.tools[0].function.name, 'get_weather');
    assert.deepEqual(chatCounts(e), [1, 0, 1]);
  });

  it('tools + confidential: the restriction wins over the preference (local, fail closed)', async () => {
    const r = await postChat(gw.url, { model: 'chat', tools }, { 'x-meridian-tags': 'confidential' });
    assert.equal(r.status, 200);
    assert.equal(route(r).deployment, 'local/m-local');
    assert.deepEqual(chatCounts(e), [1, 0, 0]);
  });

  it('prompts over 30k tokens go where the context window is known and fits', async () => {
    const r = await postChat(gw.url, { model: 'chat', messages: [{ role: 'user', content: longPrompt }] });
    assert.equal(r.status, 200);
    assert.equal(route(r).deployment, 'cloud/m-cloud', 'local (8k) is too small, private has no known window');
    assert.deepEqual(chatCounts(e), [0, 0, 1]);

    const explain = await postChat(gw.url, { model: 'chat', messages: [{ role: 'user', content: longPrompt }] }, {}, '/v1/route/explain');
    assert.ok(explain.body.facts.estimatedPromptTokens > 30000);
    assert.deepEqual(
      explain.body.excluded.map((x: { deployment: string; rule: string; reason: string }) => [x.deployment, x.rule]),
      [
        ['local/m-local', 'long-prompts-fit'],
        ['priv/m-private', 'long-prompts-fit'],
      ],
    );
    assert.match(explain.body.excluded[0].reason, /exceeds context window 8192/);
    assert.equal(explain.body.excluded[1].reason, 'context window unknown');
  });

  it('a 10k-token prompt (rule not matched) skips only the known-too-small window', async () => {
    const r = await postChat(gw.url, { model: 'chat', messages: [{ role: 'user', content: mediumPrompt }] });
    assert.equal(r.status, 200);
    assert.equal(route(r).deployment, 'priv/m-private', 'the built-in check excludes local 8k; unknown windows are allowed');
    assert.deepEqual(chatCounts(e), [0, 1, 0]);
  });

  it('POST /v1/route/explain for a confidential request: eligible in order with reasons, excluded with the rule', async () => {
    const r = await postChat(gw.url, { model: 'chat' }, { 'x-meridian-tags': 'confidential' }, '/v1/route/explain');
    assert.equal(r.status, 200);
    const { facts, ...decision } = r.body;
    assert.deepEqual(facts.tags, ['confidential']);
    assert.deepEqual(decision, {
      alias: 'chat',
      strategy: 'priority',
      rules: ['confidential-stays-inside'],
      eligible: [
        { deployment: 'local/m-local', location: 'local', reason: 'confidential-stays-inside' },
        { deployment: 'priv/m-private', location: 'private', reason: 'confidential-stays-inside' },
      ],
      excluded: [{ deployment: 'cloud/m-cloud', rule: 'confidential-stays-inside', reason: "location 'cloud' not in [local, private]" }],
      allowedLocations: ['local', 'private'],
    });
    assert.deepEqual(chatCounts(e), [0, 0, 0], 'explain sends nothing upstream');
  });

  it('POST /v1/route/explain for a deny policy: denied with the rule and message, and the real request gets 403', async () => {
    const explain = await postChat(gw.url, { model: 'chat', metadata: { tags: 'legal-hold' } }, {}, '/v1/route/explain');
    assert.equal(explain.status, 200);
    assert.deepEqual(explain.body.denied, {
      rule: 'no-legal-hold',
      message: 'Requests under legal hold may not be processed by the gateway.',
    });
    assert.deepEqual(explain.body.eligible, []);
    assert.equal(explain.body.error.status, 403);
    assert.equal(explain.body.error.code, 'policy_denied');

    const real = await postChat(gw.url, { model: 'chat', metadata: { tags: 'legal-hold' } });
    assert.equal(real.status, 403);
    assert.equal(real.body.error.code, 'policy_denied');
    assert.equal(real.body.error.message, 'Requests under legal hold may not be processed by the gateway.');
    assert.deepEqual(chatCounts(e), [0, 0, 0]);
  });

  it('nothing may serve: a clear 503 naming the policy that excluded each candidate (and explain agrees)', async () => {
    const body = {
      model: 'cloudy',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    };
    const r = await postChat(gw.url, body, { 'x-meridian-tags': 'confidential' });
    assert.equal(r.status, 503);
    assert.equal(r.body.error.code, 'no_deployment_available');
    assert.equal(
      r.body.error.message,
      "No deployment may serve 'cloudy': cloud/m-cloud (confidential-stays-inside: location 'cloud' not in [local, private]); local/m-local (capability:vision: no vision support).",
    );
    assert.deepEqual(chatCounts(e), [0, 0, 0]);
    const entry = await logEntry(gw.url, MASTER, r);
    assert.equal(entry.status, 503);
    assert.equal(entry.errorCode, 'no_deployment_available');

    const explain = await postChat(gw.url, body, { 'x-meridian-tags': 'confidential' }, '/v1/route/explain');
    assert.equal(explain.status, 200);
    assert.deepEqual(explain.body.error, { status: 503, code: 'no_deployment_available', message: r.body.error.message });
    assert.deepEqual(
      explain.body.excluded.map((x: { rule: string }) => x.rule),
      ['confidential-stays-inside', 'capability:vision'],
    );
  });
});

describe('tenant acme-health never leaves local (virtual key from POST /admin/keys)', () => {
  let e: Engines;
  let gw: RunningGateway;
  let acmeKey: string;
  let otherKey: string;
  const as = (key: string) => ({ authorization: `Bearer ${key}` });

  before(async () => {
    e = await startEngines();
    gw = await startGateway(gatewayConfig(e), { env: { MERIDIAN_MASTER_KEY: MASTER } });
    const create = async (tenant: string) => {
      const res = await fetch(`${gw.url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenant, name: `${tenant} test key` }),
      });
      assert.equal(res.status, 201);
      return ((await res.json()) as { key: string }).key;
    };
    acmeKey = await create('acme-health');
    otherKey = await create('globex');
  });
  beforeEach(() => {
    for (const x of Object.values(e)) x.reset();
  });
  after(async () => {
    await gw.close();
    await Promise.all(Object.values(e).map((x) => x.close()));
  });

  it('the same request goes to cloud for another tenant and to local for acme-health', async () => {
    const other = await postChat(gw.url, { model: 'cloudy' }, as(otherKey));
    assert.equal(other.status, 200);
    assert.equal(route(other).deployment, 'cloud/m-cloud');
    const acme = await postChat(gw.url, { model: 'cloudy' }, as(acmeKey));
    assert.equal(acme.status, 200);
    assert.deepEqual(route(acme), { deployment: 'local/m-local', reason: 'acme-health-local', strategy: 'priority' });
    assert.deepEqual(chatCounts(e), [1, 0, 1]);
    const entry = await logEntry(gw.url, MASTER, acme);
    assert.equal(entry.tenant, 'acme-health');
    assert.equal(entry.location, 'local');
  });

  it('not even private: with private listed first, acme-health still runs on local', async () => {
    const r = await postChat(gw.url, { model: 'inside' }, as(acmeKey));
    assert.equal(route(r).deployment, 'local/m-local');
    assert.deepEqual(chatCounts(e), [1, 0, 0]);
  });

  it('when local fails, acme-health gets the error; private and cloud see nothing', async () => {
    e.local.behave(fail(500, 'local engine down'));
    const r = await postChat(gw.url, { model: 'chat' }, as(acmeKey));
    assert.equal(r.status, 502);
    assert.deepEqual(chatCounts(e), [1, 0, 0]);
    const entry = await logEntry(gw.url, MASTER, r);
    assert.deepEqual(
      entry.attempts.map((a) => [a.deployment, a.location, a.ok]),
      [['local/m-local', 'local', false]],
    );
  });

  it('an alias with only cloud deployments: 503 naming acme-health-local; explain shows allowedLocations [local]', async () => {
    const r = await postChat(gw.url, { model: 'cloud-only' }, as(acmeKey));
    assert.equal(r.status, 503);
    assert.equal(
      r.body.error.message,
      "No deployment may serve 'cloud-only': cloud/m-cloud (acme-health-local: location 'cloud' not in [local]).",
    );
    const explain = await postChat(gw.url, { model: 'inside' }, as(acmeKey), '/v1/route/explain');
    assert.equal(explain.body.facts.tenant, 'acme-health');
    assert.deepEqual(explain.body.allowedLocations, ['local']);
    assert.deepEqual(explain.body.excluded, [
      { deployment: 'priv/m-private', rule: 'acme-health-local', reason: "location 'private' not in [local]" },
    ]);
    assert.deepEqual(chatCounts(e), [0, 0, 0]);
  });
});
