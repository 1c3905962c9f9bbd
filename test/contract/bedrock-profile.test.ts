/**
 * The Bedrock adapter signing with keys from a shared credentials file (a temp file, a named
 * profile with a session token and its own region), verified by the fake's SigV4 check; and the
 * credential error when nothing is configured.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UpstreamError } from '../../src/errors.js';
import { createProviderHandle } from '../../src/providers/registry.js';
import { sendJson } from '../helpers/upstream.js';
import { chat, startBedrock, type BedrockHarness } from './fixtures/bedrock/fake-bedrock.js';

const PROFILE = {
  accessKeyId: 'ASIAPROFILE0000000001',
  secretAccessKey: 'profile/Secret+Key0123456789',
  sessionToken: 'profile-session-token-xyz',
  region: 'ap-northeast-1',
};

describe('bedrock adapter: credentials from a shared credentials file', () => {
  let dir: string;
  let h: BedrockHarness;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meridian-bedrock-'));
    writeFileSync(
      join(dir, 'credentials'),
      `[other]\naws_access_key_id = AKIAOTHER00000000000\naws_secret_access_key = other\n\n[team]\naws_access_key_id = ${PROFILE.accessKeyId}\naws_secret_access_key = ${PROFILE.secretAccessKey}\naws_session_token = ${PROFILE.sessionToken}\n`,
    );
    writeFileSync(join(dir, 'config'), `[profile team]\nregion = ${PROFILE.region}\n`);
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE'])
      delete process.env[k];
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    process.env.HOME = dir;
    h = await startBedrock(
      (_req, res) =>
        sendJson(res, 200, {
          output: { message: { role: 'assistant', content: [{ text: 'ok' }] } },
          stopReason: 'end_turn',
          usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
        }),
      { profile: 'team' },
      PROFILE,
    );
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('options.profile: keys, session token and region of [profile team] sign the request', async () => {
    const r = await chat(h, 'amazon.nova-lite-v1:0', { messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.type, 'response');
    assert.deepEqual(h.fake.signatureFailures, []);
    const req = h.fake.upstream.requests.at(-1)!;
    assert.match(String(req.headers.authorization), /Credential=ASIAPROFILE0000000001\/\d{8}\/ap-northeast-1\/bedrock\/aws4_request/);
    assert.equal(req.headers['x-amz-security-token'], PROFILE.sessionToken);
  });

  it('AWS_PROFILE picks the same profile when options.profile is absent', async () => {
    process.env.AWS_PROFILE = 'team';
    const provider = createProviderHandle({ id: 'bedrock-env-profile', type: 'bedrock', options: { endpoint: h.fake.upstream.url } });
    try {
      const r = await provider.adapter.chat({
        request: { model: 'amazon.nova-lite-v1:0', messages: [{ role: 'user', content: 'hi' }] },
        deployment: { ...h.deployment('amazon.nova-lite-v1:0'), provider },
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(r.type, 'response');
      assert.deepEqual(h.fake.signatureFailures, []);
    } finally {
      delete process.env.AWS_PROFILE;
      await provider.http.close();
    }
  });

  it('no usable credentials: a 502 upstream_credentials error before any request, naming what to set', async () => {
    const before = h.fake.upstream.requests.length;
    const provider = createProviderHandle({
      id: 'bedrock-none',
      type: 'bedrock',
      options: { endpoint: h.fake.upstream.url, profile: 'missing' },
    });
    try {
      await assert.rejects(
        provider.adapter.chat({
          request: { model: 'amazon.nova-lite-v1:0', messages: [{ role: 'user', content: 'hi' }] },
          deployment: { ...h.deployment('amazon.nova-lite-v1:0'), provider },
          signal: AbortSignal.timeout(5000),
        }),
        (err: unknown) =>
          err instanceof UpstreamError &&
          err.code === 'upstream_credentials' &&
          err.status === 502 &&
          /profile "missing"/.test(err.message),
      );
      assert.equal(h.fake.upstream.requests.length, before);
    } finally {
      await provider.http.close();
    }
  });
});
