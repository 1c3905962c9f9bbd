/**
 * Seeded fuzz of prompts and experiments on both chat wires: hostile bodies built from requests
 * that name a registered prompt (`prompt:name@label`, a `prompt` object) or an alias running an
 * experiment, on POST /v1/chat/completions and POST /v1/messages. No 5xx, every error in the
 * wire's envelope, enough requests through the whole pipeline, the event loop never blocked.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzPostEndpoint, fuzzSeed, type FuzzGateway } from '../helpers/fuzz-gateway.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { sendJson, sendSse, startUpstream, type FakeUpstream } from '../helpers/upstream.js';

const MASTER = 'master-key-for-fuzz-prompts-00001';
const SEED = fuzzSeed(0x9a7e);
const MODELS = ['support', 'plain', 'prompt:sr@1', 'prompt:sr@production', 'prompt:sr'];

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe('fuzz prompts and experiments on the chat wires', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;
  let fuzz: FuzzGateway;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      if ((req.json as { stream?: boolean } | undefined)?.stream)
        return sendSse(res, [
          chunk({ role: 'assistant', content: 'ok' }),
          chunk({}, 'stop'),
          { ...chunk({}), choices: [], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } },
          '[DONE]',
        ]);
      return sendJson(res, 200, {
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      });
    });
    gw = await startGateway(
      {
        providers: [
          { id: 'local', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' },
          { id: 'cloud', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-fake-000000000000', location: 'cloud' },
        ],
        models: {
          support: {
            deployments: [
              { provider: 'local', model: 'l', capabilities: { tools: true, vision: true } },
              { provider: 'cloud', model: 'c', capabilities: { tools: true, vision: true } },
            ],
            experiment: {
              name: 'fz',
              sticky: 'user',
              variants: [
                { name: 'a', weight: 2, prompt: 'sr@1', deployment: 'local' },
                { name: 'b', weight: 1, prompt: 'sr@production', deployment: 'cloud/c' },
                { name: 'c', weight: 1 },
              ],
            },
          },
          plain: [{ provider: 'local', model: 'l', capabilities: { tools: true, vision: true } }],
        },
        policies: [{ name: 'confidential-stays-inside', when: { tags: ['confidential'] }, require: { location: ['local'] } }],
        router: { healthIntervalMs: 0, retries: 0 },
        server: { bodyLimitBytes: 1024 * 1024 },
      },
      { env: { MERIDIAN_MASTER_KEY: MASTER } },
    );
    const admin = (path: string, body: unknown) =>
      fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const prompt = {
      type: 'chat',
      model: 'plain',
      params: { temperature: 0.2, max_tokens: 64, stop: ['END'] },
      messages: [{ role: 'system', content: 'Reply for {{company}}.' }, { placeholder: 'history' }],
    };
    assert.equal((await admin('/admin/prompts', { name: 'sr', prompt })).status, 201);
    assert.equal((await admin('/admin/prompts/label', { name: 'sr', label: 'production', version: 1 })).status, 200);
    fuzz = { url: gw.url, auth: {}, master: { authorization: `Bearer ${MASTER}` }, close: () => gw.close() };
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const variables = { company: 'Acme' };

  it(`POST /v1/chat/completions: 600 hostile prompt/experiment requests (seed ${SEED})`, async () => {
    const templates = [
      { model: 'support', user: 'u-1', prompt: { variables }, messages: [{ role: 'user', content: 'Where is my parcel?' }] },
      { model: 'prompt:sr@production', prompt: { variables }, messages: [{ role: 'user', content: 'hi' }], stream: true },
      { prompt: { name: 'sr', version: 1, variables }, messages: [{ role: 'user', content: 'hi' }], temperature: 0.5 },
    ];
    await fuzzPostEndpoint(
      fuzz,
      '/v1/chat/completions',
      { templates, models: MODELS, providerPrefixes: ['local/'], baseHeaders: {} },
      SEED,
      'openai',
      600,
    );
  });

  it(`POST /v1/messages: 600 hostile prompt/experiment requests (seed ${SEED + 1})`, async () => {
    const templates = [
      {
        model: 'support',
        max_tokens: 32,
        metadata: { user_id: 'u-1' },
        prompt: { variables },
        messages: [{ role: 'user', content: 'Where?' }],
      },
      { model: 'prompt:sr@1', prompt: { variables }, system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }], stream: true },
      {
        model: 'plain',
        prompt: { name: 'sr', label: 'production', variables },
        system: [{ type: 'text', text: 'Own.' }],
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi' }],
      },
    ];
    await fuzzPostEndpoint(
      fuzz,
      '/v1/messages',
      { templates, models: MODELS, providerPrefixes: ['local/'], baseHeaders: { 'anthropic-version': '2023-06-01' } },
      SEED + 1,
      'anthropic',
      600,
    );
  });
});
