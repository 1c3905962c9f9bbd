/**
 * Seeded fuzz of POST /v1/responses on the native pass-through (docs/responses.md, "Native
 * pass-through to OpenAI"): 600 hostile bodies and headers against OpenAI deployments (one native
 * alias, one that falls back from a failing native deployment to a translated one) behind a fake
 * OpenAI that serves /v1/responses in the documented shapes, with the guard pseudonymizing. No
 * 5xx, every error in the OpenAI envelope, the event loop never blocked > 100 ms, and the real
 * e-mail address of the templates never reaches the upstream, whichever path an attempt took.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assertLoopNeverBlocked, describeFailures, postCases, rng, runCases, watchEventLoop, type FuzzRun } from '../helpers/fuzz.js';
import { fuzzSeed } from '../helpers/fuzz-gateway.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { sendJson, sendSse, startUpstream, type FakeUpstream } from '../helpers/upstream.js';

const SEED = fuzzSeed(0x4e71);
const MASTER = 'master-key-for-native-fuzz-000001';
const EMAIL = 'jane.doe@example.com';
const fixture = (name: string): any => JSON.parse(readFileSync(new URL(`../fixtures/openai-responses/${name}`, import.meta.url), 'utf8'));

const templates: Array<Record<string, unknown>> = [
  { model: 'native', input: `Hello, my email is ${EMAIL}`, instructions: `Reply to ${EMAIL}` },
  {
    model: 'native',
    stream: true,
    input: [
      { role: 'user', content: [{ type: 'input_text', text: `Mail ${EMAIL}` }] },
      { type: 'function_call', call_id: 'call_1', name: 'send_mail', arguments: JSON.stringify({ to: EMAIL }) },
      { type: 'function_call_output', call_id: 'call_1', output: 'sent' },
    ],
    tools: [{ type: 'function', name: 'send_mail', description: `Mails ${EMAIL}`, parameters: { type: 'object' } }],
    metadata: { owner: EMAIL },
    include: ['reasoning.encrypted_content'],
    max_output_tokens: 64,
  },
];

describe('fuzz POST /v1/responses, native pass-through', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  let auth: Record<string, string>;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const b = (req.json ?? {}) as Record<string, unknown>;
      if (req.url === '/v1/responses') {
        if (b.model === 'gpt-broken') return sendJson(res, 503, { error: { message: 'busy', type: 'server_error' } });
        return b.stream ? sendSse(res, fixture('text-stream.json')) : sendJson(res, 200, fixture('response.json'));
      }
      const message = { role: 'assistant', content: 'ok' };
      if (b.stream)
        return sendSse(res, [
          {
            id: 'c',
            object: 'chat.completion.chunk',
            created: 1,
            model: 'm',
            choices: [{ index: 0, delta: message, finish_reason: 'stop' }],
          },
          '[DONE]',
        ]);
      return sendJson(res, 200, {
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [{ index: 0, message, finish_reason: 'stop' }],
      });
    });
    gw = await startGateway(
      {
        providers: [
          { id: 'oai', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-fake-openai-000000', location: 'cloud' },
          { id: 'compat', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'cloud' },
        ],
        models: {
          native: [{ provider: 'oai', model: 'gpt-native', capabilities: { tools: true, vision: true } }],
          fallback: [
            { provider: 'oai', model: 'gpt-broken', capabilities: { tools: true, vision: true } },
            { provider: 'compat', model: 'compat-model', capabilities: { tools: true, vision: true } },
          ],
        },
        guard: { defaultAction: 'pseudonymize' },
        router: { healthIntervalMs: 0, retries: 0 },
        server: { bodyLimitBytes: 1024 * 1024 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    const created = await fetch(`${gw.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'fuzz' }),
    });
    auth = { authorization: `Bearer ${((await created.json()) as { key: string }).key}` };
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it(`answers 600 hostile requests without a 5xx or a leak upstream (seed ${SEED})`, async () => {
    const opts = { templates, models: ['native', 'fallback'], providerPrefixes: ['oai/', 'compat/'], baseHeaders: auth };
    const cases = postCases(rng(SEED), '/v1/responses', 600, opts);
    let run: FuzzRun = { failures: [], statuses: new Map() };
    const loop = await watchEventLoop(async () => {
      run = await runCases(gw.url, cases, 'openai');
    });
    assert.equal(run.failures.length, 0, describeFailures(run));
    assert.ok((run.statuses.get(200) ?? 0) >= 30, `too few requests got through the pipeline: ${describeFailures(run)}`);
    assertLoopNeverBlocked(loop);
    const native = upstream.requests.filter((r) => r.url === '/v1/responses');
    assert.ok(native.length >= 20, `too few native attempts: ${native.length}`);
    const leaked = upstream.requests.filter((r) => r.body.includes(EMAIL));
    assert.equal(leaked.length, 0, `real values upstream: ${leaked.map((r) => r.body.slice(0, 300)).join('\n')}`);
  });
});
