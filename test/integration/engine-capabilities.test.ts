/**
 * Local models are described by their engine: Ollama's /api/show (capabilities and
 * `<arch>.context_length`, https://github.com/ollama/ollama/blob/main/docs/api.md#show-model-information)
 * sets the deployment's capabilities, so routing follows what the model can do; config still wins.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, sendJson, type FakeUpstream } from '../helpers/upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const completion = (content: string) => ({
  id: 'c',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});

describe('engine-reported model capabilities', () => {
  let ollama: FakeUpstream;
  let cloud: FakeUpstream;
  let gw: RunningGateway;
  const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }];
  const chat = (body: Record<string, unknown>, model = 'chat') =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...body }),
    });

  before(async () => {
    ollama = await startUpstream((req, res) => {
      if (req.url === '/api/show') {
        const vision = req.json.model === 'llava:7b';
        return sendJson(res, 200, {
          capabilities: vision ? ['completion', 'vision'] : ['completion'],
          model_info: { 'general.architecture': 'llama', 'llama.context_length': 8192 },
        });
      }
      if (req.url === '/api/tags') return sendJson(res, 200, { models: [{ name: 'llama3.2:3b' }, { name: 'llava:7b' }] });
      if (req.url === '/api/ps')
        return sendJson(res, 200, {
          models: [
            { name: 'llama3.2:3b', model: 'llama3.2:3b' },
            { name: 'llava:7b', model: 'llava:7b' },
          ],
        });
      return sendJson(res, 200, {
        model: req.json.model,
        created_at: '2024-01-01T00:00:00Z',
        message: { role: 'assistant', content: 'local answer' },
        done: true,
        done_reason: 'stop',
        prompt_eval_count: 5,
        eval_count: 2,
      });
    });
    cloud = await startUpstream((_req, res) => sendJson(res, 200, completion('cloud answer')));
    gw = await startGateway({
      providers: [
        { id: 'ollama', type: 'ollama', baseUrl: ollama.url, location: 'local' },
        { id: 'cloud', type: 'openai-compatible', baseUrl: `${cloud.url}/v1`, location: 'cloud' },
      ],
      models: {
        chat: [
          { provider: 'ollama', model: 'llama3.2:3b' },
          { provider: 'cloud', model: 'big' },
        ],
        // config says this one has tools, whatever the engine reports
        forced: [
          { provider: 'ollama', model: 'llava:7b', capabilities: { tools: true } },
          { provider: 'cloud', model: 'big' },
        ],
      },
      router: { healthIntervalMs: 0 },
    });
    await gw.gateway.refreshModels();
  });
  after(async () => {
    await gw.close();
    await ollama.close();
    await cloud.close();
  });

  it('takes the context window and tools support from /api/show', () => {
    const d = gw.gateway.services.catalog.resolve('chat').deployments[0]!;
    assert.equal(d.capabilities.contextWindow, 8192);
    assert.equal(d.capabilities.tools, false);
    const llava = gw.gateway.services.catalog.resolve('forced').deployments[0]!;
    assert.equal(llava.capabilities.vision, true);
    assert.equal(llava.capabilities.tools, true, 'config wins over the engine');
  });

  it('routes by what the local model can do', async () => {
    assert.match((await chat({})).headers.get('x-meridian-route') ?? '', /^ollama\/llama3\.2:3b;/);
    assert.match((await chat({ tools })).headers.get('x-meridian-route') ?? '', /^cloud\/big;/, 'no tools locally: cloud');
    const long = 'word '.repeat(12_000);
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: long }] }),
    });
    assert.match(res.headers.get('x-meridian-route') ?? '', /^cloud\/big;/, 'prompt over the 8192-token window: cloud');
    assert.match((await chat({ tools }, 'forced')).headers.get('x-meridian-route') ?? '', /^ollama\/llava:7b;/);
  });
});
