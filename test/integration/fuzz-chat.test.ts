/**
 * Seeded fuzz of POST /v1/chat/completions (issue #10): 1,000+ hostile bodies and headers; no 5xx,
 * every error in the OpenAI envelope without client values, the event loop never stalled > 100 ms.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertLoopNeverBlocked, watchEventLoop } from '../helpers/fuzz.js';
import {
  CHAT_ALIASES,
  PROVIDER_PREFIXES,
  fuzzPostEndpoint,
  fuzzSeed,
  startFuzzGateway,
  type FuzzGateway,
} from '../helpers/fuzz-gateway.js';

const SEED = fuzzSeed(0xc4a7);

const templates: Array<Record<string, unknown>> = [
  { model: 'chat-default', messages: [{ role: 'user', content: 'Hello, my email is jane.doe@example.com' }] },
  {
    model: 'cloud-chat',
    stream: true,
    stream_options: { include_usage: true },
    messages: [
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
    ],
    temperature: 0.2,
    max_tokens: 32,
    user: 'u-1',
    metadata: { team: 'fuzz', tags: 'confidential,legal-hold' },
  },
  {
    model: 'chat-default',
    messages: [
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
    ],
    tools: [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } },
    stop: ['\n\n'],
    seed: 7,
  },
];

describe('fuzz POST /v1/chat/completions', () => {
  let gw: FuzzGateway;
  before(async () => {
    gw = await startFuzzGateway();
  });
  after(() => gw.close());

  it(`answers 1,000 hostile requests without a 5xx, in the OpenAI envelope, never blocking the loop (seed ${SEED})`, async () => {
    await fuzzPostEndpoint(
      gw,
      '/v1/chat/completions',
      { templates, models: CHAT_ALIASES, providerPrefixes: PROVIDER_PREFIXES, baseHeaders: gw.auth },
      SEED,
      'openai',
    );
  });
});

describe('the fuzz suites’ event-loop check', () => {
  it('catches a handler that blocks the loop for 150 ms of CPU', async () => {
    const loop = await watchEventLoop(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Busy for 150 ms of this process's CPU time and 150 ms of wall time: CPU alone can run out
      // early (the process's other threads, e.g. GC helpers, count too), wall time alone is
      // stretched by a loaded machine.
      const start = process.cpuUsage();
      const startWall = performance.now();
      while (true) {
        const used = process.cpuUsage(start);
        if ((used.user + used.system) / 1000 >= 150 && performance.now() - startWall >= 150) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    assert.throws(() => assertLoopNeverBlocked(loop), /event loop was blocked/);
  });
});
