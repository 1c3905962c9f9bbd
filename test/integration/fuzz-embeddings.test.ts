/**
 * Seeded fuzz of POST /v1/embeddings (issue #10): 1,000+ hostile bodies and headers; no 5xx, every
 * error in the OpenAI envelope without client values, the event loop never blocked > 100 ms.
 */
import { after, before, describe, it } from 'node:test';
import {
  EMBED_ALIASES,
  PROVIDER_PREFIXES,
  fuzzPostEndpoint,
  fuzzSeed,
  startFuzzGateway,
  type FuzzGateway,
} from '../helpers/fuzz-gateway.js';

const SEED = fuzzSeed(0xe3bd);

const templates: Array<Record<string, unknown>> = [
  { model: 'embed-default', input: 'Hello, my email is jane.doe@example.com' },
  { model: 'embed-default', input: ['one', 'two', 'three'], encoding_format: 'float', user: 'u-1' },
  {
    model: 'embed-default',
    input: [
      [1, 2, 3],
      [4, 5],
    ],
    dimensions: 3,
  },
  { model: 'embed-default', input: [101, 102, 103], encoding_format: 'base64' },
];

describe('fuzz POST /v1/embeddings', () => {
  let gw: FuzzGateway;
  before(async () => {
    gw = await startFuzzGateway();
  });
  after(() => gw.close());

  it(`answers 1,000 hostile requests without a 5xx, in the OpenAI envelope, never blocking the loop (seed ${SEED})`, async () => {
    await fuzzPostEndpoint(
      gw,
      '/v1/embeddings',
      { templates, models: EMBED_ALIASES, providerPrefixes: PROVIDER_PREFIXES, baseHeaders: gw.auth },
      SEED,
      'openai',
    );
  });
});
