/**
 * Seeded fuzz of POST /v1/route/explain (issue #10): 1,000+ hostile bodies and headers; no 5xx, every
 * error in the OpenAI envelope without client values, the event loop never blocked > 100 ms.
 */
import { after, before, describe, it } from 'node:test';
import {
  CHAT_ALIASES,
  PROVIDER_PREFIXES,
  fuzzPostEndpoint,
  fuzzSeed,
  startFuzzGateway,
  type FuzzGateway,
} from '../helpers/fuzz-gateway.js';

const SEED = fuzzSeed(0xe491);

// Explain parses a chat request: the same bodies as /v1/chat/completions, never sent upstream.
const templates: Array<Record<string, unknown>> = [
  { model: 'chat-default', messages: [{ role: 'user', content: 'Hello, my email is jane.doe@example.com' }] },
  {
    model: 'cloud-chat',
    messages: [
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
        ],
      },
    ],
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    response_format: { type: 'json_object' },
    max_tokens: 32,
    user: 'u-1',
    metadata: { team: 'fuzz', tags: 'confidential,legal-hold' },
  },
  { model: 'local/local-model', messages: [{ role: 'user', content: 'hi' }], stream: true },
];

describe('fuzz POST /v1/route/explain', () => {
  let gw: FuzzGateway;
  before(async () => {
    gw = await startFuzzGateway();
  });
  after(() => gw.close());

  it(`answers 1,000 hostile requests without a 5xx, in the OpenAI envelope, never blocking the loop (seed ${SEED})`, async () => {
    await fuzzPostEndpoint(
      gw,
      '/v1/route/explain',
      { templates, models: CHAT_ALIASES, providerPrefixes: PROVIDER_PREFIXES, baseHeaders: gw.auth },
      SEED,
      'openai',
    );
  });
});
