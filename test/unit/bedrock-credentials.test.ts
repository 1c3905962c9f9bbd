/**
 * AWS credentials and region for the Bedrock adapter: environment keys, shared credentials and
 * config files with profiles (temp files), precedence, and messages that never hold a secret.
 * File format: https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AwsCredentialsError, loadAwsIdentity } from '../../src/providers/bedrock/aws-credentials.js';

describe('bedrock credentials', () => {
  let dir: string;
  let files: NodeJS.ProcessEnv;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'meridian-aws-'));
    writeFileSync(
      join(dir, 'credentials'),
      [
        '[default]',
        'aws_access_key_id = AKIADEFAULT000000000',
        'aws_secret_access_key = default-secret',
        '',
        '[prod]',
        'aws_access_key_id=ASIAPROD0000000000000',
        'aws_secret_access_key=prod-secret',
        'aws_session_token=prod-token',
        '',
        '[nokeys]',
        'region = us-west-2',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'config'),
      [
        '[default]',
        'region = eu-central-1',
        '',
        '[profile prod]',
        'region = ap-southeast-2',
        '',
        '[profile assumed]',
        'role_arn = arn:aws:iam::123456789012:role/x',
        'source_profile = default',
        '',
        '[profile cfgkeys]',
        'aws_access_key_id = AKIACFG0000000000000',
        'aws_secret_access_key = cfg-secret',
        'region = sa-east-1',
      ].join('\n'),
    );
    files = { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config'), HOME: dir };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('environment keys and session token come first when no profile is named', async () => {
    const id = await loadAwsIdentity(
      {},
      {
        ...files,
        AWS_ACCESS_KEY_ID: 'AKIAENV',
        AWS_SECRET_ACCESS_KEY: 'env-secret',
        AWS_SESSION_TOKEN: 'env-token',
        AWS_REGION: 'us-east-2',
      },
    );
    assert.deepEqual(id, {
      credentials: { accessKeyId: 'AKIAENV', secretAccessKey: 'env-secret', sessionToken: 'env-token' },
      region: 'us-east-2',
      source: 'environment',
    });
  });

  it('environment keys without a region take the region of the default profile; AWS_DEFAULT_REGION also counts', async () => {
    const env = { ...files, AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'env-secret' };
    assert.equal((await loadAwsIdentity({}, env)).region, 'eu-central-1');
    assert.equal((await loadAwsIdentity({}, { ...env, AWS_DEFAULT_REGION: 'ca-central-1' })).region, 'ca-central-1');
    assert.equal((await loadAwsIdentity({ region: 'us-west-1' }, env)).region, 'us-west-1');
  });

  it('without environment keys: the default profile, or AWS_PROFILE', async () => {
    const d = await loadAwsIdentity({}, files);
    assert.deepEqual(d.credentials, { accessKeyId: 'AKIADEFAULT000000000', secretAccessKey: 'default-secret' });
    assert.equal(d.region, 'eu-central-1');
    assert.equal(d.source, 'profile "default"');
    const p = await loadAwsIdentity({}, { ...files, AWS_PROFILE: 'prod' });
    assert.deepEqual(p.credentials, { accessKeyId: 'ASIAPROD0000000000000', secretAccessKey: 'prod-secret', sessionToken: 'prod-token' });
    assert.equal(p.region, 'ap-southeast-2', 'region from [profile prod] in the config file');
  });

  it('options.profile wins over environment keys; keys in the config file work too', async () => {
    const env = { ...files, AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_REGION: 'us-east-2' };
    const p = await loadAwsIdentity({ profile: 'prod' }, env);
    assert.equal(p.credentials.accessKeyId, 'ASIAPROD0000000000000');
    assert.equal(p.region, 'us-east-2', 'AWS_REGION still beats the profile region');
    const c = await loadAwsIdentity({ profile: 'cfgkeys' }, files);
    assert.deepEqual(c.credentials, { accessKeyId: 'AKIACFG0000000000000', secretAccessKey: 'cfg-secret' });
    assert.equal(c.region, 'sa-east-1');
  });

  it('says what is missing, without values: unknown profile, profile without keys, assume-role profile, no region', async () => {
    await assert.rejects(loadAwsIdentity({ profile: 'ghost' }, files), (err: unknown) => {
      assert.ok(err instanceof AwsCredentialsError);
      assert.match(err.message, /AWS_ACCESS_KEY_ID.*profile "ghost"/);
      return true;
    });
    await assert.rejects(loadAwsIdentity({ profile: 'nokeys' }, files), /profile "nokeys" has no aws_access_key_id/);
    await assert.rejects(loadAwsIdentity({ profile: 'assumed' }, files), (err: unknown) => {
      assert.match((err as Error).message, /role_arn/);
      assert.ok(!(err as Error).message.includes('123456789012'));
      return true;
    });
    const empty = { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_CONFIG_FILE: join(dir, 'none2'), HOME: dir };
    await assert.rejects(
      loadAwsIdentity({}, { ...empty, AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 's3cr3t-value' }),
      (err: unknown) => {
        assert.match((err as Error).message, /No AWS region/);
        assert.ok(!(err as Error).message.includes('s3cr3t-value'));
        return true;
      },
    );
    await assert.rejects(loadAwsIdentity({}, empty), /No AWS credentials/);
  });

  it('reads the files again on each call (rotated keys are picked up)', async () => {
    const path = join(dir, 'rotating');
    writeFileSync(path, '[default]\naws_access_key_id=AKIAOLD\naws_secret_access_key=old\nregion=us-east-1\n');
    const env = { AWS_SHARED_CREDENTIALS_FILE: path, AWS_CONFIG_FILE: join(dir, 'none'), HOME: dir, AWS_REGION: 'us-east-1' };
    assert.equal((await loadAwsIdentity({}, env)).credentials.accessKeyId, 'AKIAOLD');
    writeFileSync(path, '[default]\naws_access_key_id=AKIANEW\naws_secret_access_key=new\n');
    assert.equal((await loadAwsIdentity({}, env)).credentials.accessKeyId, 'AKIANEW');
  });
});
