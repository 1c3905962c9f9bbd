/** The `bedrock` table of data/prices.json: model ids, cross-region profile ids and embeddings resolve to a dated, sourced price. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getDefaultCatalog } from '../../src/meter/catalog.js';

test('bedrock ids, inference-profile ids and embedding models resolve in the catalog', () => {
  const catalog = getDefaultCatalog();
  const cases: Array<[string, number, number, 'chat' | 'embedding']> = [
    ['anthropic.claude-3-5-haiku-20241022-v1:0', 0.8, 4, 'chat'],
    ['eu.anthropic.claude-3-5-haiku-20241022-v1:0', 0.8, 4, 'chat'],
    ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', 3, 15, 'chat'],
    ['us.amazon.nova-lite-v1:0', 0.06, 0.24, 'chat'],
    ['amazon.titan-embed-text-v2:0', 0.02, 0, 'embedding'],
    ['cohere.embed-multilingual-v3', 0.1, 0, 'embedding'],
  ];
  for (const [model, input, output, kind] of cases) {
    const hit = catalog.lookup('bedrock', model);
    assert.ok(hit, model);
    assert.equal(hit.match, 'exact', model);
    assert.deepEqual([hit.entry.input, hit.entry.output, hit.entry.kind ?? 'chat'], [input, output, kind], model);
    assert.equal(hit.entry.provider, 'bedrock');
    assert.match(hit.entry.source, /^https:\/\/aws\.amazon\.com\/bedrock\/pricing/);
    assert.match(hit.entry.asOf, /^\d{4}-\d{2}-\d{2}$/);
  }
  // A custom or provisioned model ARN is billed by the hour, not per token: no catalog price.
  assert.equal(catalog.lookup('bedrock', 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc'), undefined);
});
