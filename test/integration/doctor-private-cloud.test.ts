/**
 * `meridian doctor` over azure-openai and vertex providers, against the contract tests' fakes:
 * credentials accepted (token fetched, model list read), credentials refused (401, no secret in
 * the report), location private by default.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runDoctor } from '../../src/cli/doctor.js';
import { sendJson } from '../helpers/upstream.js';
import { AZURE_KEY, CLIENT_ID, TENANT, startFakeAzure, type FakeAzure } from '../contract/fixtures/azure/fake-azure.js';
import { REGION, startFakeVertex, type FakeVertex } from '../contract/fixtures/vertex/fake-vertex.js';

describe('meridian doctor: private cloud', () => {
  let az: FakeAzure;
  let vx: FakeVertex;
  let work: string;
  before(async () => {
    az = await startFakeAzure((_req, res) => sendJson(res, 500, {}));
    vx = await startFakeVertex((_req, res) => sendJson(res, 500, {}));
    vx.clock.now = Date.now();
    az.clock.now = Date.now();
    work = mkdtempSync(join(tmpdir(), 'meridian-doctor-pc-'));
  });
  after(async () => {
    await az.close();
    await vx.close();
  });

  it('reports reachable clouds with accepted credentials, and a refused client secret without showing it', async () => {
    const keyFile = join(work, 'sa.json');
    writeFileSync(keyFile, JSON.stringify(vx.keyFile));
    const secret = 'wrong~secret.Value_0000000000';
    const file = join(work, 'meridian.yaml');
    writeFileSync(
      file,
      [
        `store: { sqlite: ${JSON.stringify(join(work, 'doctor.db'))} }`,
        'providers:',
        `  - { id: azure, type: azure-openai, baseUrl: "${az.api.url}", apiKey: ${AZURE_KEY} }`,
        `  - id: azure-entra`,
        `    type: azure-openai`,
        `    baseUrl: "${az.api.url}"`,
        `    options: { tenantId: ${TENANT}, clientId: ${CLIENT_ID}, clientSecret: "${secret}", authorityHost: "${az.authority.url}" }`,
        `  - { id: vertex, type: vertex, baseUrl: "${vx.api.url}", options: { region: ${REGION}, credentialsFile: ${JSON.stringify(keyFile)} } }`,
        'models:',
        '  chat: [{ provider: azure, model: gpt4o-prod }, { provider: azure-entra, model: gpt4o-prod }, { provider: vertex, model: gemini-2.5-flash }]',
      ].join('\n'),
    );
    const checks = await runDoctor({ config: file, port: false, timeoutMs: 3000 });
    const by = (name: string) => checks.find((c) => c.name === name)!;
    const azure = by('provider azure');
    assert.equal(azure.status, 'ok', azure.detail);
    assert.match(azure.detail, /reachable, key accepted/);
    const vertex = by('provider vertex');
    assert.equal(vertex.status, 'ok', vertex.detail);
    assert.match(vertex.detail, /key accepted, 2 model\(s\) listed/);
    const entra = by('provider azure-entra');
    assert.equal(entra.status, 'fail');
    assert.match(entra.detail, /refused the credentials \(401\)/);
    assert.match(entra.fix!, /providers\[azure-entra\]'s credentials/, 'no apiKey here: the hint names the credentials, not apiKey');
    assert.doesNotMatch(JSON.stringify(checks), new RegExp(`${secret.replace(/[.~]/g, '\\$&')}|${AZURE_KEY}`));
  });
});
