/**
 * `meridian doctor` on a Bedrock provider: it checks credentials and reachability through the
 * adapter's listModels (a signed ListFoundationModels on the control plane), here against the
 * signature-verifying fake on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runDoctor, type Check } from '../../src/cli/doctor.js';
import { sendJson } from '../helpers/upstream.js';
import { SECRET_ACCESS_KEY, startFakeBedrock, useEnvCredentials, type FakeBedrock } from '../contract/fixtures/bedrock/fake-bedrock.js';

const byName = (checks: Check[], name: string): Check => {
  const c = checks.find((x) => x.name === name);
  assert.ok(c, `no check named ${name}: ${checks.map((x) => x.name).join(', ')}`);
  return c;
};

describe('meridian doctor with a bedrock provider', () => {
  let fake: FakeBedrock;
  let dir: string;
  let file: string;
  before(async () => {
    useEnvCredentials();
    fake = await startFakeBedrock((req, res) => {
      if (req.url === '/foundation-models') {
        return sendJson(res, 200, {
          modelSummaries: [{ modelId: 'amazon.nova-lite-v1:0', inputModalities: ['TEXT', 'IMAGE'], outputModalities: ['TEXT'] }],
        });
      }
      return sendJson(res, 200, { inferenceProfileSummaries: [{ inferenceProfileId: 'us.amazon.nova-lite-v1:0' }] });
    });
    dir = mkdtempSync(join(tmpdir(), 'meridian-doctor-bedrock-'));
    file = join(dir, 'meridian.yaml');
    writeFileSync(
      file,
      [
        `store: { sqlite: ${JSON.stringify(join(dir, 'm.db'))} }`,
        'providers:',
        `  - { id: bedrock, type: bedrock, options: { endpoint: "${fake.upstream.url}", controlEndpoint: "${fake.upstream.url}" } }`,
        'models:',
        '  chat: [{ provider: bedrock, model: "us.amazon.nova-lite-v1:0" }]',
      ].join('\n'),
    );
  });
  after(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the provider reachable with its credentials accepted and the model listed', async () => {
    const check = byName(await runDoctor({ config: file, port: false, timeoutMs: 3000 }), 'provider bedrock');
    assert.equal(check.status, 'ok', check.detail);
    assert.match(check.detail, /2 model\(s\) listed; serves us\.amazon\.nova-lite-v1:0/);
    assert.match(check.detail, /^reachable, key accepted/);
    assert.deepEqual(fake.signatureFailures, []);
  });

  it('fails when AWS refuses the signature (wrong secret), without printing the secret', async () => {
    const prev = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = 'wrong-secret-value-000000000000000000000';
    try {
      const checks = await runDoctor({ config: file, port: false, timeoutMs: 3000 });
      const check = byName(checks, 'provider bedrock');
      assert.equal(check.status, 'fail');
      assert.match(check.detail, /refused the credentials \(403\)/);
      assert.match(check.fix!, /credentials \(its options and the environment/);
      assert.ok(!JSON.stringify(checks).includes('wrong-secret-value') && !JSON.stringify(checks).includes(SECRET_ACCESS_KEY));
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = prev;
    }
  });
});
