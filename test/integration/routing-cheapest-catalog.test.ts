/**
 * `cheapest` ranks by the price that applies to each deployment — the shipped catalog for known
 * cloud models, not only prices written in config.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, sendJson, type FakeUpstream } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

describe('cheapest strategy with catalog prices', () => {
  let upstream: FakeUpstream;
  let gw: RunningGateway;

  before(async () => {
    upstream = await startUpstream((req, res) =>
      sendJson(res, 200, {
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model: req.json.model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      }),
    );
    gw = await startGateway({
      providers: [{ id: 'oai', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-test', location: 'cloud' }],
      // gpt-4o is listed first and costs more than gpt-4o-mini in data/prices.json; no price in config.
      models: {
        chat: {
          strategy: 'cheapest',
          deployments: [
            { provider: 'oai', model: 'gpt-4o' },
            { provider: 'oai', model: 'gpt-4o-mini' },
          ],
        },
      },
      router: { healthIntervalMs: 0 },
    });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('picks the model the catalog prices lowest', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-meridian-route') ?? '', /^oai\/gpt-4o-mini;/);
    assert.equal(upstream.requests.at(-1)!.json.model, 'gpt-4o-mini');
  });
});
