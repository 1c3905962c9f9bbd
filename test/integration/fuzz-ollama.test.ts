/**
 * Seeded fuzz of Ollama's API on the gateway (issue #13): hostile bodies and headers at every POST
 * endpoint (/api/chat, /api/generate, /api/embed, /api/embeddings, /api/show) and hostile GETs of
 * /api/tags; no 5xx, every error in Ollama's `{"error": "..."}` without client values, the event
 * loop never blocked > 100 ms. Bodies follow https://github.com/ollama/ollama/blob/main/docs/api.md
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertLoopNeverBlocked, describeFailures, getCases, rng, runCases, watchEventLoop, type FuzzRun } from '../helpers/fuzz.js';
import {
  CHAT_ALIASES,
  EMBED_ALIASES,
  PROVIDER_PREFIXES,
  fuzzPostEndpoint,
  fuzzSeed,
  startFuzzGateway,
  type FuzzGateway,
} from '../helpers/fuzz-gateway.js';

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

const chatTemplates: Array<Record<string, unknown>> = [
  { model: 'chat-default', messages: [{ role: 'user', content: 'Hello, my email is jane.doe@example.com' }], stream: false },
  {
    model: 'cloud-chat',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is in this picture?', images: [PNG_1PX] },
    ],
    options: { temperature: 0.2, top_p: 0.9, top_k: 40, num_predict: 64, stop: ['\n\n'], seed: 7, num_ctx: 4096 },
    format: { type: 'object', properties: { answer: { type: 'string' } } },
    keep_alive: '5m',
    think: true,
  },
  {
    model: 'chat-default',
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: 'sunny', tool_name: 'get_weather' },
    ],
    tools: [weatherTool],
    format: 'json',
    stream: true,
  },
  { model: 'chat-default', messages: [], keep_alive: 0 },
];

const generateTemplates: Array<Record<string, unknown>> = [
  { model: 'chat-default', prompt: 'Why is the sky blue? Write to jane.doe@example.com', stream: false },
  {
    model: 'cloud-chat',
    system: 'Be brief.',
    prompt: 'Describe',
    images: [PNG_1PX],
    options: { num_predict: 32, stop: 'END' },
    think: 'low',
  },
  { model: 'chat-default', prompt: 'JSON please', format: 'json', raw: true, template: '{{ .Prompt }}', context: [1, 2, 3] },
  { model: 'chat-default', prompt: '' },
];

const embedTemplates: Array<Record<string, unknown>> = [
  { model: 'embed-default', input: 'Hello, my email is jane.doe@example.com' },
  { model: 'embed-default', input: ['one', 'two', 'three'], truncate: true, dimensions: 3, keep_alive: '1m' },
];

const legacyEmbeddingsTemplates: Array<Record<string, unknown>> = [
  { model: 'embed-default', prompt: 'Hello, my email is jane.doe@example.com', options: { temperature: 0 } },
];

const showTemplates: Array<Record<string, unknown>> = [{ model: 'chat-default' }, { model: 'cloud-chat', verbose: true }];

describe('fuzz the Ollama API (/api/*)', () => {
  let gw: FuzzGateway;
  before(async () => {
    gw = await startFuzzGateway();
  });
  after(() => gw.close());

  const post = (path: string, templates: Array<Record<string, unknown>>, models: string[], fixed: number, count: number) => {
    const seed = fuzzSeed(fixed);
    it(`POST ${path}: ${count} hostile requests, no 5xx, errors as {"error": "..."}, never blocking the loop (seed ${seed})`, () =>
      fuzzPostEndpoint(gw, path, { templates, models, providerPrefixes: PROVIDER_PREFIXES, baseHeaders: gw.auth }, seed, 'ollama', count));
  };

  post('/api/chat', chatTemplates, CHAT_ALIASES, 0x011a, 1000);
  post('/api/generate', generateTemplates, CHAT_ALIASES, 0x6e7e, 600);
  post('/api/embed', embedTemplates, EMBED_ALIASES, 0xe3b0, 400);
  post('/api/embeddings', legacyEmbeddingsTemplates, EMBED_ALIASES, 0xe3b1, 300);
  post('/api/show', showTemplates, [...CHAT_ALIASES, ...EMBED_ALIASES], 0x5400, 600);

  it('GET /api/tags: hostile query strings, headers and credentials', async () => {
    const seed = fuzzSeed(0x7a65);
    const cases = getCases(rng(seed), '/api/tags', 300, gw.auth);
    let run: FuzzRun = { failures: [], statuses: new Map() };
    const loop = await watchEventLoop(async () => {
      run = await runCases(gw.url, cases, 'ollama');
    });
    assert.equal(run.failures.length, 0, describeFailures(run));
    assert.ok((run.statuses.get(200) ?? 0) >= 50, `too few requests were answered: ${describeFailures(run)}`);
    assertLoopNeverBlocked(loop);
  });
});
